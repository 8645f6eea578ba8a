#include "ecs/ecs_service.h"

#include "common/time_format.h"
#include "ecs/ecs_context.h"
#include "ecs/handlers.h"
#include "ecs/run_task.h"
#include "ecs/task_lifecycle.h"

namespace wharf::ecs {

EcsService::EcsService(std::unique_ptr<EcsContext> ctx)
    : ctx_(std::move(ctx)),
      lifecycle_(std::make_unique<TaskLifecycle>(*ctx_)),
      runner_(std::make_unique<TaskRunner>(*ctx_, *lifecycle_)) {}

EcsService::~EcsService() {
  ctx_->agent.setEventSink([](const agent::TaskEvent&) {});
}

Result<std::unique_ptr<EcsService>> EcsService::open(Store& store, agent::Agent& agent, const Clock& clock,
                                                     IdGenerator& ids, EcsConfig config) {
  auto ctx = std::make_unique<EcsContext>(store, agent, clock, ids, std::move(config));
  if (auto loaded = ctx->clusters.load(); !loaded) return std::unexpected(loaded.error());
  if (auto loaded = ctx->taskDefinitions.load(); !loaded) return std::unexpected(loaded.error());
  if (auto loaded = ctx->tasks.load(); !loaded) return std::unexpected(loaded.error());
  if (auto loaded = ctx->clientTokens.load(); !loaded) return std::unexpected(loaded.error());
  std::unique_ptr<EcsService> service(new EcsService(std::move(ctx)));
  TaskLifecycle* lifecycle = service->lifecycle_.get();
  agent.setEventSink([lifecycle](const agent::TaskEvent& event) { lifecycle->onEvent(event); });
  lifecycle->recoverAll();
  return service;
}

void EcsService::registerHandlers(api::Router& router) {
  registerClusterHandlers(router, *ctx_);
  registerTaskDefinitionHandlers(router, *ctx_);
  registerTaskHandlers(router, *ctx_, *runner_, *lifecycle_);
  registerTagHandlers(router, *ctx_);
}

Result<void> EcsService::sweep() {
  auto now = ctx_->clock.now();
  if (auto expired = ctx_->tasks.expire(now - ctx_->config.stoppedTaskRetention); !expired) return expired;
  auto writes = ctx_->clientTokens.lockWrites();
  double limit = toEpochSeconds(now - ctx_->config.clientTokenTtl);
  auto stale =
      ctx_->clientTokens.all([&](const Entity& t) { return t.doc.at("createdAt").to_number<double>() < limit; });
  if (stale.empty()) return {};
  WriteBatch batch;
  for (const auto& [key, token] : stale) ctx_->clientTokens.stageErase(batch, key);
  if (auto committed = ctx_->store.commit(std::move(batch)); !committed) return committed;
  for (const auto& [key, token] : stale) ctx_->clientTokens.publish(key, std::nullopt);
  return {};
}

}  // namespace wharf::ecs
