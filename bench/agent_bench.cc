// Container launch latency: LocalAgent launch() → kContainerStarted against a bare `runc run` of a
// comparable bundle (same busybox image on an overlay, same config builder), in the same run; then
// sustained full lifecycles (launch, exit, cleanup) per second. Needs root and runc.
#include <sys/mount.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>

#include "agent/runtime/launchers/oci/bundle_builder.h"
#include "agent/runtime/local_agent.h"

namespace {

namespace fs = std::filesystem;
using namespace wharf::agent;
using Clock = std::chrono::steady_clock;

class OneImage final : public ImageStore {
 public:
  explicit OneImage(Image image) : image_(std::move(image)) {}
  wharf::Result<Image> importArchive(const std::string&, const std::string&) override { return image_; }
  wharf::Result<Image> resolve(const std::string&) const override { return image_; }
  wharf::Result<std::vector<Image>> list() const override { return std::vector<Image>{image_}; }

 private:
  Image image_;
};

// Waits for events per task.
class Events {
 public:
  TaskEventSink sink() {
    return [this](const TaskEvent& e) {
      std::lock_guard lock(mutex_);
      seen_[{e.taskId, e.kind}] = Clock::now();
      cv_.notify_all();
    };
  }
  Clock::time_point wait(const std::string& taskId, TaskEvent::Kind kind) {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return seen_.contains({taskId, kind}); });
    return seen_[{taskId, kind}];
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<std::pair<std::string, TaskEvent::Kind>, Clock::time_point> seen_;
};

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(p * double(v.size())))];
}

TaskSpec trueTask(int i) {
  TaskSpec t;
  char id[33];
  snprintf(id, sizeof id, "%032x", i);
  t.taskId = id;
  t.networkMode = NetworkMode::kNone;
  ContainerSpec c;
  c.name = "main";
  c.image = "busybox:latest";
  c.command = std::vector<std::string>{"/bin/true"};
  c.memoryMiB = 64;
  t.containers.push_back(c);
  return t;
}

std::vector<double> bareRunc(const Image& image, const fs::path& dir, const std::string& runtime, int count) {
  fs::path bundle = dir / "bare";
  for (const char* d : {"rootfs", "upper", "work"}) fs::create_directories(bundle / d);
  std::string overlay = "lowerdir=" + image.rootfs + ",upperdir=" + (bundle / "upper").string() +
                        ",workdir=" + (bundle / "work").string();
  mount("overlay", (bundle / "rootfs").c_str(), "overlay", 0, overlay.c_str());
  TaskSpec t = trueTask(0);
  auto config = buildOciConfig({t, t.containers[0], image, "", ""},
                               BundleOptions{.rootfs = "rootfs", .cgroupsPath = "/wharf-bench-bare", .initBinary = ""});
  std::ofstream(bundle / "config.json") << *config;
  std::vector<double> samples;
  std::string cmd = runtime + " --root " + (dir / "bare-state").string() + " run --bundle " + bundle.string() +
                    " wharf-bench-bare >/dev/null 2>&1";
  for (int i = 0; i < count; ++i) {
    auto start = Clock::now();
    if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "bare runc run failed\n");
    samples.push_back(ms(Clock::now() - start));
  }
  umount2((bundle / "rootfs").c_str(), MNT_DETACH);
  return samples;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"agent_bench"};
  int count = 200;
  std::string runtime = "runc";
  std::string supervisor = WHARF_SUPERVISOR_PATH;
  app.add_option("--count", count, "containers per measurement");
  app.add_option("--runtime", runtime, "OCI runtime");
  app.add_option("--supervisor", supervisor, "wharf-supervisor binary");
  CLI11_PARSE(app, argc, argv);
  if (geteuid() != 0) {
    std::fprintf(stderr, "agent_bench needs root\n");
    return 1;
  }

  fs::path dir = fs::temp_directory_path() / ("wharf-agent-bench-" + std::to_string(getpid()));
  fs::create_directories(dir / "image/bin");
  fs::copy_file("/bin/busybox", dir / "image/bin/busybox");
  fs::create_symlink("busybox", dir / "image/bin/true");
  Image image;
  image.name = "busybox:latest";
  image.rootfs = (dir / "image").string();
  OneImage images(image);

  auto bare = bareRunc(image, dir, runtime, count);

  LocalAgentConfig config;
  config.dataDir = (dir / "data").string();
  config.runtimePath = runtime;
  config.supervisorPath = supervisor;
  config.images = &images;
  auto agent = makeLocalAgent(config);
  if (!agent) {
    std::fprintf(stderr, "%s\n", agent.error().message.c_str());
    return 1;
  }
  Events events;
  (*agent)->setEventSink(events.sink());

  std::vector<double> started;
  for (int i = 1; i <= count; ++i) {
    TaskSpec t = trueTask(i);
    auto begin = Clock::now();
    (void)(*agent)->launch(t);
    started.push_back(ms(events.wait(t.taskId, TaskEvent::Kind::kContainerStarted) - begin));
    events.wait(t.taskId, TaskEvent::Kind::kContainerExited);
    (void)(*agent)->cleanup(t.taskId);
    events.wait(t.taskId, TaskEvent::Kind::kCleanedUp);
  }

  // Sustained lifecycles with a few tasks in flight.
  constexpr int kInFlight = 8;
  auto finish = [&](const std::string& id) {
    events.wait(id, TaskEvent::Kind::kContainerExited);
    (void)(*agent)->cleanup(id);
    events.wait(id, TaskEvent::Kind::kCleanedUp);
  };
  std::vector<TaskSpec> tasks;
  for (int i = 0; i < count; ++i) tasks.push_back(trueTask(count + 1 + i));
  auto begin = Clock::now();
  for (int i = 0; i < count; ++i) {
    (void)(*agent)->launch(tasks[i]);
    if (i >= kInFlight) finish(tasks[i - kInFlight].taskId);
  }
  for (int i = std::max(0, count - kInFlight); i < count; ++i) finish(tasks[i].taskId);
  double seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  agent->reset();
  fs::remove_all(dir);

  double bareP50 = percentile(bare, 0.5), agentP50 = percentile(started, 0.5);
  std::printf("bare runc run (true):        p50 %7.1f ms  p99 %7.1f ms\n", bareP50, percentile(bare, 0.99));
  std::printf("agent launch -> started:     p50 %7.1f ms  p99 %7.1f ms\n", agentP50, percentile(started, 0.99));
  std::printf("ratio agent/bare p50:        %.2f\n", agentP50 / bareP50);
  std::printf("full lifecycles/s (%d in flight): %.1f\n", kInFlight, count / seconds);
  return 0;
}
