// JSON text writing: event details written field by field must match boost::json::serialize.
#include "sfn/asl/json_text.h"

#include <gtest/gtest.h>

namespace wharf::asl {
namespace {

TEST(JsonText, StringsAreEscapedAsBoostSerializes) {
  std::string all;
  for (int c = 1; c < 128; ++c) all.push_back(static_cast<char>(c));
  for (std::string_view s : {std::string_view(""), std::string_view(R"({"a":"b\\c"})"), std::string_view(all),
                             std::string_view("caf\xc3\xa9")}) {
    std::string out = "x";
    appendJsonString(out, s);
    std::string expected = "x";
    expected += boost::json::serialize(boost::json::string(s));
    EXPECT_EQ(out, expected);
  }
}

// One buffer written string after string (as the event details are) keeps exactly what was
// appended, whether or not it had to grow and whether or not a string needs escapes.
TEST(JsonText, AppendingToOneBufferKeepsEveryString) {
  std::string out, expected;
  for (int i = 0; i < 200; ++i) {
    std::string s(static_cast<size_t>(i % 23), i % 3 ? 'a' : '"');
    appendJsonString(out, s);
    expected += boost::json::serialize(boost::json::string(s));
    ASSERT_EQ(out, expected) << i;
  }
  auto v = boost::json::parse(R"({"k":["x\u0001",1.5]})");
  appendJsonText(out, v);
  EXPECT_EQ(out, expected + toJsonText(v));
}

TEST(JsonText, IntegersAndNestedValues) {
  auto v = boost::json::parse(R"({"i":-12,"u":18446744073709551615,"a":[1,"t\n",null,true],"o":{}})");
  EXPECT_EQ(toJsonText(v), boost::json::serialize(v));
}

// The one-pass literal writer gives what escaping the JSON text would, and measures both lengths.
TEST(JsonText, TextLiteralIsTheEscapedText) {
  std::string controls;
  for (int c = 1; c < 0x20; ++c) controls.push_back(static_cast<char>(c));
  boost::json::value values[] = {
      boost::json::parse(R"({"i":-12,"u":18446744073709551615,"a":[1,"t\n",null,true,false],"o":{},"e":[]})"),
      boost::json::parse(R"({"q\"k":"a\"b\\c","d":[1.0,1.5,-0.25,1e300,123456789.125]})"),
      boost::json::value(controls + "caf\xc3\xa9\x7f"),
      boost::json::value(nullptr),
      boost::json::value(2.0),
      boost::json::array(),
  };
  for (const auto& v : values) {
    std::string text = toJsonText(v);
    std::string expected;
    appendJsonString(expected, text);
    JsonTextLength length = measureJsonText(v);
    EXPECT_EQ(length.text, text.size()) << text;
    ASSERT_EQ(length.literal, expected.size()) << text;
    std::string out(length.literal, '\0');
    char* end = writeJsonTextLiteral(out.data(), v);
    EXPECT_EQ(end, out.data() + out.size()) << text;
    EXPECT_EQ(out, expected);
  }
}

}  // namespace
}  // namespace wharf::asl
