// The Agent of this node: runs ECS tasks as OCI containers (or plain host processes) under
// per-container supervisors that survive the server, and forwards awslogs output to a LogSink.
//
//   auto agent = makeLocalAgent({.dataDir = dir, .images = &store, .network = &net, .logSink = &logs});
//   (*agent)->setEventSink(...); (*agent)->launch(spec);
#pragma once

#include <memory>
#include <string>

#include "agent/agent.h"
#include "agent/images/image_store.h"
#include "agent/log_sink.h"
#include "agent/network/network_manager.h"
#include "common/clock.h"

namespace wharf::agent {

struct LocalAgentConfig {
  std::string dataDir;                // runtime state lives in <dataDir>/runtime
  std::string runtimePath = "auto";   // OCI runtime binary: crun, runc, or auto (crun when installed)
  std::string launcher = "oci";       // "oci", or "process" (no isolation, no OCI runtime needed)
  std::string supervisorPath;         // empty: wharf-supervisor next to the running executable
  ImageStore* images = nullptr;       // required
  NetworkManager* network = nullptr;  // null: no task networking (host mode, or an empty netns)
  LogSink* logSink = nullptr;         // null: output stays in the capture files only
  const Clock* clock = nullptr;       // null: the system clock
  int launchThreads = 4;              // tasks launched concurrently (clean-ups have their own)
};

// Creates the agent; the pointers in `config` must outlive it. Destroying the agent leaves
// every container and supervisor running (recover() re-attaches a new agent to them).
Result<std::unique_ptr<Agent>> makeLocalAgent(const LocalAgentConfig& config);

}  // namespace wharf::agent
