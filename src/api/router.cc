#include "api/router.h"

namespace wharf::api {
namespace {
std::string target(std::string_view prefix, std::string_view operation) {
  std::string t(prefix);
  t += '.';
  t += operation;
  return t;
}
}  // namespace

void Router::add(std::string_view prefix, std::string_view operation, Handler handler) {
  handlers_[target(prefix, operation)] = std::move(handler);
}

void Router::addAsync(std::string_view prefix, std::string_view operation, AsyncHandler handler) {
  async_handlers_[target(prefix, operation)] = std::move(handler);
}

const Handler* Router::find(std::string_view t) const {
  auto it = handlers_.find(std::string(t));
  return it == handlers_.end() ? nullptr : &it->second;
}

const AsyncHandler* Router::findAsync(std::string_view t) const {
  auto it = async_handlers_.find(std::string(t));
  return it == async_handlers_.end() ? nullptr : &it->second;
}

}  // namespace wharf::api
