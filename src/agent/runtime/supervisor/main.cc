// wharf-supervisor: one small process per container (like conmon or containerd-shim). It holds the
// container's stdio, writes every line to the capture file, records the exit status in a status
// file and survives the server. Built static, so the same binary also serves as the container's
// minimal init (`init` mode, PID 1: reaps zombies, forwards signals).
//
//   wharf-supervisor oci --dir D --status S --runtime R --root ROOT --bundle B --id ID [--memcg P]
//                        [--hide-mount M] [--runtime-fd N]
//   wharf-supervisor process --dir D --status S -- ARGV...
//   wharf-supervisor init -- ARGV...
//
// In the run modes fd 3 is the ready pipe: "ok\n" once the container runs, else an error text.
// Files in D: supervisor.pid, pid (the container's init in host pid terms), capture.log.
// --hide-mount runs the runtime in a private mount namespace without mount M (crun refuses the
// cgroup v1 hierarchy while a cgroup2 mount sits beside it); the host's mounts stay as they are.
// --runtime-fd runs the runtime from that inherited descriptor (a sealed copy of R) rather than R.
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "agent/capture_format.h"

namespace {

constexpr int kReadyFd = 3;
constexpr int kDrainAfterExitMs = 2000;  // output still buffered in pipes after the init exited
constexpr const char* kOomReason = "OutOfMemoryError: Container killed due to memory usage";

struct Options {
  std::string mode, dir, status, runtime, root, bundle, id, memcg, hideMount;
  int runtimeFd = -1;
  std::vector<std::string> argv;
};

bool parseOptions(int argc, char** argv, Options& o) {
  if (argc < 2) return false;
  o.mode = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") {
      for (++i; i < argc; ++i) o.argv.emplace_back(argv[i]);
      break;
    }
    if (i + 1 >= argc) return false;
    std::string v = argv[++i];
    if (a == "--dir")
      o.dir = v;
    else if (a == "--status")
      o.status = v;
    else if (a == "--runtime")
      o.runtime = v;
    else if (a == "--root")
      o.root = v;
    else if (a == "--bundle")
      o.bundle = v;
    else if (a == "--id")
      o.id = v;
    else if (a == "--memcg")
      o.memcg = v;
    else if (a == "--hide-mount")
      o.hideMount = v;
    else if (a == "--runtime-fd")
      o.runtimeFd = atoi(v.c_str());
    else
      return false;
  }
  return true;
}

int64_t nowMs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

bool writeAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= size_t(w);
  }
  return true;
}

enum class Durability { kProcessCrash, kPowerLoss };

// Writes `content` to `path` so readers see either nothing or all of it. kPowerLoss fsyncs it;
// files that describe live processes need not survive a power loss, which takes the processes too.
bool writeFileAtomic(const std::string& path, const std::string& content, Durability durability) {
  std::string tmp = path.substr(0, path.rfind('/') + 1) + ".tmp." + std::to_string(getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  bool ok = writeAll(fd, content.data(), content.size()) && (durability == Durability::kProcessCrash || fsync(fd) == 0);
  close(fd);
  return ok && rename(tmp.c_str(), path.c_str()) == 0;
}

std::string readFile(const std::string& path) {
  std::string out;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, size_t(n));
  close(fd);
  return out;
}

std::string jsonEscape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c < 0x20) {
      char b[8];
      snprintf(b, sizeof b, "\\u%04x", c);
      out += b;
    } else {
      out += char(c);
    }
  }
  return out;
}

int exitCodeOf(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

// Splits one stream into capture records; keeps the unfinished tail between reads.
class LineSplitter {
 public:
  explicit LineSplitter(char tag) : tag_(tag) {}
  void feed(const char* p, size_t n, std::string& out) {
    int64_t ts = nowMs();
    for (size_t i = 0; i < n; ++i) {
      if (p[i] == '\n') {
        emit(ts, out);
      } else {
        partial_ += p[i];
        if (partial_.size() >= wharf::agent::kMaxCaptureLine) emit(ts, out);
      }
    }
  }
  void finish(std::string& out) {
    if (!partial_.empty()) emit(nowMs(), out);
  }

 private:
  void emit(int64_t ts, std::string& out) {
    out += std::to_string(ts);
    out += ' ';
    out += tag_;
    out += ' ';
    out += partial_;
    out += '\n';
    partial_.clear();
  }
  char tag_;
  std::string partial_;
};

// In spawn()'s child: moves it to a private copy of the mount namespace and detaches `path`
// there. Mounts are made private first, or the unmount would propagate back to the host.
bool hideMount(const char* path) {
  if (unshare(CLONE_NEWNS) != 0 || mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
      (umount2(path, MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)) {
    char message[512];
    int n = snprintf(message, sizeof message, "cannot run the runtime without %s: %s\n", path, strerror(errno));
    writeAll(2, message, size_t(std::clamp(n, 0, int(sizeof message) - 1)));
    return false;
  }
  return true;
}

// What spawn()'s child does between vfork and exec.
struct ChildSetup {
  char* const* argv;
  int stdinFd, stdoutFd, stderrFd;
  int errPipe;              // gets the exec's errno, or -1
  bool ownGroup;            // a process group of its own
  const char* hiddenMount;  // see --hide-mount, or null
  int execFd;               // see --runtime-fd, or -1
};

// The child shares the parent's memory until it execs, so it only makes system calls.
[[noreturn]] void runChild(const ChildSetup& c) {
  sigset_t all;
  sigemptyset(&all);
  sigprocmask(SIG_SETMASK, &all, nullptr);
  signal(SIGPIPE, SIG_DFL);
  if (c.ownGroup) setpgid(0, 0);
  dup2(c.stdinFd, 0);
  dup2(c.stdoutFd, 1);
  dup2(c.stderrFd, 2);
  if (c.hiddenMount && !hideMount(c.hiddenMount)) _exit(127);
  if (c.execFd >= 0)
    fexecve(c.execFd, c.argv, environ);
  else
    execvp(c.argv[0], c.argv);
  int e = errno;
  if (c.errPipe >= 0) writeAll(c.errPipe, reinterpret_cast<char*>(&e), sizeof e);
  _exit(127);
}

// vfork: copying even this small process's page tables would cost more CPU than the rest of its
// life on a virtual machine. Nothing but `setup` is live across it.
pid_t startChild(const ChildSetup& setup) {
  pid_t pid = vfork();
  if (pid == 0) runChild(setup);
  return pid;
}

// `runtime`, when set, is how an OCI runtime runs: see --hide-mount and --runtime-fd.
pid_t spawn(const std::vector<std::string>& args, int out, int err, int errPipe, bool ownGroup,
            const Options* runtime = nullptr) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  ChildSetup setup{.argv = argv.data(),
                   .stdinFd = devnull,
                   .stdoutFd = out,
                   .stderrFd = err,
                   .errPipe = errPipe,
                   .ownGroup = ownGroup,
                   .hiddenMount = runtime && !runtime->hideMount.empty() ? runtime->hideMount.c_str() : nullptr,
                   .execFd = runtime ? runtime->runtimeFd : -1};
  pid_t pid = startChild(setup);
  close(devnull);
  return pid;
}

int waitFor(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

std::string readAvailable(int fd) {
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, size_t(n));
  return out;
}

void ready(const std::string& message) {
  writeAll(kReadyFd, message.data(), message.size());
  close(kReadyFd);
}

// Starts the container; returns its init pid, or -1 after reporting the error on the ready pipe.
pid_t startContainer(const Options& o, int outW, int errW, int errR) {
  if (o.mode == "oci") {
    std::string pidFile = o.dir + "/pid";
    pid_t r = spawn({o.runtime, "--root", o.root, "run", "-d", "--pid-file", pidFile, "--bundle", o.bundle, o.id}, outW,
                    errW, -1, false, &o);
    int status = waitFor(r);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      close(outW);
      close(errW);
      // The runtime reports why on the stderr it would have handed to the container.
      ready("error: " + readAvailable(errR));
      return -1;
    }
    return pid_t(atoi(readFile(pidFile).c_str()));
  }
  int errPipe[2];
  if (pipe2(errPipe, O_CLOEXEC) != 0) return -1;
  pid_t pid = spawn(o.argv, outW, errW, errPipe[1], true);
  close(errPipe[1]);
  int e = 0;
  ssize_t n = read(errPipe[0], &e, sizeof e);
  close(errPipe[0]);
  if (n == sizeof e) {
    waitFor(pid);
    ready(std::string("error: cannot run ") + o.argv[0] + ": " + strerror(e));
    return -1;
  }
  writeFileAtomic(o.dir + "/pid", std::to_string(pid), Durability::kProcessCrash);
  return pid;
}

bool oomKilled(const std::string& memcg) {
  if (memcg.empty()) return false;
  std::string text = readFile(memcg + "/memory.oom_control");
  size_t at = text.find("oom_kill ");
  return at != std::string::npos && atoll(text.c_str() + at + 9) > 0;
}

int runSupervisor(const Options& o) {
  // Detach from the spawner: it reaps our parent at once and never sees us again.
  if (pid_t p = fork(); p != 0) _exit(p < 0 ? 1 : 0);
  // The container must not hold the ready pipe open, nor the runtime's copy.
  fcntl(kReadyFd, F_SETFD, FD_CLOEXEC);
  if (o.runtimeFd >= 0) fcntl(o.runtimeFd, F_SETFD, FD_CLOEXEC);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  // The container's init is reparented to us when `<runtime> run -d` exits, so we can wait for it.
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  writeFileAtomic(o.dir + "/supervisor.pid", std::to_string(getpid()), Durability::kProcessCrash);

  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, nullptr);
  int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);

  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    ready("error: pipe: " + std::string(strerror(errno)));
    return 1;
  }
  int capture = open((o.dir + "/capture.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (capture < 0) {
    ready("error: capture file: " + std::string(strerror(errno)));
    return 1;
  }
  pid_t init = startContainer(o, out[1], err[1], err[0]);
  if (init <= 0) return 1;
  close(out[1]);
  close(err[1]);
  ready("ok\n");

  LineSplitter splitters[2] = {LineSplitter('o'), LineSplitter('e')};
  pollfd fds[3] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}, {sfd, POLLIN, 0}};
  int openStreams = 2;
  int initStatus = -1;
  int64_t drainDeadline = 0;
  std::string records;
  char buf[65536];
  while (openStreams > 0 || initStatus == -1) {
    int timeout = initStatus == -1 ? -1 : int(std::max<int64_t>(0, drainDeadline - nowMs()));
    int n = poll(fds, 3, timeout);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) break;  // the init exited long ago and something still holds the pipes
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t r = read(fds[i].fd, buf, sizeof buf);
      if (r > 0) {
        splitters[i].feed(buf, size_t(r), records);
      } else if (r == 0 || errno != EINTR) {
        splitters[i].finish(records);
        close(fds[i].fd);
        fds[i].fd = -1;
        --openStreams;
      }
    }
    if (!records.empty()) {
      writeAll(capture, records.data(), records.size());
      records.clear();
    }
    if (fds[2].revents & POLLIN) {
      signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) == sizeof si) {
      }
      int status;
      pid_t p;
      while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
        if (p == init) {
          initStatus = status;
          drainDeadline = nowMs() + kDrainAfterExitMs;
        }
      }
    }
  }
  for (auto& s : splitters) s.finish(records);
  writeAll(capture, records.data(), records.size());
  fsync(capture);
  close(capture);
  int64_t exitedAt = nowMs();

  int code = exitCodeOf(initStatus);
  // The container's cgroup and runtime state stay until the server removes the container (a
  // runtime process here would cost as much CPU as the rest of the supervisor's life).
  bool oom = oomKilled(o.memcg);
  if (oom) code = 137;
  std::string json = "{\"exitCode\":" + std::to_string(code) + ",\"oomKilled\":" + (oom ? "true" : "false") +
                     ",\"reason\":\"" + jsonEscape(oom ? kOomReason : "") +
                     "\",\"exitedAtMs\":" + std::to_string(exitedAt) + "}";
  return writeFileAtomic(o.status, json, Durability::kPowerLoss) ? 0 : 1;
}

// PID 1 inside a container: forwards signals to the command and reaps every orphan.
int runInit(const Options& o) {
  if (o.argv.empty()) return 127;
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, nullptr);
  pid_t child = spawn(o.argv, 1, 2, -1, false);
  if (child < 0) return 127;
  for (;;) {
    siginfo_t si;
    if (sigwaitinfo(&all, &si) < 0) continue;
    if (si.si_signo != SIGCHLD) {
      kill(child, si.si_signo);
      continue;
    }
    int status;
    pid_t p;
    while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
      if (p == child) return exitCodeOf(status);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parseOptions(argc, argv, o)) {
    fprintf(stderr, "usage: wharf-supervisor oci|process|init [options] [-- argv...]\n");
    return 2;
  }
  if (o.mode == "init") return runInit(o);
  if ((o.mode == "oci" && !o.id.empty()) || (o.mode == "process" && !o.argv.empty())) return runSupervisor(o);
  fprintf(stderr, "wharf-supervisor: bad arguments for mode %s\n", o.mode.c_str());
  return 2;
}
