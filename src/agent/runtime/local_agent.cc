#include "agent/runtime/local_agent.h"

#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "agent/runtime/launchers/oci/oci_launcher.h"
#include "agent/runtime/launchers/process/process_launcher.h"
#include "agent/runtime/log_tailer.h"
#include "agent/runtime/runtime_layout.h"
#include "agent/runtime/runtime_watcher.h"

namespace wharf::agent {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using Kind = TaskEvent::Kind;

constexpr const char* kNeverStarted = "The task was stopped before the container started";
constexpr const char* kLostLaunch = "ResourceInitializationError: the agent restarted before the task started";
// Threads delivering events. The sink commits each event durably, so tasks whose events are
// delivered side by side can share one commit; launches never delay them.
constexpr size_t kDeliveryThreads = 8;
// Threads releasing the resources of finished tasks: short work that records a task STOPPED, so
// it never queues behind launches.
constexpr size_t kCleanupThreads = 2;

using EventStrand = asio::strand<asio::thread_pool::executor_type>;

struct ContainerState {
  enum class Phase { kPending, kStarting, kRunning, kDone };
  ContainerSpec spec;
  Phase phase = Phase::kPending;
  bool stopRequested = false;
  std::unique_ptr<asio::steady_timer> killTimer;
  std::shared_ptr<LogTailer> tailer;
};

struct TaskState {
  TaskSpec spec;
  std::vector<ContainerState> containers;  // in the order of the spec
  bool stopRequested = false;
  EventStrand events;  // keeps the task's events in order
};

using Phase = ContainerState::Phase;

bool validName(const std::string& s) {
  return !s.empty() && s.size() <= 255 && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

Result<void> validate(const TaskSpec& spec) {
  if (!validName(spec.taskId)) return invalidParameter("invalid task id: " + spec.taskId);
  if (spec.containers.empty()) return invalidParameter("task " + spec.taskId + " has no containers");
  std::set<std::string> names;
  for (const auto& c : spec.containers)
    if (!validName(c.name) || !names.insert(c.name).second)
      return invalidParameter("invalid or duplicate container name: " + c.name);
  return {};
}

NodeResources hostResources() {
  NodeResources r;
  r.cpuUnits = int(sysconf(_SC_NPROCESSORS_ONLN)) * 1024;
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  int64_t kib = 0;
  while (meminfo >> key >> kib) {
    if (key == "MemTotal:") {
      r.memoryMiB = int(kib / 1024);
      break;
    }
    meminfo.ignore(256, '\n');
  }
  return r;
}

std::string errorText(const Error& e) { return e.type.empty() ? e.message : e.type + ": " + e.message; }

class LocalAgent final : public Agent {
 public:
  LocalAgent(LocalAgentConfig config, std::unique_ptr<Launcher> launcher)
      : config_(std::move(config)),
        clock_(config_.clock ? *config_.clock : systemClock_),
        launcher_(std::move(launcher)),
        layout_(config_.dataDir),
        ioGuard_(io_.get_executor()),
        work_(size_t(std::max(1, config_.launchThreads))),
        cleanups_(kCleanupThreads),
        delivery_(kDeliveryThreads),
        resources_(hostResources()) {}

  ~LocalAgent() override {
    ioGuard_.reset();
    io_.stop();
    if (ioThread_.joinable()) ioThread_.join();
    work_.join();
    cleanups_.join();
    delivery_.join();
  }

  Result<void> init() {
    if (auto r = layout_.prepare(); !r) return r;
    auto watcher = RuntimeWatcher::create(
        io_, layout_.exitsDir(), [this](const ContainerRef& ref) { checkExit(ref); },
        [this](const ContainerRef& ref) { pumpOutput(ref); });
    if (!watcher) return std::unexpected(watcher.error());
    watcher_ = std::move(*watcher);
    ioThread_ = std::thread([this] { io_.run(); });
    return {};
  }

  void setEventSink(TaskEventSink sink) override { sink_ = std::move(sink); }

  Result<void> launch(const TaskSpec& spec) override {
    if (auto v = validate(spec); !v) return v;
    if (!addTask(spec)) return {};
    asio::post(work_, [this, id = spec.taskId] { runLaunch(id); });
    return {};
  }

  Result<void> recover(const TaskSpec& spec) override {
    if (auto v = validate(spec); !v) return v;
    if (!addTask(spec)) return {};
    std::vector<ContainerStatus> statuses;
    for (const auto& c : spec.containers) {
      auto s = launcher_->recover({spec.taskId, c.name});
      statuses.push_back(s ? *s : ContainerStatus{});
    }
    bool anyStarted = std::any_of(statuses.begin(), statuses.end(),
                                  [](const auto& s) { return s.state != ContainerStatus::State::kAbsent; });
    std::lock_guard lock(mutex_);
    TaskState& task = tasks_.at(spec.taskId);
    if (!anyStarted) emitLocked(event(Kind::kFailedToStart, spec.taskId, "", kLostLaunch));
    for (size_t i = 0; i < statuses.size(); ++i) {
      ContainerState& c = task.containers[i];
      c.phase = Phase::kDone;
      if (statuses[i].state == ContainerStatus::State::kAbsent) {
        if (anyStarted) emitLocked(event(Kind::kContainerExited, spec.taskId, c.spec.name, kLostLaunch));
        continue;
      }
      TaskEvent started = event(Kind::kContainerStarted, spec.taskId, c.spec.name);
      started.at = statuses[i].startedAt;
      emitLocked(started);
      c.phase = Phase::kRunning;
      // Output and exits are picked up on the work pool, after this lock is released.
      asio::post(work_, [this, ref = ContainerRef{spec.taskId, c.spec.name}] {
        attachOutput(ref);
        checkExit(ref);
      });
    }
    return {};
  }

  Result<void> stop(const std::string& taskId) override {
    std::lock_guard lock(mutex_);
    auto it = tasks_.find(taskId);
    if (it == tasks_.end()) return {};
    it->second.stopRequested = true;
    for (auto& c : it->second.containers) stopLocked(taskId, c);
    return {};
  }

  Result<void> stopContainer(const std::string& taskId, const std::string& container) override {
    std::lock_guard lock(mutex_);
    if (ContainerState* c = findLocked({taskId, container})) stopLocked(taskId, *c);
    return {};
  }

  Result<void> cleanup(const std::string& taskId) override {
    if (!validName(taskId)) return invalidParameter("invalid task id: " + taskId);
    asio::post(cleanups_, [this, taskId] { runCleanup(taskId); });
    return {};
  }

  NodeResources resources() const override { return resources_; }

 private:
  // Registers the task; false when it is already known.
  bool addTask(const TaskSpec& spec) {
    std::lock_guard lock(mutex_);
    if (tasks_.contains(spec.taskId)) return false;
    TaskState task{.spec = spec, .containers = {}, .stopRequested = false, .events = makeStrand()};
    task.containers.resize(spec.containers.size());
    for (size_t i = 0; i < spec.containers.size(); ++i) task.containers[i].spec = spec.containers[i];
    tasks_.emplace(spec.taskId, std::move(task));
    return true;
  }

  TaskEvent event(Kind kind, const std::string& taskId, const std::string& container = "", std::string reason = "") {
    TaskEvent ev;
    ev.kind = kind;
    ev.taskId = taskId;
    ev.container = container;
    ev.reason = std::move(reason);
    ev.at = clock_.now();
    return ev;
  }

  EventStrand makeStrand() { return asio::make_strand(delivery_.get_executor()); }

  // Called with mutex_ held, so events leave in the order the state changed. The task is known.
  void emitLocked(TaskEvent ev) {
    const EventStrand& strand = tasks_.at(ev.taskId).events;
    deliver(strand, std::move(ev));
  }

  void deliver(const EventStrand& strand, TaskEvent ev) {
    asio::post(strand, [this, ev = std::move(ev)] {
      if (sink_) sink_(ev);
    });
  }

  ContainerState* findLocked(const ContainerRef& ref) {
    auto it = tasks_.find(ref.taskId);
    if (it == tasks_.end()) return nullptr;
    for (auto& c : it->second.containers)
      if (c.spec.name == ref.container) return &c;
    return nullptr;
  }

  // SIGTERM now, SIGKILL after the container's stopTimeout unless it exits first. A container
  // still starting is stopped by the launch once it runs.
  void stopLocked(const std::string& taskId, ContainerState& c) {
    c.stopRequested = true;
    if (c.phase != Phase::kRunning || c.killTimer) return;
    ContainerRef ref{taskId, c.spec.name};
    (void)launcher_->stop(ref, SIGTERM);
    c.killTimer = std::make_unique<asio::steady_timer>(io_, c.spec.stopTimeout);
    c.killTimer->async_wait([this, ref](boost::system::error_code ec) {
      if (ec) return;
      std::lock_guard lock(mutex_);
      if (ContainerState* s = findLocked(ref); s && s->phase == Phase::kRunning) (void)launcher_->stop(ref, SIGKILL);
    });
  }

  void failLaunch(const std::string& taskId, const std::string& container, const std::string& reason) {
    std::lock_guard lock(mutex_);
    TaskState& task = tasks_.at(taskId);
    emitLocked(event(Kind::kFailedToStart, taskId, container, reason));
    task.stopRequested = true;
    for (auto& c : task.containers) {
      if (c.phase == Phase::kRunning)
        stopLocked(taskId, c);
      else
        c.phase = Phase::kDone;
    }
  }

  void runLaunch(const std::string& taskId) {
    TaskSpec spec;
    {
      std::lock_guard lock(mutex_);
      spec = tasks_.at(taskId).spec;
    }
    std::vector<Image> images;
    for (const auto& c : spec.containers) {
      auto image = config_.images->resolve(c.image);
      if (!image) return failLaunch(taskId, c.name, "CannotPullContainerError: " + image.error().message);
      images.push_back(std::move(*image));
    }
    {
      std::lock_guard lock(mutex_);
      emitLocked(event(Kind::kPulled, taskId));
    }
    NetworkAttachment network;
    if (config_.network && config_.launcher == "oci") {
      std::vector<PortSpec> ports;
      for (const auto& c : spec.containers) ports.insert(ports.end(), c.ports.begin(), c.ports.end());
      auto attached = config_.network->attach(taskId, spec.networkMode, ports);
      if (!attached) return failLaunch(taskId, "", "ResourceInitializationError: " + attached.error().message);
      network = std::move(*attached);
    }
    {
      std::lock_guard lock(mutex_);
      TaskEvent ready = event(Kind::kNetworkReady, taskId);
      ready.privateIpv4 = network.ipv4;
      ready.macAddress = network.macAddress;
      emitLocked(ready);
    }
    for (size_t i = 0; i < spec.containers.size(); ++i) {
      ContainerRef ref{taskId, spec.containers[i].name};
      {
        std::lock_guard lock(mutex_);
        ContainerState& c = tasks_.at(taskId).containers[i];
        if (c.stopRequested || tasks_.at(taskId).stopRequested) {
          c.phase = Phase::kDone;
          emitLocked(event(Kind::kContainerExited, taskId, ref.container, kNeverStarted));
          continue;
        }
        c.phase = Phase::kStarting;
      }
      auto started = launcher_->start({spec, spec.containers[i], images[i], network.netnsPath, network.ipv4});
      if (!started) return failLaunch(taskId, ref.container, errorText(started.error()));
      {
        std::lock_guard lock(mutex_);
        ContainerState& c = tasks_.at(taskId).containers[i];
        c.phase = Phase::kRunning;
        emitLocked(event(Kind::kContainerStarted, taskId, ref.container));
        if (c.stopRequested) stopLocked(taskId, c);
      }
      attachOutput(ref);
      checkExit(ref);  // it may have exited before it counted as running
    }
  }

  // Starts forwarding the container's output when its log driver is awslogs.
  void attachOutput(const ContainerRef& ref) {
    if (!config_.logSink) return;
    LogBatch header;
    header.taskId = ref.taskId;
    header.container = ref.container;
    {
      std::lock_guard lock(mutex_);
      ContainerState* c = findLocked(ref);
      if (!c || c->spec.log.driver != "awslogs") return;
      header.log = c->spec.log;
    }
    auto offset = config_.logSink->resumeOffset(ref.taskId, ref.container, header.log);
    auto tailer = std::make_shared<LogTailer>(layout_.capturePath(ref), header, *config_.logSink, offset.value_or(0));
    {
      std::lock_guard lock(mutex_);
      ContainerState* c = findLocked(ref);
      if (!c || c->phase != Phase::kRunning) return;
      c->tailer = tailer;
    }
    (void)watcher_->watchOutput(ref, layout_.capturePath(ref));
    (void)tailer->pump();  // what was written before the watch existed
  }

  void pumpOutput(const ContainerRef& ref) {
    std::shared_ptr<LogTailer> tailer;
    {
      std::lock_guard lock(mutex_);
      if (ContainerState* c = findLocked(ref)) tailer = c->tailer;
    }
    if (tailer) (void)tailer->pump();
  }

  // Reports the container's exit once its status file exists, after its last output.
  void checkExit(const ContainerRef& ref) {
    auto status = launcher_->inspect(ref);
    if (!status || status->state != ContainerStatus::State::kExited) return;
    std::shared_ptr<LogTailer> tailer;
    {
      std::lock_guard lock(mutex_);
      ContainerState* c = findLocked(ref);
      if (!c || c->phase != Phase::kRunning) return;
      tailer = c->tailer;
    }
    if (tailer) {
      (void)tailer->pump();
      watcher_->unwatchOutput(ref);
    }
    std::lock_guard lock(mutex_);
    ContainerState* c = findLocked(ref);
    if (!c || c->phase != Phase::kRunning) return;
    c->phase = Phase::kDone;
    c->tailer.reset();
    if (c->killTimer) c->killTimer->cancel();
    TaskEvent exited = event(Kind::kContainerExited, ref.taskId, ref.container, status->reason);
    exited.exitCode = status->exitCode;
    exited.at = status->exitedAt;
    emitLocked(exited);
  }

  void runCleanup(const std::string& taskId) {
    std::set<std::string> names;
    std::optional<EventStrand> strand;
    {
      std::lock_guard lock(mutex_);
      if (auto it = tasks_.find(taskId); it != tasks_.end()) {
        strand = it->second.events;
        for (auto& c : it->second.containers) {
          names.insert(c.spec.name);
          if (c.phase == Phase::kRunning) (void)launcher_->stop({taskId, c.spec.name}, SIGKILL);
          c.phase = Phase::kDone;
          c.tailer.reset();
          c.killTimer.reset();
        }
      }
    }
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(layout_.taskDir(taskId), ec))
      names.insert(entry.path().filename().string());
    for (const auto& name : names) {
      watcher_->unwatchOutput({taskId, name});
      (void)launcher_->remove({taskId, name});
    }
    if (config_.network && config_.launcher == "oci") (void)config_.network->detach(taskId);
    fs::remove_all(layout_.taskDir(taskId), ec);
    std::lock_guard lock(mutex_);
    tasks_.erase(taskId);
    // A task this agent never ran (its containers had exited before a restart) has no events
    // to follow.
    deliver(strand ? *strand : makeStrand(), event(Kind::kCleanedUp, taskId));
  }

  LocalAgentConfig config_;
  SystemClock systemClock_;
  const Clock& clock_;
  std::unique_ptr<Launcher> launcher_;
  RuntimeLayout layout_;
  asio::io_context io_;  // inotify and stop timers
  asio::executor_work_guard<asio::io_context::executor_type> ioGuard_;
  std::unique_ptr<RuntimeWatcher> watcher_;
  std::thread ioThread_;
  asio::thread_pool work_;      // launches
  asio::thread_pool cleanups_;  // runCleanup()
  asio::thread_pool delivery_;  // events, through each task's strand
  NodeResources resources_;
  TaskEventSink sink_;
  std::mutex mutex_;
  std::map<std::string, TaskState> tasks_;
};

std::string defaultSupervisorPath() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return (self.parent_path() / "wharf-supervisor").string();
}

}  // namespace

Result<std::unique_ptr<Agent>> makeLocalAgent(const LocalAgentConfig& input) {
  LocalAgentConfig config = input;
  if (!config.images) return invalidParameter("makeLocalAgent: an image store is required");
  if (config.dataDir.empty()) return invalidParameter("makeLocalAgent: dataDir is required");
  if (config.supervisorPath.empty()) config.supervisorPath = defaultSupervisorPath();
  if (access(config.supervisorPath.c_str(), X_OK) != 0)
    return fail(ErrorCode::kUnavailable, "", "wharf-supervisor not found at " + config.supervisorPath);
  std::unique_ptr<Launcher> launcher;
  if (config.launcher == "oci")
    launcher = std::make_unique<OciLauncher>(
        OciLauncherConfig{config.dataDir, resolveOciRuntime(config.runtimePath), config.supervisorPath});
  else if (config.launcher == "process")
    launcher = std::make_unique<ProcessLauncher>(ProcessLauncherConfig{config.dataDir, config.supervisorPath});
  else
    return invalidParameter("unknown launcher " + config.launcher + " (expected oci or process)");
  auto agent = std::make_unique<LocalAgent>(std::move(config), std::move(launcher));
  if (auto r = agent->init(); !r) return std::unexpected(r.error());
  return agent;
}

}  // namespace wharf::agent
