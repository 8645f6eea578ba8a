#include "api/http_server.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <future>
#include <mutex>

#include "api/sigv4.h"
#include "common/time_format.h"

namespace wharf::api {
namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

constexpr std::string_view kEcs = "AmazonEC2ContainerServiceV20141113";
constexpr std::string_view kAmzDate = "20240301T120000Z";
const Credential kKey{"AKIAWHARFTEST0000001", "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0", "111122223333"};

struct HttpReply {
  unsigned status = 0;
  std::string body;
  std::string errorType;  // x-amzn-ErrorType
  std::string contentType;
  std::string requestId;
  bool keepAlive = true;
  boost::json::object json() const { return boost::json::parse(body).as_object(); }
};

// A minimal keep-alive HTTP client signing like the AWS SDKs do.
class Client {
 public:
  explicit Client(tcp::endpoint server) : stream_(ioc_) { stream_.connect(server); }

  HttpReply call(std::string_view target, std::string body, const Credential& key = kKey,
                 std::string_view contentType = "application/x-amz-json-1.1") {
    http::request<http::string_body> req(http::verb::post, "/", 11);
    std::string host = "127.0.0.1:" + std::to_string(stream_.socket().remote_endpoint().port());
    req.set(http::field::host, host);
    req.set(http::field::content_type, contentType);
    req.set("X-Amz-Date", kAmzDate);
    req.set("X-Amz-Target", target);
    req.body() = std::move(body);
    req.prepare_payload();
    SignedRequest s{"POST", "/", {}, req.body()};
    for (const auto& f : req) s.headers.emplace_back(f.name_string(), f.value());
    req.set(http::field::authorization, sigv4::authorizationHeader(s, key, kAmzDate, "eu-west-1", "ecs",
                                                                   "content-type;host;x-amz-date;x-amz-target"));
    return send(req);
  }

  HttpReply send(http::request<http::string_body>& req) {
    http::write(stream_, req);
    http::response<http::string_body> res;
    boost::beast::flat_buffer buffer;
    http::read(stream_, buffer, res);
    return {res.result_int(),
            res.body(),
            std::string(res["x-amzn-ErrorType"]),
            std::string(res[http::field::content_type]),
            std::string(res["x-amzn-RequestId"]),
            res.keep_alive()};
  }

 private:
  net::io_context ioc_;
  boost::beast::tcp_stream stream_;
};

class HttpServerTest : public ::testing::Test {
 protected:
  HttpServerTest() : clock_(*parseAmzDate(kAmzDate)), store_({kKey}) {
    router_.add(kEcs, "DescribeTasks", [](const RequestContext& ctx, const boost::json::object& input) {
      return Result<boost::json::value>(boost::json::object{{"tasks", input.at("tasks")},
                                                            {"accountId", ctx.accountId},
                                                            {"region", ctx.region},
                                                            {"operation", ctx.operation}});
    });
    router_.add(kEcs, "DescribeClusters", [](const RequestContext&, const boost::json::object&) {
      return Result<boost::json::value>(fail(ErrorCode::kNotFound, "ClusterNotFoundException", "Cluster not found."));
    });
    router_.add(kEcs, "ListClusters", [](const RequestContext&, const boost::json::object&) {
      return Result<boost::json::value>(fail(ErrorCode::kUnavailable, "", "disk is gone"));
    });
    router_.add(kEcs, "ListServices", [](const RequestContext&, const boost::json::object&) {
      return Result<boost::json::value>(fail(ErrorCode::kInvalidArgument, "", "bad page"));
    });
    router_.addAsync("AWSStepFunctions", "GetActivityTask",
                     [this](const RequestContext&, boost::json::object input, Reply reply) {
                       std::lock_guard lock(mutex_);
                       pending_ = std::move(reply);
                       waiting_.set_value();
                     });
  }

  void start(HttpServerConfig config = {}) {
    config.port = 0;
    server_ = std::make_unique<HttpServer>(config, router_, store_, clock_);
    auto endpoint = server_->start();
    ASSERT_TRUE(endpoint) << endpoint.error().message;
    endpoint_ = *endpoint;
  }

  ManualClock clock_;
  StaticCredentialStore store_;
  Router router_;
  std::unique_ptr<HttpServer> server_;
  tcp::endpoint endpoint_;
  std::mutex mutex_;
  Reply pending_;
  std::promise<void> waiting_;
};

TEST_F(HttpServerTest, AnswersASignedRequestWithTheHandlersOutput) {
  start();
  Client client(endpoint_);
  HttpReply r = client.call("AmazonEC2ContainerServiceV20141113.DescribeTasks", R"({"tasks":["t1"]})");
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.contentType, "application/x-amz-json-1.1");
  EXPECT_EQ(r.requestId.size(), 36u);
  EXPECT_EQ(r.json(),
            boost::json::parse(
                R"({"tasks":["t1"],"accountId":"111122223333","region":"eu-west-1","operation":"DescribeTasks"})"));
  // The same connection serves the next request (keep-alive).
  HttpReply again = client.call("AmazonEC2ContainerServiceV20141113.DescribeTasks", R"({"tasks":["t2"]})");
  EXPECT_EQ(again.status, 200u);
  EXPECT_NE(again.requestId, r.requestId);
}

TEST_F(HttpServerTest, RejectsABadSignature) {
  start();
  Credential wrong = kKey;
  wrong.secretAccessKey = "wrong";
  HttpReply r = Client(endpoint_).call("AmazonEC2ContainerServiceV20141113.DescribeTasks", R"({"tasks":[]})", wrong);
  EXPECT_EQ(r.status, 403u);
  EXPECT_EQ(r.errorType, "InvalidSignatureException");
  EXPECT_EQ(r.json().at("__type"), "InvalidSignatureException");
}

TEST_F(HttpServerTest, RejectsAnUnknownAccessKey) {
  start();
  Credential unknown{"AKIAUNKNOWN000000000", "x", ""};
  HttpReply r = Client(endpoint_).call("AmazonEC2ContainerServiceV20141113.DescribeTasks", "{}", unknown);
  EXPECT_EQ(r.status, 403u);
  EXPECT_EQ(r.errorType, "UnrecognizedClientException");
  EXPECT_EQ(r.json().at("message"), "The security token included in the request is invalid.");
}

TEST_F(HttpServerTest, RejectsAnUnsignedRequest) {
  start();
  http::request<http::string_body> req(http::verb::post, "/", 11);
  req.set("X-Amz-Target", "AmazonEC2ContainerServiceV20141113.DescribeTasks");
  req.prepare_payload();
  HttpReply r = Client(endpoint_).send(req);
  EXPECT_EQ(r.status, 403u);
  EXPECT_EQ(r.errorType, "MissingAuthenticationTokenException");
}

TEST_F(HttpServerTest, RejectsMalformedJson) {
  start();
  HttpReply r = Client(endpoint_).call("AmazonEC2ContainerServiceV20141113.DescribeTasks", R"({"tasks":[)");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.errorType, "SerializationException");
}

TEST_F(HttpServerTest, RejectsAnUnknownOperation) {
  start();
  HttpReply r = Client(endpoint_).call("AmazonEC2ContainerServiceV20141113.LaunchRocket", "{}");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.errorType, "UnknownOperationException");
}

TEST_F(HttpServerTest, ReportsAMissingRequiredMemberBeforeTheHandlerRuns) {
  start();
  HttpReply r = Client(endpoint_).call("AmazonEC2ContainerServiceV20141113.DescribeTasks", "");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.errorType, "InvalidParameterException");
  EXPECT_EQ(r.json().at("message"),
            "1 validation error detected: Value null at 'tasks' failed to satisfy constraint: Member must not be null");
}

TEST_F(HttpServerTest, MapsHandlerErrorsToAwsStatusesAndNames) {
  start();
  Client client(endpoint_);
  HttpReply named = client.call("AmazonEC2ContainerServiceV20141113.DescribeClusters", "{}");
  EXPECT_EQ(named.status, 400u);
  EXPECT_EQ(named.json(),
            boost::json::parse(R"({"__type":"ClusterNotFoundException","message":"Cluster not found."})"));
  HttpReply internal = client.call("AmazonEC2ContainerServiceV20141113.ListClusters", "{}");
  EXPECT_EQ(internal.status, 500u);
  EXPECT_EQ(internal.errorType, "ServiceUnavailableException");
  HttpReply generic = client.call("AmazonEC2ContainerServiceV20141113.ListServices", "{}");
  EXPECT_EQ(generic.status, 400u);
  EXPECT_EQ(generic.errorType, "InvalidParameterException");
}

TEST_F(HttpServerTest, RefusesAnOversizedBody) {
  HttpServerConfig config;
  config.maxBodyBytes = 1024;
  start(config);
  HttpReply r = Client(endpoint_).call("AmazonEC2ContainerServiceV20141113.DescribeTasks",
                                       R"({"tasks":[")" + std::string(64 * 1024, 'x') + R"("]})");
  EXPECT_EQ(r.status, 413u);
  EXPECT_EQ(r.errorType, "RequestEntityTooLargeException");
  EXPECT_FALSE(r.keepAlive);
}

TEST_F(HttpServerTest, AnswersTheHealthCheckWithoutAuthentication) {
  start();
  http::request<http::string_body> req(http::verb::get, "/", 11);
  HttpReply r = Client(endpoint_).send(req);
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, R"({"status":"ok"})");
}

TEST_F(HttpServerTest, LongPollsHoldNoWorkerThread) {
  HttpServerConfig config;
  config.workerThreads = 1;
  start(config);
  auto polled = std::async(std::launch::async, [this] {
    return Client(endpoint_).call("AWSStepFunctions.GetActivityTask", R"({"activityArn":"arn:a"})", kKey,
                                  "application/x-amz-json-1.0");
  });
  waiting_.get_future().wait();
  // The only worker thread is free while the poll waits.
  EXPECT_EQ(Client(endpoint_).call("AmazonEC2ContainerServiceV20141113.DescribeTasks", R"({"tasks":[]})").status, 200u);
  {
    std::lock_guard lock(mutex_);
    pending_(boost::json::object{{"taskToken", "tok"}});
  }
  HttpReply r = polled.get();
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.contentType, "application/x-amz-json-1.0");
  EXPECT_EQ(r.json().at("taskToken"), "tok");
}

TEST_F(HttpServerTest, StopsWithOpenConnections) {
  start();
  Client idle(endpoint_);
  EXPECT_EQ(idle.call("AmazonEC2ContainerServiceV20141113.DescribeTasks", R"({"tasks":[]})").status, 200u);
  server_->stop();
  server_->stop();
}

}  // namespace
}  // namespace wharf::api
