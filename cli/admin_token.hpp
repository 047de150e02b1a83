#pragma once

#include "domain/error.hpp"

#include <filesystem>
#include <string>

namespace hookd::cli {

/// Where the admin token came from.
struct admin_token {
  /// The token itself. Never logged.
  std::string value;
  /// The file holding it, or empty when it came from `HOOKD_ADMIN_TOKEN`.
  std::filesystem::path file;
  /// True when this start generated it.
  bool generated = false;
};

/// Returns the admin token: `env_value` when set; else the contents of `<data>/admin.token`;
/// else a new token written to that file with mode 0600. Refuses a token file that others can
/// read, and one that is empty.
expected<admin_token> load_admin_token(const std::filesystem::path& data_dir,
                                       const char* env_value);

} // namespace hookd::cli
