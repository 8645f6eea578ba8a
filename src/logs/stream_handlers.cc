// CreateLogStream, DeleteLogStream, DescribeLogStreams.
#include <algorithm>

#include "logs/event_codec.h"
#include "logs/handlers.h"

namespace wharf::logs {
namespace json = boost::json;
namespace {

constexpr size_t kDefaultDescribeLimit = 50;

json::object describeStream(const LogStream& s, const Partition& p, std::string_view group) {
  json::object o;
  o["logStreamName"] = s.name;
  o["creationTime"] = s.creationTime;
  if (s.firstEventTimestamp) o["firstEventTimestamp"] = *s.firstEventTimestamp;
  if (s.lastEventTimestamp) o["lastEventTimestamp"] = *s.lastEventTimestamp;
  if (s.lastIngestionTime) o["lastIngestionTime"] = *s.lastIngestionTime;
  o["uploadSequenceToken"] = std::to_string(s.nextSeq);  // ignored by PutLogEvents, as on AWS
  o["arn"] = streamArn(p, group, s.name);
  o["storedBytes"] = 0;  // AWS stopped reporting per-stream sizes in 2019
  return o;
}

// Where a stream sorts in a DescribeLogStreams listing; tokens carry the last one returned.
struct SortKey {
  int64_t time = 0;  // lastEventTimestamp when ordering by LastEventTime, else 0
  std::string name;
  auto operator<=>(const SortKey&) const = default;
};

std::string encodeSortKey(const SortKey& k) { return encodeToken(hex64(static_cast<uint64_t>(k.time)) + k.name); }

Result<SortKey> decodeSortKey(std::string_view token) {
  auto text = decodeToken(token);
  if (!text) return std::unexpected(text.error());
  auto time = parseHex64(std::string_view(*text).substr(0, 16));
  if (!time || text->size() <= 16) return invalidParameter("The specified nextToken is invalid.");
  return SortKey{static_cast<int64_t>(*time), text->substr(16)};
}

Result<json::value> describeLogStreams(LogStore& store, const Partition& p, const json::object& in) {
  auto group = resolveGroupName(in, p);
  if (!group) return std::unexpected(group.error());
  auto prefix = optString(in, "logStreamNamePrefix");
  bool byTime = optString(in, "orderBy").value_or("LogStreamName") == "LastEventTime";
  bool descending = optBool(in, "descending", false);
  if (byTime && prefix) return invalidParameter("Cannot order by LastEventTime with a logStreamNamePrefix.");
  auto snap = store.snapshot(*group);
  if (!snap) return std::unexpected(snap.error());
  auto keyOf = [byTime](const LogStream& s) { return SortKey{byTime ? s.lastEventTimestamp.value_or(0) : 0, s.name}; };
  std::optional<SortKey> after;
  if (auto token = optString(in, "nextToken")) {
    auto k = decodeSortKey(*token);
    if (!k) return std::unexpected(k.error());
    after = std::move(*k);
  }
  std::vector<const LogStream*> selected;
  for (const auto& s : snap->streams) {
    if (prefix && !s.name.starts_with(*prefix)) continue;
    if (after && (descending ? keyOf(s) >= *after : keyOf(s) <= *after)) continue;
    selected.push_back(&s);
  }
  std::ranges::sort(selected, [&](const LogStream* a, const LogStream* b) {
    return descending ? keyOf(*b) < keyOf(*a) : keyOf(*a) < keyOf(*b);
  });
  size_t limit = static_cast<size_t>(optInt(in, "limit").value_or(kDefaultDescribeLimit));
  json::array out;
  for (size_t i = 0; i < selected.size() && i < limit; ++i) out.push_back(describeStream(*selected[i], p, *group));
  json::object result{{"logStreams", std::move(out)}};
  if (selected.size() > limit) result["nextToken"] = encodeSortKey(keyOf(*selected[limit - 1]));
  return result;
}

}  // namespace

void registerStreamHandlers(api::Router& router, LogStore& store, const LogsConfig& config) {
  router.add(kTargetPrefix, "CreateLogStream", [&store](const api::RequestContext&, const json::object& in) {
    return emptyOr(store.createStream(reqString(in, "logGroupName"), reqString(in, "logStreamName")));
  });
  router.add(kTargetPrefix, "DeleteLogStream", [&store](const api::RequestContext&, const json::object& in) {
    return emptyOr(store.deleteStream(reqString(in, "logGroupName"), reqString(in, "logStreamName")));
  });
  router.add(kTargetPrefix, "DescribeLogStreams",
             [&store, &config](const api::RequestContext& ctx, const json::object& in) {
               return describeLogStreams(store, partitionOf(ctx, config), in);
             });
}

}  // namespace wharf::logs
