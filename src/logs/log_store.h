// The log groups and streams of one Wharf server: held in memory, written through to the Store
// (every change is durable before a call returns), with the events themselves only in the Store.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "logs/log_model.h"
#include "store/store.h"

namespace wharf::logs {

inline constexpr std::string_view kOffsetsCollection = "logs.offsets";
inline constexpr int64_t kMillisPerDay = 86'400'000;

struct NewEvent {
  int64_t timestamp = 0;
  std::string message;
};

struct GroupSnapshot {
  LogGroup group;
  std::vector<LogStream> streams;  // ordered by name
  int64_t storedBytes = 0;
};

// Events older than this (epoch ms) have outlived the group's retention; nullopt = kept forever.
std::optional<int64_t> retentionCutoff(const LogGroup& group, int64_t nowMs);

Result<void> groupNotFound();
Result<void> streamNotFound();

class LogStore {
 public:
  // Loads every group, stream and delivery offset from `store`. Both must outlive the LogStore.
  static Result<std::unique_ptr<LogStore>> open(Store& store, const Clock& clock);

  Store& store() const { return store_; }
  const Clock& clock() const { return clock_; }

  // ResourceAlreadyExistsException when the name is taken. The creation time is set here.
  Result<void> createGroup(LogGroup group);
  // Deletes the group, its streams and all their events in one commit. ResourceNotFoundException.
  Result<void> deleteGroup(std::string_view name);
  // Applies `change` to a copy of the group and persists it; an error from `change` aborts.
  Result<void> updateGroup(std::string_view name, const std::function<Result<void>(LogGroup&)>& change);
  std::vector<LogGroup> groups() const;  // ordered by name
  Result<LogGroup> group(std::string_view name) const;
  Result<GroupSnapshot> snapshot(std::string_view group) const;

  Result<void> createStream(std::string_view group, std::string_view stream);
  Result<void> deleteStream(std::string_view group, std::string_view stream);

  // Appends events (any timestamp order) to an existing stream; returns the stream's next
  // sequence number (what PutLogEvents reports as nextSequenceToken).
  Result<uint64_t> append(std::string_view group, std::string_view stream, std::span<const NewEvent> events);
  // As append(), but exactly once per offset: stores `endOffset` under `offsetKey` in the same
  // commit, and does nothing when the stored offset is already >= endOffset. Creates the stream
  // when missing. Returns the stored offset.
  Result<uint64_t> appendDelivery(std::string_view group, std::string_view stream, std::span<const NewEvent> events,
                                  const std::string& offsetKey, uint64_t endOffset);
  uint64_t offset(const std::string& offsetKey) const;  // 0 when none stored

  // Deletes events that have outlived their group's retention; returns how many. Meant to be run
  // periodically; reads already hide such events.
  Result<size_t> sweepRetention();

 private:
  struct StreamSlot {
    std::mutex write;      // held by whoever changes the stream's events, for the whole commit
    bool deleted = false;  // guarded by `write`
    LogStream data;        // changed under `write` and mutex_; read under either
  };
  struct GroupSlot {
    LogGroup data;
    std::map<std::string, std::shared_ptr<StreamSlot>, std::less<>> streams;
  };

  LogStore(Store& store, const Clock& clock) : store_(store), clock_(clock) {}
  Result<void> load();
  Result<std::shared_ptr<StreamSlot>> findStream(std::string_view group, std::string_view stream) const;
  // Caller holds slot.write and has checked slot.deleted. Adds the events and the stream record
  // to `batch`, commits, and publishes the new stream state. Returns the next sequence number.
  Result<uint64_t> commitEvents(StreamSlot& slot, std::string_view group, std::span<const NewEvent> events,
                                WriteBatch batch);
  // Adds erasures of every event of `uid` to `batch`.
  Result<void> eraseAllEvents(uint64_t uid, WriteBatch& batch) const;
  Result<size_t> sweepStream(StreamSlot& slot, std::string_view group, int64_t cutoff);

  Store& store_;
  const Clock& clock_;
  std::mutex meta_;           // serialises changes to groups and the set of streams
  mutable std::mutex mutex_;  // guards the maps below
  std::map<std::string, GroupSlot, std::less<>> groups_;
  std::map<std::string, uint64_t, std::less<>> offsets_;
  uint64_t next_uid_ = 1;
};

}  // namespace wharf::logs
