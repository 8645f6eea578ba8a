#include "logs/log_store.h"

#include <algorithm>
#include <charconv>

#include "logs/event_codec.h"

namespace wharf::logs {
namespace {

constexpr size_t kSweepBatch = 10'000;  // erasures per commit, to bound one transaction

Result<void> alreadyExists(std::string_view what) {
  return fail(ErrorCode::kConflict, "ResourceAlreadyExistsException",
              "The specified log " + std::string(what) + " already exists");
}

}  // namespace

Result<void> groupNotFound() {
  return fail(ErrorCode::kNotFound, "ResourceNotFoundException", "The specified log group does not exist.");
}

Result<void> streamNotFound() {
  return fail(ErrorCode::kNotFound, "ResourceNotFoundException", "The specified log stream does not exist.");
}

std::optional<int64_t> retentionCutoff(const LogGroup& group, int64_t nowMs) {
  if (!group.retentionInDays) return std::nullopt;
  return nowMs - int64_t{*group.retentionInDays} * kMillisPerDay;
}

Result<std::unique_ptr<LogStore>> LogStore::open(Store& store, const Clock& clock) {
  std::unique_ptr<LogStore> s(new LogStore(store, clock));
  if (auto r = s->load(); !r) return std::unexpected(r.error());
  return s;
}

Result<void> LogStore::load() {
  Result<void> bad;
  auto r = store_.scan(kGroupsCollection, "", 0, [&](std::string_view key, std::string_view value) {
    auto g = decodeGroup(key, value);
    if (!g) return (bad = std::unexpected(g.error())), false;
    groups_[g->name].data = std::move(*g);
    return true;
  });
  if (!r) return r;
  if (!bad) return bad;
  r = store_.scan(kStreamsCollection, "", 0, [&](std::string_view key, std::string_view value) {
    auto names = splitStreamRecordKey(key);
    auto group = names ? groups_.find(names->first) : groups_.end();
    if (group == groups_.end()) return (bad = internalError("log stream without a group: " + std::string(key))), false;
    auto s = decodeStream(names->second, value);
    if (!s) return (bad = std::unexpected(s.error())), false;
    next_uid_ = std::max(next_uid_, s->uid + 1);
    auto slot = std::make_shared<StreamSlot>();
    slot->data = std::move(*s);
    group->second.streams[names->second] = std::move(slot);
    return true;
  });
  if (!r) return r;
  if (!bad) return bad;
  r = store_.scan(kOffsetsCollection, "", 0, [&](std::string_view key, std::string_view value) {
    uint64_t v = 0;
    if (std::from_chars(value.data(), value.data() + value.size(), v).ec != std::errc()) {
      return (bad = internalError("corrupt delivery offset " + std::string(key))), false;
    }
    offsets_[std::string(key)] = v;
    return true;
  });
  if (!r) return r;
  return bad;
}

Result<void> LogStore::createGroup(LogGroup group) {
  std::lock_guard meta(meta_);
  {
    std::lock_guard lock(mutex_);
    if (groups_.contains(group.name)) return alreadyExists("group");
  }
  group.creationTime = clock_.nowMillis();
  WriteBatch batch;
  batch.put(std::string(kGroupsCollection), group.name, encodeGroup(group));
  if (auto r = store_.commit(std::move(batch)); !r) return r;
  std::lock_guard lock(mutex_);
  auto name = group.name;
  groups_[name].data = std::move(group);
  return {};
}

Result<void> LogStore::deleteGroup(std::string_view name) {
  std::lock_guard meta(meta_);
  std::vector<std::pair<std::string, std::shared_ptr<StreamSlot>>> streams;
  {
    std::lock_guard lock(mutex_);
    auto it = groups_.find(name);
    if (it == groups_.end()) return groupNotFound();
    if (it->second.data.deletionProtectionEnabled) {
      return fail(ErrorCode::kConflict, "ValidationException",
                  "Deletion protection is enabled for the log group; disable it before deleting the group.");
    }
    streams.assign(it->second.streams.begin(), it->second.streams.end());
  }
  // Wait for in-flight appends and keep new ones out until the deletion is decided.
  std::vector<std::unique_lock<std::mutex>> writes;
  WriteBatch batch;
  for (auto& [stream, slot] : streams) {
    writes.emplace_back(slot->write);
    if (auto r = eraseAllEvents(slot->data.uid, batch); !r) return r;
    batch.erase(std::string(kStreamsCollection), streamRecordKey(name, stream));
  }
  batch.erase(std::string(kGroupsCollection), std::string(name));
  if (auto r = store_.commit(std::move(batch)); !r) return r;
  for (auto& [stream, slot] : streams) slot->deleted = true;
  std::lock_guard lock(mutex_);
  groups_.erase(groups_.find(name));
  return {};
}

Result<void> LogStore::updateGroup(std::string_view name, const std::function<Result<void>(LogGroup&)>& change) {
  std::lock_guard meta(meta_);
  LogGroup group;
  {
    std::lock_guard lock(mutex_);
    auto it = groups_.find(name);
    if (it == groups_.end()) return groupNotFound();
    group = it->second.data;
  }
  if (auto r = change(group); !r) return r;
  WriteBatch batch;
  batch.put(std::string(kGroupsCollection), group.name, encodeGroup(group));
  if (auto r = store_.commit(std::move(batch)); !r) return r;
  std::lock_guard lock(mutex_);
  groups_.find(name)->second.data = std::move(group);
  return {};
}

std::vector<LogGroup> LogStore::groups() const {
  std::lock_guard lock(mutex_);
  std::vector<LogGroup> out;
  out.reserve(groups_.size());
  for (const auto& [name, slot] : groups_) out.push_back(slot.data);
  return out;
}

Result<LogGroup> LogStore::group(std::string_view name) const {
  std::lock_guard lock(mutex_);
  auto it = groups_.find(name);
  if (it == groups_.end()) return std::unexpected(groupNotFound().error());
  return it->second.data;
}

Result<GroupSnapshot> LogStore::snapshot(std::string_view name) const {
  std::lock_guard lock(mutex_);
  auto it = groups_.find(name);
  if (it == groups_.end()) return std::unexpected(groupNotFound().error());
  GroupSnapshot snap{it->second.data, {}, 0};
  snap.streams.reserve(it->second.streams.size());
  for (const auto& [stream, slot] : it->second.streams) {
    snap.streams.push_back(slot->data);
    snap.storedBytes += slot->data.storedBytes;
  }
  return snap;
}

Result<void> LogStore::createStream(std::string_view group, std::string_view stream) {
  std::lock_guard meta(meta_);
  LogStream s;
  {
    std::lock_guard lock(mutex_);
    auto it = groups_.find(group);
    if (it == groups_.end()) return groupNotFound();
    if (it->second.streams.contains(stream)) return alreadyExists("stream");
    s.uid = next_uid_++;
  }
  s.name = stream;
  s.creationTime = clock_.nowMillis();
  WriteBatch batch;
  batch.put(std::string(kStreamsCollection), streamRecordKey(group, stream), encodeStream(s));
  if (auto r = store_.commit(std::move(batch)); !r) return r;
  auto slot = std::make_shared<StreamSlot>();
  slot->data = std::move(s);
  std::lock_guard lock(mutex_);
  groups_.find(group)->second.streams.emplace(std::string(stream), std::move(slot));
  return {};
}

Result<void> LogStore::deleteStream(std::string_view group, std::string_view stream) {
  std::lock_guard meta(meta_);
  auto slot = findStream(group, stream);
  if (!slot) return std::unexpected(slot.error());
  std::lock_guard write((*slot)->write);
  WriteBatch batch;
  if (auto r = eraseAllEvents((*slot)->data.uid, batch); !r) return r;
  batch.erase(std::string(kStreamsCollection), streamRecordKey(group, stream));
  if (auto r = store_.commit(std::move(batch)); !r) return r;
  (*slot)->deleted = true;
  std::lock_guard lock(mutex_);
  auto& streams = groups_.find(group)->second.streams;
  streams.erase(streams.find(stream));
  return {};
}

Result<uint64_t> LogStore::append(std::string_view group, std::string_view stream, std::span<const NewEvent> events) {
  auto slot = findStream(group, stream);
  if (!slot) return std::unexpected(slot.error());
  std::lock_guard write((*slot)->write);
  if ((*slot)->deleted) return std::unexpected(streamNotFound().error());
  return commitEvents(**slot, group, events, WriteBatch{});
}

Result<uint64_t> LogStore::appendDelivery(std::string_view group, std::string_view stream,
                                          std::span<const NewEvent> events, const std::string& offsetKey,
                                          uint64_t endOffset) {
  for (;;) {
    auto slot = findStream(group, stream);
    if (!slot) {  // createStream reports a missing group
      auto created = createStream(group, stream);
      if (!created && created.error().type != "ResourceAlreadyExistsException") {
        return std::unexpected(created.error());
      }
      continue;
    }
    std::lock_guard write((*slot)->write);
    if ((*slot)->deleted) continue;  // deleted meanwhile: deliver into a new stream of that name
    uint64_t stored = offset(offsetKey);
    if (endOffset <= stored) return stored;
    WriteBatch batch;
    batch.put(std::string(kOffsetsCollection), offsetKey, std::to_string(endOffset));
    if (auto r = commitEvents(**slot, group, events, std::move(batch)); !r) return std::unexpected(r.error());
    std::lock_guard lock(mutex_);
    offsets_[offsetKey] = endOffset;
    return endOffset;
  }
}

uint64_t LogStore::offset(const std::string& offsetKey) const {
  std::lock_guard lock(mutex_);
  auto it = offsets_.find(offsetKey);
  return it == offsets_.end() ? 0 : it->second;
}

Result<std::shared_ptr<LogStore::StreamSlot>> LogStore::findStream(std::string_view group,
                                                                   std::string_view stream) const {
  std::lock_guard lock(mutex_);
  auto g = groups_.find(group);
  if (g == groups_.end()) return std::unexpected(groupNotFound().error());
  auto s = g->second.streams.find(stream);
  if (s == g->second.streams.end()) return std::unexpected(streamNotFound().error());
  return s->second;
}

Result<uint64_t> LogStore::commitEvents(StreamSlot& slot, std::string_view group, std::span<const NewEvent> events,
                                        WriteBatch batch) {
  LogStream next = slot.data;
  if (events.empty() && batch.empty()) return next.nextSeq;
  int64_t now = clock_.nowMillis();
  for (const auto& e : events) {
    EventPos pos{e.timestamp, next.nextSeq++};
    batch.put(std::string(kEventsCollection), eventKey(next.uid, pos), encodeEventValue(now, e.message));
    next.storedBytes += static_cast<int64_t>(e.message.size());
    next.firstEventTimestamp = std::min(next.firstEventTimestamp.value_or(e.timestamp), e.timestamp);
    next.lastEventTimestamp = std::max(next.lastEventTimestamp.value_or(e.timestamp), e.timestamp);
    next.lastIngestionTime = now;
  }
  batch.put(std::string(kStreamsCollection), streamRecordKey(group, next.name), encodeStream(next));
  if (auto r = store_.commit(std::move(batch)); !r) return std::unexpected(r.error());
  std::lock_guard lock(mutex_);
  slot.data = std::move(next);
  return slot.data.nextSeq;
}

Result<void> LogStore::eraseAllEvents(uint64_t uid, WriteBatch& batch) const {
  std::string prefix = streamKeyPrefix(uid);
  return store_.scan(kEventsCollection, prefix, 0, [&](std::string_view key, std::string_view) {
    if (!key.starts_with(prefix)) return false;
    batch.erase(std::string(kEventsCollection), std::string(key));
    return true;
  });
}

Result<size_t> LogStore::sweepRetention() {
  std::vector<std::tuple<std::string, int64_t, std::vector<std::shared_ptr<StreamSlot>>>> work;
  int64_t now = clock_.nowMillis();
  {
    std::lock_guard lock(mutex_);
    for (const auto& [name, g] : groups_) {
      auto cutoff = retentionCutoff(g.data, now);
      if (!cutoff) continue;
      std::vector<std::shared_ptr<StreamSlot>> slots;
      for (const auto& [stream, slot] : g.streams) slots.push_back(slot);
      work.emplace_back(name, *cutoff, std::move(slots));
    }
  }
  size_t erased = 0;
  for (auto& [group, cutoff, slots] : work) {
    for (auto& slot : slots) {
      std::lock_guard write(slot->write);
      if (slot->deleted) continue;
      auto n = sweepStream(*slot, group, cutoff);
      if (!n) return n;
      erased += *n;
    }
  }
  return erased;
}

Result<size_t> LogStore::sweepStream(StreamSlot& slot, std::string_view group, int64_t cutoff) {
  size_t erased = 0;
  for (;;) {
    LogStream next = slot.data;
    if (!next.firstEventTimestamp || *next.firstEventTimestamp >= cutoff) return erased;
    WriteBatch batch;
    std::optional<int64_t> firstKept;
    Result<void> bad;
    std::string prefix = streamKeyPrefix(next.uid);
    auto r = store_.scan(kEventsCollection, prefix, 0, [&](std::string_view key, std::string_view value) {
      auto pos = decodeEventKey(next.uid, key);
      if (!pos) return false;
      if (pos->timestamp >= cutoff || batch.size() >= kSweepBatch) {
        firstKept = pos->timestamp;
        return false;
      }
      auto v = decodeEventValue(value);
      if (!v) return (bad = internalError("corrupt log event " + std::string(key))), false;
      next.storedBytes -= static_cast<int64_t>(v->message.size());
      batch.erase(std::string(kEventsCollection), std::string(key));
      return true;
    });
    if (!r) return std::unexpected(r.error());
    if (!bad) return std::unexpected(bad.error());
    erased += batch.size();
    next.firstEventTimestamp = firstKept;
    batch.put(std::string(kStreamsCollection), streamRecordKey(group, next.name), encodeStream(next));
    if (auto c = store_.commit(std::move(batch)); !c) return std::unexpected(c.error());
    std::lock_guard lock(mutex_);
    slot.data = std::move(next);
  }
}

}  // namespace wharf::logs
