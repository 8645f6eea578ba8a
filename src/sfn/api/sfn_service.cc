#include "sfn/api/sfn_service.h"

#include <fmt/format.h>

#include <algorithm>

#include "sfn/api/sfn_model.h"
#include "sfn/asl/definition.h"

namespace wharf::sfn {
namespace json = boost::json;

namespace {

constexpr std::string_view kMachines = "sfn_state_machines";
constexpr std::string_view kActivities = "sfn_activities";
constexpr std::string_view kTags = "sfn_tags";

json::object machineToJson(const StateMachineEntry& m) {
  return json::object{{"arn", m.arn},
                      {"name", m.name},
                      {"definition", *m.definition},
                      {"roleArn", m.roleArn},
                      {"type", m.type},
                      {"description", m.description},
                      {"revisionId", m.revisionId},
                      {"loggingConfiguration", m.loggingConfiguration},
                      {"tracingConfiguration", m.tracingConfiguration},
                      {"creationMillis", m.creationMillis},
                      {"updateMillis", m.updateMillis}};
}

Result<json::object> parseObject(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return internalError("corrupt Step Functions record");
  return std::move(v.as_object());
}

}  // namespace

std::string stringField(const json::object& in, std::string_view key, std::string fallback) {
  const json::value* v = in.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : fallback;
}

std::optional<std::string> optionalField(const json::object& in, std::string_view key) {
  const json::value* v = in.if_contains(key);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

int64_t intField(const json::object& in, std::string_view key, int64_t fallback) {
  const json::value* v = in.if_contains(key);
  return v && v->is_int64() ? v->get_int64() : fallback;
}

double epochSeconds(int64_t millis) { return static_cast<double>(millis) / 1000.0; }

Result<void> checkName(const std::string& name) {
  bool bad = name.empty() || name.size() > 80;
  for (unsigned char c : name) {
    if (c <= 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || std::string_view("<>{}[]?*\"#%\\^|~`$&,;:/").contains(c))
      bad = true;
  }
  if (bad) return fail(ErrorCode::kInvalidArgument, "InvalidName", "Invalid Name: '" + name + "'");
  return {};
}

Result<void> checkArn(const std::string& arn, std::string_view kind) {
  // arn:aws:states:REGION:ACCOUNT:KIND:...
  size_t colons = 0, pos = 0;
  for (; pos < arn.size() && colons < 5; ++pos) colons += arn[pos] == ':';
  if (!arn.starts_with("arn:aws:states:") || colons < 5 ||
      arn.compare(pos, kind.size() + 1, std::string(kind) + ":") != 0)
    return fail(ErrorCode::kInvalidArgument, "InvalidArn", "Invalid Arn: '" + arn + "'");
  return {};
}

Result<json::value> listPage(const json::object& in, const std::vector<std::string>& keys, std::string_view listKey,
                             const std::function<json::value(size_t)>& item) {
  size_t max = static_cast<size_t>(intField(in, "maxResults", 0));
  if (max == 0) max = 100;
  size_t from = 0;
  if (auto token = optionalField(in, "nextToken")) {
    auto it = std::find(keys.begin(), keys.end(), *token);
    if (it == keys.end()) return fail(ErrorCode::kInvalidArgument, "InvalidToken", "Invalid Token: '" + *token + "'");
    from = static_cast<size_t>(it - keys.begin());
  }
  json::array list;
  json::object out;
  for (size_t i = from; i < keys.size(); ++i) {
    if (list.size() == max) {
      out["nextToken"] = keys[i];
      break;
    }
    list.push_back(item(i));
  }
  out[listKey] = std::move(list);
  return out;
}

Result<Tags> parseTags(const json::object& in) {
  Tags tags;
  const json::value* list = in.if_contains("tags");
  if (!list || !list->is_array()) return tags;
  for (const auto& t : list->get_array()) {
    if (!t.is_object()) continue;
    tags[stringField(t.get_object(), "key")] = stringField(t.get_object(), "value");
  }
  if (tags.size() > 50) return fail(ErrorCode::kLimitExceeded, "TooManyTags", "Too many tags: at most 50 per resource");
  return tags;
}

std::string SfnModel::arn(std::string_view kind, std::string_view rest) const {
  return fmt::format("arn:aws:states:{}:{}:{}:{}", config.region, config.accountId, kind, rest);
}

Result<void> SfnModel::saveMachine(const StateMachineEntry& m, WriteBatch* batch) {
  WriteBatch own;
  (batch ? *batch : own).put(std::string(kMachines), m.arn, json::serialize(machineToJson(m)));
  return batch ? Result<void>() : store.commit(std::move(own));
}

Result<void> SfnModel::saveActivity(const ActivityEntry& a) {
  WriteBatch b;
  b.put(std::string(kActivities), a.arn,
        json::serialize(json::object{{"arn", a.arn}, {"name", a.name}, {"creationMillis", a.creationMillis}}));
  return store.commit(std::move(b));
}

Result<void> SfnModel::saveTags(const std::string& resource, const Tags& t, WriteBatch* batch) {
  WriteBatch own;
  WriteBatch& b = batch ? *batch : own;
  if (t.empty()) {
    b.erase(std::string(kTags), resource);
  } else {
    json::object o;
    for (const auto& [k, v] : t) o[k] = v;
    b.put(std::string(kTags), resource, json::serialize(o));
  }
  return batch ? Result<void>() : store.commit(std::move(own));
}

// Deleting a state machine or an activity erases its row and its tags in one commit.
Result<void> eraseResource(SfnModel& model, std::string_view collection, const std::string& arn) {
  WriteBatch b;
  b.erase(std::string(collection), arn);
  b.erase(std::string(kTags), arn);
  return model.store.commit(std::move(b));
}

Result<void> eraseMachine(SfnModel& model, const std::string& arn) { return eraseResource(model, kMachines, arn); }
Result<void> eraseActivity(SfnModel& model, const std::string& arn) { return eraseResource(model, kActivities, arn); }

namespace {

Result<void> loadModels(SfnModel& m) {
  Result<void> bad;
  auto r = m.store.scan(kMachines, "", 0, [&](std::string_view, std::string_view value) {
    auto o = parseObject(value);
    if (!o) return (bad = std::unexpected(o.error()), false);
    StateMachineEntry e;
    e.arn = stringField(*o, "arn");
    e.name = stringField(*o, "name");
    e.definition = std::make_shared<const std::string>(stringField(*o, "definition"));
    e.roleArn = stringField(*o, "roleArn");
    e.type = stringField(*o, "type", "STANDARD");
    e.description = stringField(*o, "description");
    e.revisionId = stringField(*o, "revisionId");
    e.loggingConfiguration = o->contains("loggingConfiguration") ? o->at("loggingConfiguration") : json::value();
    e.tracingConfiguration = o->contains("tracingConfiguration") ? o->at("tracingConfiguration") : json::value();
    e.creationMillis = intField(*o, "creationMillis", 0);
    e.updateMillis = intField(*o, "updateMillis", 0);
    auto parsed = asl::parseDefinition(*e.definition);
    if (parsed) e.parsed = *parsed;
    m.machines[e.arn] = std::move(e);
    return true;
  });
  if (!r) return r;
  if (!bad) return bad;
  r = m.store.scan(kActivities, "", 0, [&](std::string_view, std::string_view value) {
    auto o = parseObject(value);
    if (!o) return (bad = std::unexpected(o.error()), false);
    ActivityEntry a{stringField(*o, "arn"), stringField(*o, "name"), intField(*o, "creationMillis", 0)};
    m.activities[a.arn] = a;
    return true;
  });
  if (!r) return r;
  if (!bad) return bad;
  r = m.store.scan(kTags, "", 0, [&](std::string_view key, std::string_view value) {
    auto o = parseObject(value);
    if (!o) return (bad = std::unexpected(o.error()), false);
    Tags t;
    for (const auto& [k, v] : *o) t[std::string(k)] = v.is_string() ? std::string(v.get_string()) : "";
    m.tags[std::string(key)] = std::move(t);
    return true;
  });
  if (!r) return r;
  return bad;
}

}  // namespace

Result<std::unique_ptr<SfnService>> SfnService::open(Store& store, const Clock& clock, IdGenerator& ids,
                                                     SfnConfig config, std::vector<Integration*> integrations,
                                                     asl::JsonataEvaluator* jsonata) {
  auto model = std::make_unique<SfnModel>(store, clock, ids, config);
  if (auto r = loadModels(*model); !r) return std::unexpected(r.error());
  EngineConfig ec{.accountId = config.accountId,
                  .region = config.region,
                  .workers = config.workers,
                  .timerThread = config.timerThread,
                  .activityPollTimeout = config.activityPollTimeout};
  if (config.logStore) {
    model->logger = std::make_unique<ExecutionLogger>(*config.logStore, model->logsPartition(), ids.hex(4));
    for (const auto& [arn, machine] : model->machines) model->logger->configure(arn, machine.loggingConfiguration);
    ec.eventSink = model->logger.get();
  }
  auto engine = ExecutionEngine::open(store, clock, ids, ec, std::move(integrations), jsonata);
  if (!engine) return std::unexpected(engine.error());
  model->engine = std::move(*engine);
  return std::unique_ptr<SfnService>(new SfnService(std::move(model)));
}

SfnService::SfnService(std::unique_ptr<SfnModel> model) : model_(std::move(model)) {}
SfnService::~SfnService() = default;

ExecutionEngine& SfnService::engine() { return *model_->engine; }

void addHandlers(SfnModel& model, api::Router& router,
                 std::initializer_list<std::pair<std::string_view, ModelHandler>> handlers) {
  for (auto [op, fn] : handlers) {
    router.add(kTarget, op, [&model, fn](const api::RequestContext&, const json::object& in) { return fn(model, in); });
  }
}

void addAsyncHandlers(SfnModel& model, api::Router& router,
                      std::initializer_list<std::pair<std::string_view, AsyncModelHandler>> handlers) {
  for (auto [op, fn] : handlers) {
    router.addAsync(kTarget, op, [&model, fn](const api::RequestContext&, json::object in, api::Reply reply) {
      fn(model, in, std::move(reply));
    });
  }
}

void SfnService::registerHandlers(api::Router& router) {
  registerStateMachineHandlers(*model_, router);
  registerExecutionHandlers(*model_, router);
  registerActivityHandlers(*model_, router);
}

}  // namespace wharf::sfn
