// PutLogEvents, GetLogEvents, FilterLogEvents.
#include <algorithm>

#include "logs/event_reader.h"
#include "logs/handlers.h"
#include "logs/put_rules.h"

namespace wharf::logs {
namespace json = boost::json;
namespace {

constexpr size_t kDefaultEventLimit = 10'000;

Result<json::value> putLogEvents(LogStore& store, const json::object& in) {
  std::string group = reqString(in, "logGroupName");
  std::string stream = reqString(in, "logStreamName");
  auto info = store.group(group);
  if (!info) return std::unexpected(info.error());
  std::vector<NewEvent> events;
  if (auto* list = in.if_contains("logEvents"); list && list->is_array()) {
    for (const auto& e : list->get_array()) {
      if (!e.is_object()) return invalidParameter("logEvents must be a list of objects");
      events.push_back({optInt(e.get_object(), "timestamp").value_or(0), reqString(e.get_object(), "message")});
    }
  }
  int64_t now = store.clock().nowMillis();
  auto accepted = checkPutBatch(events, now, retentionCutoff(*info, now));
  if (!accepted) return std::unexpected(accepted.error());
  std::span<const NewEvent> kept(events.data() + accepted->begin, accepted->end - accepted->begin);
  auto nextSeq = store.append(group, stream, kept);
  if (!nextSeq) return std::unexpected(nextSeq.error());
  json::object out{{"nextSequenceToken", std::to_string(*nextSeq)}};
  if (accepted->tooNewStart || accepted->tooOldEnd || accepted->expiredEnd) {
    json::object rejected;
    if (accepted->tooNewStart) rejected["tooNewLogEventStartIndex"] = static_cast<int64_t>(*accepted->tooNewStart);
    if (accepted->tooOldEnd) rejected["tooOldLogEventEndIndex"] = static_cast<int64_t>(*accepted->tooOldEnd);
    if (accepted->expiredEnd) rejected["expiredLogEventEndIndex"] = static_cast<int64_t>(*accepted->expiredEnd);
    out["rejectedLogEventsInfo"] = std::move(rejected);
  }
  return out;
}

// GetLogEvents tokens: "f/<pos>" reads events after pos, "b/<pos>" events before it.
struct StreamToken {
  bool forward = true;
  EventPos pos;
};

std::string encodeStreamToken(bool forward, EventPos pos) { return (forward ? "f/" : "b/") + encodePos(pos); }

Result<StreamToken> decodeStreamToken(std::string_view token) {
  auto pos = token.size() > 2 ? decodePos(token.substr(2)) : std::nullopt;
  if (!pos || (!token.starts_with("f/") && !token.starts_with("b/"))) {
    return invalidParameter("The specified nextToken is invalid.");
  }
  return StreamToken{token[0] == 'f', *pos};
}

Result<json::value> getLogEvents(LogStore& store, const Partition& p, const json::object& in) {
  auto group = resolveGroupName(in, p);
  if (!group) return std::unexpected(group.error());
  auto snap = store.snapshot(*group);
  if (!snap) return std::unexpected(snap.error());
  std::string name = reqString(in, "logStreamName");
  auto stream = std::ranges::find(snap->streams, name, &LogStream::name);
  if (stream == snap->streams.end()) return std::unexpected(streamNotFound().error());

  int64_t startTime = optInt(in, "startTime").value_or(0);
  int64_t endTime = optInt(in, "endTime").value_or(INT64_MAX);  // exclusive
  if (auto cutoff = retentionCutoff(snap->group, store.clock().nowMillis())) startTime = std::max(startTime, *cutoff);
  size_t limit = static_cast<size_t>(optInt(in, "limit").value_or(kDefaultEventLimit));
  std::optional<StreamToken> token;
  if (auto text = optString(in, "nextToken")) {
    auto t = decodeStreamToken(*text);
    if (!t) return std::unexpected(t.error());
    token = *t;
  }
  bool forward = token ? token->forward : optBool(in, "startFromHead", false);

  // `origin` is where this read starts; an empty page hands it back so a caller at the end of
  // the stream gets the token it sent (the AWS CLI stops paginating on that).
  EventPos origin;
  Result<StreamPage> page;
  if (forward) {
    origin = std::max(token ? token->pos : kFirstPos, EventPos{startTime, 0});
    page = readForward(store.store(), *stream, origin, endTime, limit);
  } else {
    origin = std::min(token ? token->pos : kLastPos, EventPos{endTime, 0});
    page = readBackward(store.store(), *stream, origin, startTime, limit);
  }
  if (!page) return std::unexpected(page.error());

  json::array events;
  for (const auto& e : page->events) {
    events.push_back(
        json::object{{"timestamp", e.pos.timestamp}, {"message", e.message}, {"ingestionTime", e.ingestionTime}});
  }
  json::object out;
  if (!page->events.empty()) {
    out["nextForwardToken"] = encodeStreamToken(true, page->events.back().pos);
    out["nextBackwardToken"] = encodeStreamToken(false, page->events.front().pos);
  } else if (token || forward) {
    out["nextForwardToken"] = encodeStreamToken(true, origin);
    out["nextBackwardToken"] = encodeStreamToken(false, origin);
  } else {  // an empty stream (or time range) read from its end: read forwards from its start
    out["nextForwardToken"] = encodeStreamToken(true, EventPos{startTime, 0});
    out["nextBackwardToken"] = encodeStreamToken(false, origin);
  }
  out["events"] = std::move(events);
  return out;
}

Result<json::value> filterLogEvents(LogStore& store, const Partition& p, const json::object& in) {
  auto group = resolveGroupName(in, p);
  if (!group) return std::unexpected(group.error());
  auto* names = in.if_contains("logStreamNames");
  auto prefix = optString(in, "logStreamNamePrefix");
  if (names && prefix) {
    return invalidParameter("logStreamNames and logStreamNamePrefix are mutually exclusive parameters.");
  }
  auto snap = store.snapshot(*group);
  if (!snap) return std::unexpected(snap.error());
  auto pattern = FilterPattern::parse(reqString(in, "filterPattern"));
  if (!pattern) return std::unexpected(pattern.error());

  FilterQuery q;
  q.startTime = optInt(in, "startTime").value_or(0);
  q.endTime = optInt(in, "endTime").value_or(INT64_MAX);
  if (auto cutoff = retentionCutoff(snap->group, store.clock().nowMillis()))
    q.startTime = std::max(q.startTime, *cutoff);
  q.pattern = &*pattern;
  q.limit = static_cast<size_t>(optInt(in, "limit").value_or(kDefaultEventLimit));
  if (auto token = optString(in, "nextToken")) {
    q.after = decodeGroupPos(*token);
    if (!q.after) return invalidParameter("The specified nextToken is invalid.");
  }
  for (auto& s : snap->streams) {
    if (prefix && !s.name.starts_with(*prefix)) continue;
    if (names && names->is_array() && std::ranges::none_of(names->get_array(), [&](const json::value& n) {
          return n.is_string() && n.get_string() == s.name;
        })) {
      continue;
    }
    q.streams.push_back(std::move(s));
  }
  auto page = filterEvents(store.store(), q);
  if (!page) return std::unexpected(page.error());

  json::array events;
  for (const auto& e : page->events) {
    events.push_back(json::object{{"logStreamName", e.stream->name},
                                  {"timestamp", e.pos.timestamp},
                                  {"message", e.message},
                                  {"ingestionTime", e.ingestionTime},
                                  {"eventId", eventId(e.stream->uid, e.pos)}});
  }
  json::object out{{"events", std::move(events)}, {"searchedLogStreams", json::array{}}};
  if (page->next) out["nextToken"] = encodeGroupPos(*page->next);
  return out;
}

}  // namespace

void registerEventHandlers(api::Router& router, LogStore& store, const LogsConfig& config) {
  router.add(kTargetPrefix, "PutLogEvents",
             [&store](const api::RequestContext&, const json::object& in) { return putLogEvents(store, in); });
  router.add(kTargetPrefix, "GetLogEvents", [&store, &config](const api::RequestContext& ctx, const json::object& in) {
    return getLogEvents(store, partitionOf(ctx, config), in);
  });
  router.add(kTargetPrefix, "FilterLogEvents",
             [&store, &config](const api::RequestContext& ctx, const json::object& in) {
               return filterLogEvents(store, partitionOf(ctx, config), in);
             });
}

}  // namespace wharf::logs
