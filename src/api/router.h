// Routes AWS JSON-protocol requests (X-Amz-Target: Prefix.Operation) to service handlers.
// The HTTP server authenticates, parses and validates the body against the botocore model before a
// handler runs, so handlers receive a JSON object already checked for required members, types,
// enums and lengths.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.h"

namespace wharf::api {

struct RequestContext {
  std::string requestId;    // x-amzn-RequestId returned to the client
  std::string accessKeyId;  // the authenticated caller
  std::string accountId;    // account the caller belongs to (ARNs are built with it)
  std::string region;       // region from the credential scope
  std::string service;      // target prefix, e.g. AmazonEC2ContainerServiceV20141113
  std::string operation;    // e.g. RunTask
};

// A handler may block briefly (a store commit); it runs on a worker thread, never an I/O thread,
// unless it is registered as kInline.
using Handler = std::function<Result<boost::json::value>(const RequestContext&, const boost::json::object& input)>;

// kInline handlers never block (they only read in-memory state), so the server runs them on the
// I/O thread that parsed the request: no hand-off to a worker and back, which dominates the cost
// of a cheap read.
enum class HandlerMode { kMayBlock, kInline };

// Hot reads may answer with JSON text they keep serialized, instead of building a value that the
// server would serialize again.
using TextHandler = std::function<Result<std::string>(const RequestContext&, const boost::json::object& input)>;

// Long-polling handlers (GetActivityTask) answer later through `reply`, without holding a thread.
using Reply = std::function<void(Result<boost::json::value>)>;
using AsyncHandler = std::function<void(const RequestContext&, boost::json::object input, Reply reply)>;

class Router {
 public:
  // Registers a handler for target `prefix.operation`; later registrations replace earlier ones.
  // Not thread-safe: register everything before the server starts.
  void add(std::string_view prefix, std::string_view operation, Handler handler,
           HandlerMode mode = HandlerMode::kMayBlock);
  void addAsync(std::string_view prefix, std::string_view operation, AsyncHandler handler);
  // Registers a text handler; find() then returns a Handler that parses its text, for in-process
  // callers, while the HTTP server sends the text as it is (findText()).
  void addText(std::string_view prefix, std::string_view operation, TextHandler handler,
               HandlerMode mode = HandlerMode::kMayBlock);

  // Looks up a target; nullptr when unknown. `mode`, when given, receives how it must be run.
  const Handler* find(std::string_view target, HandlerMode* mode = nullptr) const;
  const AsyncHandler* findAsync(std::string_view target) const;
  const TextHandler* findText(std::string_view target) const;

 private:
  // Transparent hashing: lookups by string_view allocate nothing on the request path.
  struct TargetHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Route {
    Handler handler;
    HandlerMode mode;
  };
  std::unordered_map<std::string, Route, TargetHash, std::equal_to<>> handlers_;
  std::unordered_map<std::string, AsyncHandler, TargetHash, std::equal_to<>> async_handlers_;
  std::unordered_map<std::string, TextHandler, TargetHash, std::equal_to<>> text_handlers_;
};

}  // namespace wharf::api
