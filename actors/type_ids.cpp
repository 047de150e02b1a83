#include "actors/type_ids.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/message.hpp>

namespace hookd {

caf::error make_error(ec code, std::string detail) {
  return caf::error{static_cast<uint8_t>(code), error_category,
                    caf::make_message(std::move(detail))};
}

caf::error to_caf_error(const error_info& err) {
  return make_error(err.code, err.detail);
}

error_info from_caf_error(const caf::error& err) {
  if (!err)
    return {};
  if (err.category() != error_category)
    return make_error_info(ec::internal, caf::to_string(err));
  std::string detail;
  const auto& ctx = err.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0))
    detail = ctx.get_as<std::string>(0);
  return make_error_info(static_cast<ec>(err.code()), std::move(detail));
}

void add_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::hookd_types>();
  cfg.add_error_category(error_category,
                         [](uint8_t code, caf::atom_value, const caf::message& ctx) {
                           std::string out = "hookd: ";
                           out.append(to_string(static_cast<ec>(code)));
                           if (ctx.size() == 1 && ctx.match_element<std::string>(0) &&
                               !ctx.get_as<std::string>(0).empty()) {
                             out.append(": ");
                             out.append(ctx.get_as<std::string>(0));
                           }
                           return out;
                         });
}

} // namespace hookd
