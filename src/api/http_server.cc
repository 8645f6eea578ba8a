#include "api/http_server.h"

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <future>
#include <optional>
#include <thread>
#include <vector>

#include "api/sigv4.h"
#include "common/ids.h"

namespace wharf::api {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

constexpr std::chrono::seconds kDrainTimeout{5};

http::status statusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kUnauthenticated:
    case ErrorCode::kAccessDenied:
      return http::status::forbidden;
    case ErrorCode::kInternal:
    case ErrorCode::kUnavailable:
      return http::status::internal_server_error;
    default:
      return http::status::bad_request;
  }
}

// The AWS name for an error a handler left unnamed.
std::string genericName(ErrorCode code, const ServiceInfo* service) {
  switch (code) {
    case ErrorCode::kUnauthenticated:
      return "UnrecognizedClientException";
    case ErrorCode::kAccessDenied:
      return "AccessDeniedException";
    case ErrorCode::kThrottled:
      return "ThrottlingException";
    case ErrorCode::kInternal:
      return "InternalFailure";
    case ErrorCode::kUnavailable:
      return "ServiceUnavailableException";
    default:
      return service ? service->genericError : "InvalidParameterException";
  }
}

// What a response needs from the request it answers.
struct Exchange {
  unsigned version = 11;
  bool keepAlive = true;
  std::string contentType;
  std::string requestId;
  const ServiceInfo* service = nullptr;
};

Response makeResponse(const Exchange& x, http::status status, std::string body) {
  Response res(status, x.version);
  res.set(http::field::content_type, x.contentType);
  res.set("x-amzn-RequestId", x.requestId);
  res.keep_alive(x.keepAlive);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response makeError(const Exchange& x, const Error& e) {
  std::string type = e.type.empty() ? genericName(e.code, x.service) : e.type;
  Response res = makeResponse(x, statusFor(e.code),
                              boost::json::serialize(boost::json::object{{"__type", type}, {"message", e.message}}));
  res.set("x-amzn-ErrorType", type);
  return res;
}

Response makeResult(const Exchange& x, const Result<boost::json::value>& r) {
  return r ? makeResponse(x, http::status::ok, boost::json::serialize(*r)) : makeError(x, r.error());
}

}  // namespace

struct HttpServer::Impl {
  Impl(HttpServerConfig c, const Router& r, const CredentialStore& creds, const Clock& clock, const ModelValidator& m)
      : config(std::move(c)),
        router(r),
        verifier(creds, clock),
        models(m),
        ids(makeRandomIdGenerator()),
        ioc(std::max(1, config.ioThreads)),
        acceptor(net::make_strand(ioc)),
        workers(static_cast<size_t>(std::max(1, config.workerThreads))) {}

  class Session;
  void accept();
  void handle(Request req, std::shared_ptr<Session> session);
  void finishOne() {
    std::lock_guard lock(mutex);
    if (--inflight == 0) idle.notify_all();
  }

  HttpServerConfig config;
  const Router& router;
  SigV4Verifier verifier;
  const ModelValidator& models;
  std::unique_ptr<IdGenerator> ids;
  net::io_context ioc;
  tcp::acceptor acceptor;
  net::thread_pool workers;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  std::mutex mutex;
  std::condition_variable idle;
  int inflight = 0;  // requests handed to a handler and not yet answered
  bool started = false;
  bool stopped = false;
};

// One connection: reads a request, answers it, reads the next (HTTP/1.1 keep-alive). Everything
// runs on the connection's strand; handler results are posted back to it.
class HttpServer::Impl::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Impl& server) : stream_(std::move(socket)), server_(server) {}

  void read() {
    parser_.emplace();
    parser_->body_limit(server_.config.maxBodyBytes);
    stream_.expires_after(server_.config.idleTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->onRead(ec); });
  }

  // Sends `res` from any thread.
  void post(Response res) {
    net::post(stream_.get_executor(),
              [self = shared_from_this(), res = std::move(res)]() mutable { self->write(std::move(res)); });
  }

  void write(Response res) {
    response_ = std::move(res);
    http::async_write(stream_, response_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return;
      if (self->response_.keep_alive()) return self->read();
      self->drain();
    });
  }

 private:
  void onRead(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      Exchange x{parser_->get().version(), false, "application/x-amz-json-1.1", server_.ids->uuid(), nullptr};
      std::string message =
          "Request body exceeds the maximum of " + std::to_string(server_.config.maxBodyBytes) + " bytes";
      Response res = makeResponse(x, http::status::payload_too_large,
                                  boost::json::serialize(boost::json::object{
                                      {"__type", "RequestEntityTooLargeException"}, {"message", message}}));
      res.set("x-amzn-ErrorType", "RequestEntityTooLargeException");
      return write(std::move(res));
    }
    if (ec) return;  // closed, timed out or unparseable: drop the connection
    stream_.expires_never();
    server_.handle(parser_->release(), shared_from_this());
  }

  // Closing with unread input makes the kernel reset the connection, which can destroy the error
  // response before the client reads it; half-close and discard input until the client closes.
  void drain() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(kDrainTimeout);
    stream_.async_read_some(net::buffer(drain_buffer_), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (!ec) self->drain();
    });
  }

  beast::tcp_stream stream_;
  Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Response response_;
  std::array<char, 4096> drain_buffer_;
};

void HttpServer::Impl::accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec) {
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<Session>(std::move(socket), *this)->read();
    }
    accept();
  });
}

void HttpServer::Impl::handle(Request req, std::shared_ptr<Session> session) {
  Exchange x;
  x.version = req.version();
  x.keepAlive = req.keep_alive();
  x.requestId = ids->uuid();
  std::string_view amzTarget = req["X-Amz-Target"];
  size_t dot = amzTarget.find('.');
  std::string_view prefix = amzTarget.substr(0, dot);
  std::string_view operation = dot == std::string_view::npos ? std::string_view() : amzTarget.substr(dot + 1);
  x.service = models.service(prefix);
  std::string_view requestType = req[http::field::content_type];
  if (x.service) {
    x.contentType = "application/x-amz-json-" + x.service->jsonVersion;
  } else {
    x.contentType = requestType.starts_with("application/x-amz-json-") ? requestType : "application/x-amz-json-1.1";
  }
  auto reject = [&](Error e) { session->write(makeError(x, e)); };

  std::string_view path = req.target().substr(0, req.target().find('?'));
  if (req.method() == http::verb::get && path == "/") {
    x.contentType = "application/json";
    return session->write(makeResponse(x, http::status::ok, R"({"status":"ok"})"));
  }
  if (req.method() != http::verb::post || path != "/") {
    Response res = makeError(
        x, {ErrorCode::kNotFound, "UnknownOperationException", "Only POST / with an X-Amz-Target header is served"});
    res.result(http::status::not_found);
    return session->write(std::move(res));
  }

  SignedRequest signedRequest{req.method_string(), req.target(), {}, req.body()};
  signedRequest.headers.reserve(16);
  for (const auto& field : req) signedRequest.headers.emplace_back(field.name_string(), field.value());
  Result<Caller> caller = verifier.verify(signedRequest);
  if (!caller) return reject(caller.error());

  HandlerMode mode = HandlerMode::kMayBlock;
  const Handler* handler = router.find(amzTarget, &mode);
  const AsyncHandler* asyncHandler = handler ? nullptr : router.findAsync(amzTarget);
  if (!handler && !asyncHandler) {
    return reject({ErrorCode::kInvalidArgument, "UnknownOperationException",
                   "Unknown operation " + std::string(amzTarget.empty() ? "(no X-Amz-Target header)" : amzTarget)});
  }
  boost::json::object input;
  if (!req.body().empty()) {
    boost::system::error_code ec;
    boost::json::value parsed = boost::json::parse(req.body(), ec);
    if (ec || !parsed.is_object()) {
      return reject({ErrorCode::kInvalidArgument, "SerializationException",
                     ec ? "Request body is not valid JSON: " + ec.message() : "Request body must be a JSON object"});
    }
    input = std::move(parsed.get_object());
  }
  if (Result<void> valid = models.validate(prefix, operation, input); !valid) return reject(valid.error());

  RequestContext ctx{x.requestId,         caller->credential.accessKeyId, caller->credential.accountId, caller->region,
                     std::string(prefix), std::string(operation)};
  {
    std::lock_guard lock(mutex);
    ++inflight;
  }
  if (handler) {
    const TextHandler* text = router.findText(amzTarget);
    auto run = [this, handler, text](const RequestContext& ctx, const boost::json::object& input, const Exchange& x) {
      try {
        if (text) {
          Result<std::string> body = (*text)(ctx, input);
          return body ? makeResponse(x, http::status::ok, std::move(*body)) : makeError(x, body.error());
        }
        return makeResult(x, (*handler)(ctx, input));
      } catch (const std::exception& e) {  // a handler bug must cost one request, not the server
        return makeResult(x, internalError(e.what()));
      }
    };
    if (mode == HandlerMode::kInline) {
      session->write(run(ctx, input, x));
      finishOne();
      return;
    }
    net::post(workers, [this, run, ctx = std::move(ctx), input = std::move(input), session, x]() {
      session->post(run(ctx, input, x));
      finishOne();
    });
    return;
  }
  net::post(workers, [this, asyncHandler, ctx = std::move(ctx), input = std::move(input), session, x]() mutable {
    auto answered = std::make_shared<std::atomic<bool>>(false);
    Reply reply = [this, session, x, answered](Result<boost::json::value> result) {
      if (answered->exchange(true)) return;
      session->post(makeResult(x, result));
      finishOne();
    };
    try {
      (*asyncHandler)(ctx, std::move(input), reply);
    } catch (const std::exception& e) {
      reply(internalError(e.what()));
    }
  });
}

HttpServer::HttpServer(HttpServerConfig config, const Router& router, const CredentialStore& credentials,
                       const Clock& clock, const ModelValidator& models)
    : impl_(std::make_unique<Impl>(std::move(config), router, credentials, clock, models)) {}

HttpServer::~HttpServer() { stop(); }

Result<tcp::endpoint> HttpServer::start() {
  Impl& s = *impl_;
  if (s.started) return fail(ErrorCode::kConflict, "", "the HTTP server was already started");
  boost::system::error_code ec;
  net::ip::address address = net::ip::make_address(s.config.host, ec);
  if (ec) return fail(ErrorCode::kInvalidArgument, "", "invalid listen address '" + s.config.host + "'");
  tcp::endpoint endpoint(address, s.config.port);
  s.acceptor.open(endpoint.protocol(), ec);
  if (!ec) s.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(endpoint, ec);
  if (!ec) s.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return fail(ErrorCode::kUnavailable, "",
                "cannot listen on " + s.config.host + ":" + std::to_string(s.config.port) + ": " + ec.message());
  }
  tcp::endpoint bound = s.acceptor.local_endpoint();
  s.started = true;
  s.work.emplace(s.ioc.get_executor());
  s.accept();
  for (int i = 0; i < std::max(1, s.config.ioThreads); ++i) s.threads.emplace_back([&s] { s.ioc.run(); });
  return bound;
}

void HttpServer::stop() {
  Impl& s = *impl_;
  if (!s.started || s.stopped) return;
  s.stopped = true;
  std::promise<void> closed;
  net::post(s.acceptor.get_executor(), [&] {
    boost::system::error_code ignored;
    s.acceptor.close(ignored);
    closed.set_value();
  });
  closed.get_future().wait();
  {
    std::unique_lock lock(s.mutex);
    s.idle.wait_for(lock, s.config.stopGrace, [&] { return s.inflight == 0; });
  }
  s.work.reset();
  s.ioc.stop();
  for (std::thread& t : s.threads) t.join();
  s.workers.join();
}

}  // namespace wharf::api
