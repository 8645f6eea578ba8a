// Where the engine hands the history events of each step to be published outside Step Functions
// (execution logging to CloudWatch Logs), once they are durable.
#pragma once

#include <functional>
#include <span>

#include "sfn/asl/history_event.h"
#include "sfn/engine/execution_record.h"

namespace wharf::sfn {

class ExecutionEventSink {
 public:
  using Publish = std::function<void()>;

  virtual ~ExecutionEventSink() = default;

  // Called on an engine thread for every step of every execution, in step order per execution,
  // before the step is committed: `execution` as it is after the step, `events` the ones the step
  // appends (views valid only during the call, so whatever is published is copied here). Returns
  // what the engine runs once the events are durable (express: after the step), or an empty
  // function when nothing of this execution is published, which must cost no per-event work. The
  // engine drops the function when the commit fails. Must not block or throw: publishing never
  // slows down or fails an execution.
  virtual Publish prepare(const ExecutionRecord& execution, std::span<const asl::HistoryEvent> events) = 0;
};

}  // namespace wharf::sfn
