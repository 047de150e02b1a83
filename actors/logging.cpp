#include "actors/logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace hookd {

bool setup_logging(std::string_view level, bool json) {
  auto lvl = spdlog::level::from_str(std::string{level});
  if (lvl == spdlog::level::off && level != "off")
    return false;
  auto logger = spdlog::stderr_color_mt("hookd");
  spdlog::set_default_logger(logger);
  spdlog::set_level(lvl);
  if (json)
    spdlog::set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","msg":"%v"})",
                        spdlog::pattern_time_type::utc);
  else
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  return true;
}

} // namespace hookd
