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

void Router::add(std::string_view prefix, std::string_view operation, Handler handler, HandlerMode mode) {
  handlers_[target(prefix, operation)] = Route{std::move(handler), mode};
}

void Router::addAsync(std::string_view prefix, std::string_view operation, AsyncHandler handler) {
  async_handlers_[target(prefix, operation)] = std::move(handler);
}

void Router::addText(std::string_view prefix, std::string_view operation, TextHandler handler, HandlerMode mode) {
  add(
      prefix, operation,
      [handler](const RequestContext& ctx, const boost::json::object& input) -> Result<boost::json::value> {
        Result<std::string> text = handler(ctx, input);
        if (!text) return std::unexpected(text.error());
        return boost::json::parse(*text);
      },
      mode);
  text_handlers_[target(prefix, operation)] = std::move(handler);
}

const TextHandler* Router::findText(std::string_view t) const {
  auto it = text_handlers_.find(t);
  return it == text_handlers_.end() ? nullptr : &it->second;
}

const Handler* Router::find(std::string_view t, HandlerMode* mode) const {
  auto it = handlers_.find(t);
  if (it == handlers_.end()) return nullptr;
  if (mode) *mode = it->second.mode;
  return &it->second.handler;
}

const AsyncHandler* Router::findAsync(std::string_view t) const {
  auto it = async_handlers_.find(t);
  return it == async_handlers_.end() ? nullptr : &it->second;
}

}  // namespace wharf::api
