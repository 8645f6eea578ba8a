#include "server/server.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "agent/images/image_store.h"
#include "agent/network/network_manager.h"
#include "agent/runtime/local_agent.h"
#include "api/credentials.h"
#include "api/http_server.h"
#include "api/router.h"
#include "common/clock.h"
#include "common/ids.h"
#include "ecs/ecs_config.h"
#include "ecs/ecs_service.h"
#include "logs/logs_service.h"
#include "sfn/api/sfn_service.h"
#include "sfn/integrations/service_integrations.h"
#include "sfn/jsonata/asl_jsonata_evaluator.h"
#include "store/sqlite/sqlite_store.h"

namespace wharf::server {

namespace fs = std::filesystem;

// Members in construction order; destruction runs in reverse, so the listener stops first.
struct Server::Parts {
  SystemClock clock;
  std::unique_ptr<IdGenerator> ids = makeRandomIdGenerator();
  std::unique_ptr<Store> store;
  std::unique_ptr<api::CredentialStore> credentials;
  std::unique_ptr<agent::ImageStore> images;
  std::unique_ptr<agent::NetworkManager> network;
  std::unique_ptr<logs::LogsService> logs;
  std::unique_ptr<agent::Agent> agent;
  std::unique_ptr<ecs::EcsService> ecs;
  api::Router router;
  jsonata::AslJsonataEvaluator jsonata;
  std::unique_ptr<sfn::SfnService> sfn;
  // Declared after sfn so that its poll thread, which reports to the engine, stops first.
  std::unique_ptr<sfn::ServiceIntegrations> integrations;
  std::unique_ptr<api::HttpServer> http;
  std::string address;
};

namespace {

template <typename T>
Result<T> context(Result<T> r, const char* what) {
  if (!r) r.error().message = std::string(what) + ": " + r.error().message;
  return r;
}

}  // namespace

Result<std::unique_ptr<Server>> Server::start(const ServerConfig& config) {
  auto p = std::make_unique<Parts>();
  std::error_code ec;
  fs::create_directories(config.dataDir, ec);
  if (ec) return fail(ErrorCode::kUnavailable, "", "data dir " + config.dataDir + ": " + ec.message());
  const std::string data = fs::absolute(config.dataDir).string();

  auto store = context(SqliteStore::open(data + "/wharf.db"), "store");
  if (!store) return std::unexpected(store.error());
  p->store = std::move(*store);

  auto root = context(api::loadOrCreateRootCredential(data, config.accountId), "credentials");
  if (!root) return std::unexpected(root.error());
  const std::string account = root->accountId;
  p->credentials = std::make_unique<api::StaticCredentialStore>(std::vector<api::Credential>{*root});

  auto images = context(agent::openImageStore(data), "images");
  if (!images) return std::unexpected(images.error());
  p->images = std::move(*images);

  auto network = context(agent::makeNetworkManager({config.bridge, config.subnet, data + "/network"}), "network");
  if (!network) return std::unexpected(network.error());
  p->network = std::move(*network);

  auto logs = context(logs::LogsService::open(*p->store, p->clock, {account, config.region}), "logs");
  if (!logs) return std::unexpected(logs.error());
  p->logs = std::move(*logs);

  agent::LocalAgentConfig agent_config;
  agent_config.dataDir = data;
  agent_config.runtimePath = config.runtime;
  agent_config.launcher = config.launcher;
  agent_config.images = p->images.get();
  agent_config.network = p->network.get();
  agent_config.logSink = &p->logs->sink();
  agent_config.clock = &p->clock;
  auto agent = context(agent::makeLocalAgent(agent_config), "agent");
  if (!agent) return std::unexpected(agent.error());
  p->agent = std::move(*agent);

  ecs::EcsConfig ecs_config;
  ecs_config.accountId = account;
  ecs_config.region = config.region;
  ecs_config.volumeRoot = data + "/volumes";
  auto ecs = context(ecs::EcsService::open(*p->store, *p->agent, p->clock, *p->ids, ecs_config), "ecs");
  if (!ecs) return std::unexpected(ecs.error());
  p->ecs = std::move(*ecs);

  p->ecs->registerHandlers(p->router);
  p->logs->registerHandlers(p->router);

  // The integrations call ECS, Logs and Step Functions through the router, so they exist before
  // the engine (which recovers running executions on open) and follow .sync work once it is up.
  p->integrations = std::make_unique<sfn::ServiceIntegrations>(p->router, *p->ids);
  sfn::SfnConfig sfn_config;
  sfn_config.accountId = account;
  sfn_config.region = config.region;
  sfn_config.logStore = &p->logs->logStore();
  auto sfn = context(
      sfn::SfnService::open(*p->store, p->clock, *p->ids, sfn_config, p->integrations->list(), &p->jsonata), "sfn");
  if (!sfn) return std::unexpected(sfn.error());
  p->sfn = std::move(*sfn);
  p->sfn->registerHandlers(p->router);
  p->integrations->start();

  api::HttpServerConfig http_config;
  http_config.host = config.host;
  http_config.port = config.port;
  http_config.ioThreads = config.ioThreads;
  http_config.workerThreads = config.workerThreads;
  p->http = std::make_unique<api::HttpServer>(http_config, p->router, *p->credentials, p->clock);
  auto endpoint = context(p->http->start(), "listen");
  if (!endpoint) return std::unexpected(endpoint.error());
  p->address = endpoint->address().to_string() + ":" + std::to_string(endpoint->port());
  return std::unique_ptr<Server>(new Server(std::move(p)));
}

Server::Server(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Server::~Server() {
  if (parts_ && parts_->http) parts_->http->stop();
}

std::string Server::address() const { return parts_->address; }

void Server::sweep() {
  if (auto r = parts_->ecs->sweep(); !r) spdlog::warn("ecs sweep: {}", r.error().message);
  if (auto r = parts_->logs->sweepRetention(); !r) spdlog::warn("log retention: {}", r.error().message);
}

}  // namespace wharf::server
