#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

/// Logging macros. A message leads with its component: `"log_writer: commit failed: {}"`.
/// Secrets and payloads never reach a log.
#define HOOKD_ERROR(...) ::spdlog::error(__VA_ARGS__)
#define HOOKD_WARN(...) ::spdlog::warn(__VA_ARGS__)
#define HOOKD_INFO(...) ::spdlog::info(__VA_ARGS__)
#define HOOKD_DEBUG(...) ::spdlog::debug(__VA_ARGS__)

namespace hookd {

/// Configures the process-wide logger: `level` is trace, debug, info, warn, error or off;
/// `json` selects one JSON object per line. Returns false for an unknown level.
bool setup_logging(std::string_view level, bool json);

} // namespace hookd
