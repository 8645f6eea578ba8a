#include "logs/handler_support.h"

#include <fmt/format.h>

namespace wharf::logs {
namespace json = boost::json;

Partition partitionOf(const api::RequestContext& ctx, const LogsConfig& config) {
  return {ctx.region.empty() ? config.region : ctx.region, ctx.accountId.empty() ? config.accountId : ctx.accountId};
}

std::optional<std::string> optString(const json::object& in, std::string_view key) {
  auto* v = in.if_contains(key);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

std::string reqString(const json::object& in, std::string_view key) { return optString(in, key).value_or(""); }

std::optional<int64_t> optInt(const json::object& in, std::string_view key) {
  auto* v = in.if_contains(key);
  if (!v || !(v->is_int64() || v->is_uint64() || v->is_double())) return std::nullopt;
  return v->to_number<int64_t>();
}

bool optBool(const json::object& in, std::string_view key, bool fallback) {
  auto* v = in.if_contains(key);
  return v && v->is_bool() ? v->get_bool() : fallback;
}

Result<std::string> resolveGroupName(const json::object& in, const Partition& partition) {
  auto name = optString(in, "logGroupName");
  auto identifier = optString(in, "logGroupIdentifier");
  if (name && identifier) {
    return invalidParameter("LogGroup name and LogGroup ARN are mutually exclusive parameters.");
  }
  if (name) return *name;
  if (!identifier) return invalidParameter("Either logGroupName or logGroupIdentifier must be specified.");
  if (!identifier->starts_with("arn:")) return *identifier;
  auto fromArn = groupNameFromArn(partition, *identifier);
  if (!fromArn) return invalidParameter("Invalid log group ARN: " + *identifier);
  return *fromArn;
}

Result<json::value> emptyOr(const Result<void>& r) {
  if (!r) return std::unexpected(r.error());
  return json::object{};
}

std::string encodeToken(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 2);
  for (unsigned char c : text) out += fmt::format("{:02x}", c);
  return out;
}

Result<std::string> decodeToken(std::string_view token) {
  auto bad = [] { return invalidParameter("The specified nextToken is invalid."); };
  if (token.size() % 2 != 0) return bad();
  std::string out;
  for (size_t i = 0; i < token.size(); i += 2) {
    unsigned v = 0;
    for (char c : token.substr(i, 2)) {
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= static_cast<unsigned>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v |= static_cast<unsigned>(c - 'a' + 10);
      } else {
        return bad();
      }
    }
    out += static_cast<char>(v);
  }
  return out;
}

}  // namespace wharf::logs
