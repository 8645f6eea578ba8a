#include "api/sigv4.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "common/time_format.h"

namespace wharf::api {
namespace {

// The published AWS SigV4 test suite: key, scope and time shared by every case.
const Credential kSuiteKey{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "123456789012"};
constexpr std::string_view kSuiteDate = "20150830T123600Z";
constexpr std::string_view kEmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string suiteSignature(std::string_view method, std::string_view target, SignedRequest req,
                           std::string_view signedHeaders) {
  req.method = method;
  req.target = target;
  req.headers.emplace_back("Host", "example.amazonaws.com");
  req.headers.emplace_back("X-Amz-Date", kSuiteDate);
  std::string auth = sigv4::authorizationHeader(req, kSuiteKey, kSuiteDate, "us-east-1", "service", signedHeaders);
  return auth.substr(auth.find("Signature=") + 10);
}

TEST(SigV4Suite, GetVanilla) {
  EXPECT_EQ(suiteSignature("GET", "/", {}, "host;x-amz-date"),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4Suite, QueryOrderKeyCase) {
  SignedRequest req;
  req.method = "GET";
  req.target = "/?Param2=value2&Param1=value1";
  req.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", kSuiteDate}};
  EXPECT_EQ(sigv4::canonicalRequest(req, "host;x-amz-date", kEmptyHash),
            "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\n" +
                std::string(kEmptyHash));
  EXPECT_EQ(suiteSignature("GET", "/?Param2=value2&Param1=value1", {}, "host;x-amz-date"),
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

TEST(SigV4Suite, QueryOrderValue) {
  EXPECT_EQ(suiteSignature("GET", "/?Param1=value2&Param1=value1", {}, "host;x-amz-date"),
            "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694");
}

TEST(SigV4Suite, UnreservedPath) {
  EXPECT_EQ(suiteSignature("GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", {},
                           "host;x-amz-date"),
            "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f");
}

TEST(SigV4Suite, Slashes) {
  EXPECT_EQ(suiteSignature("GET", "//example//", {}, "host;x-amz-date"),
            "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84");
}

TEST(SigV4Suite, Utf8PathIsEncodedOnce) {
  SignedRequest req;
  req.method = "GET";
  req.target = "/\xe1\x88\xb4";
  EXPECT_EQ(sigv4::canonicalRequest(req, "", kEmptyHash).substr(0, 15), "GET\n/%E1%88%B4\n");
}

TEST(SigV4Suite, FormUrlEncodedPost) {
  SignedRequest req;
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  req.body = "Param1=value1";
  EXPECT_EQ(suiteSignature("POST", "/", req, "content-type;host;x-amz-date"),
            "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
}

TEST(SigV4Suite, DuplicateHeaderValuesJoinInArrivalOrder) {
  SignedRequest req;
  req.headers = {{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}};
  EXPECT_EQ(suiteSignature("GET", "/", req, "host;my-header1;x-amz-date"),
            "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea");
}

class SigV4VerifierTest : public ::testing::Test {
 protected:
  SigV4VerifierTest() : clock_(*parseAmzDate(kSuiteDate)), store_({kSuiteKey}), verifier_(store_, clock_) {}

  // A DescribeTasks-like POST signed with `key` at the suite's time.
  SignedRequest signedPost(const Credential& key) {
    req_.method = "POST";
    req_.target = "/";
    req_.body = body_;
    req_.headers = {{"Host", "localhost:4566"}, {"X-Amz-Date", kSuiteDate}, {"X-Amz-Target", "Svc.Op"}};
    auth_ = sigv4::authorizationHeader(req_, key, kSuiteDate, "eu-west-1", "ecs", "host;x-amz-date;x-amz-target");
    req_.headers.emplace_back("Authorization", auth_);
    return req_;
  }

  ManualClock clock_;
  StaticCredentialStore store_;
  SigV4Verifier verifier_;
  SignedRequest req_;
  std::string auth_;
  std::string body_ = R"({"tasks":["t1"]})";
};

TEST_F(SigV4VerifierTest, AcceptsAValidSignatureAndReportsTheScope) {
  auto caller = verifier_.verify(signedPost(kSuiteKey));
  ASSERT_TRUE(caller) << caller.error().message;
  EXPECT_EQ(caller->credential.accountId, "123456789012");
  EXPECT_EQ(caller->region, "eu-west-1");
  EXPECT_EQ(caller->service, "ecs");
}

TEST_F(SigV4VerifierTest, RejectsATamperedBody) {
  SignedRequest req = signedPost(kSuiteKey);
  req.body = R"({"tasks":["t2"]})";
  auto caller = verifier_.verify(req);
  ASSERT_FALSE(caller);
  EXPECT_EQ(caller.error().type, "InvalidSignatureException");
  EXPECT_EQ(caller.error().code, ErrorCode::kUnauthenticated);
  EXPECT_TRUE(caller.error().message.starts_with("The request signature we calculated does not match"));
}

TEST_F(SigV4VerifierTest, RejectsAWrongSecret) {
  Credential wrong = kSuiteKey;
  wrong.secretAccessKey = "not-the-secret";
  EXPECT_EQ(verifier_.verify(signedPost(wrong)).error().type, "InvalidSignatureException");
}

TEST_F(SigV4VerifierTest, RejectsAnUnknownKey) {
  Credential unknown{"AKIAUNKNOWN000000000", "secret", ""};
  auto caller = verifier_.verify(signedPost(unknown));
  ASSERT_FALSE(caller);
  EXPECT_EQ(caller.error().type, "UnrecognizedClientException");
  EXPECT_EQ(caller.error().message, "The security token included in the request is invalid.");
}

TEST_F(SigV4VerifierTest, RejectsAMissingSignature) {
  SignedRequest req = signedPost(kSuiteKey);
  req.headers.pop_back();
  auto caller = verifier_.verify(req);
  ASSERT_FALSE(caller);
  EXPECT_EQ(caller.error().type, "MissingAuthenticationTokenException");
}

TEST_F(SigV4VerifierTest, RejectsAnIncompleteAuthorizationHeader) {
  SignedRequest req = signedPost(kSuiteKey);
  req.headers.back().second = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/eu-west-1/ecs/aws4_request";
  auto caller = verifier_.verify(req);
  ASSERT_FALSE(caller);
  EXPECT_EQ(caller.error().type, "IncompleteSignatureException");
  EXPECT_EQ(caller.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(SigV4VerifierTest, AcceptsSkewUpToFifteenMinutes) {
  clock_.advance(std::chrono::minutes(15));
  EXPECT_TRUE(verifier_.verify(signedPost(kSuiteKey)));
  clock_.advance(std::chrono::minutes(-30));
  EXPECT_TRUE(verifier_.verify(signedPost(kSuiteKey)));
}

TEST_F(SigV4VerifierTest, RejectsAnExpiredSignature) {
  clock_.advance(std::chrono::minutes(15) + std::chrono::seconds(1));
  auto caller = verifier_.verify(signedPost(kSuiteKey));
  ASSERT_FALSE(caller);
  EXPECT_EQ(caller.error().type, "InvalidSignatureException");
  EXPECT_EQ(caller.error().message,
            "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T125101Z - 15 min.)");
}

TEST_F(SigV4VerifierTest, RejectsASignatureFromTheFuture) {
  clock_.advance(-std::chrono::minutes(16));
  auto caller = verifier_.verify(signedPost(kSuiteKey));
  ASSERT_FALSE(caller);
  EXPECT_TRUE(caller.error().message.starts_with("Signature not yet current: 20150830T123600Z is still later than"));
}

// Real signatures from botocore, the library the AWS CLI and boto3 sign with.
class BotocoreSignatures : public ::testing::Test {
 protected:
  static boost::json::object sign() {
    const char* script = R"PY(
import json
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
c = Credentials('AKIAWHARFTEST0000001', 'Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFy')
h = {'X-Amz-Target': 'AmazonEC2ContainerServiceV20141113.DescribeTasks',
     'Content-Type': 'application/x-amz-json-1.1'}
body = '{"cluster": "default", "tasks": ["a b/c"]}'
r = AWSRequest(method='POST', url='http://127.0.0.1:4566/', data=body.encode(), headers=dict(h))
SigV4Auth(c, 'ecs', 'eu-west-1').add_auth(r)
q = AWSRequest(method='POST', url='http://127.0.0.1:4566/?note=a%20b&x=%2F', data=b'', headers=dict(h))
SigV4QueryAuth(c, 'ecs', 'eu-west-1', expires=300).add_auth(q)
print(json.dumps({'headerForm': {'url': r.url, 'headers': dict(r.headers), 'body': body},
                  'queryForm': {'url': q.url, 'headers': dict(q.headers)}}))
)PY";
    char path[] = "/tmp/wharf-sigv4-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return {};
    bool written = write(fd, script, strlen(script)) == static_cast<ssize_t>(strlen(script));
    close(fd);
    std::string command = "python3 " + std::string(path);
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(written ? popen(command.c_str(), "r") : nullptr, pclose);
    std::string out;
    char buf[4096];
    while (pipe && fgets(buf, sizeof buf, pipe.get())) out += buf;
    pipe.reset();
    unlink(path);
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(out, ec);
    return ec || !v.is_object() ? boost::json::object() : v.get_object();
  }

  // Verifies `form` ({url, headers, body?}) with the clock at the time botocore signed it.
  static Result<Caller> verify(const boost::json::object& form, std::string_view body) {
    std::string url(form.at("url").as_string());
    std::string target = url.substr(url.find('/', std::string_view("http://").size()));
    SignedRequest req{"POST", target, {{"Host", "127.0.0.1:4566"}}, body};
    std::string amzDate;
    for (const auto& [name, value] : form.at("headers").as_object()) {
      req.headers.emplace_back(name, value.as_string());
      if (name == "X-Amz-Date") amzDate = value.as_string();
    }
    if (amzDate.empty()) amzDate = url.substr(url.find("X-Amz-Date=") + 11, 16);
    ManualClock clock(*parseAmzDate(amzDate));
    StaticCredentialStore store({{"AKIAWHARFTEST0000001", "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFy", "000000000000"}});
    return SigV4Verifier(store, clock).verify(req);
  }
};

TEST_F(BotocoreSignatures, HeaderFormVerifies) {
  boost::json::object signedByBotocore = sign();
  ASSERT_TRUE(signedByBotocore.contains("headerForm")) << "python3 with botocore is required";
  const auto& form = signedByBotocore.at("headerForm").as_object();
  std::string body(form.at("body").as_string());
  auto caller = verify(form, body);
  ASSERT_TRUE(caller) << caller.error().message;
  EXPECT_EQ(caller->region, "eu-west-1");
  EXPECT_EQ(verify(form, body + " ").error().type, "InvalidSignatureException");
}

TEST_F(BotocoreSignatures, QueryFormVerifies) {
  boost::json::object signedByBotocore = sign();
  ASSERT_TRUE(signedByBotocore.contains("queryForm")) << "python3 with botocore is required";
  const auto& form = signedByBotocore.at("queryForm").as_object();
  auto caller = verify(form, "");
  ASSERT_TRUE(caller) << caller.error().message;
  EXPECT_EQ(caller->service, "ecs");
  EXPECT_EQ(verify(form, "{}").error().type, "InvalidSignatureException");
}

}  // namespace
}  // namespace wharf::api
