#include "logs/logs_service.h"

#include "logs/handlers.h"

namespace wharf::logs {

Result<std::unique_ptr<LogsService>> LogsService::open(Store& store, const Clock& clock, LogsConfig config) {
  auto logStore = LogStore::open(store, clock);
  if (!logStore) return std::unexpected(logStore.error());
  return std::unique_ptr<LogsService>(new LogsService(std::move(*logStore), std::move(config)));
}

void LogsService::registerHandlers(api::Router& router) {
  registerGroupHandlers(router, *store_, config_);
  registerStreamHandlers(router, *store_, config_);
  registerEventHandlers(router, *store_, config_);
  registerTagHandlers(router, *store_, config_);
}

}  // namespace wharf::logs
