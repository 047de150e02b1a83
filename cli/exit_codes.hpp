#pragma once

namespace hookd::cli {

/// Process exit codes of every hookd command, documented in docs/operations.md.
enum exit_code : int {
  exit_ok = 0,
  /// The command ran and failed (a broken chain, a refused backup).
  exit_failed = 1,
  exit_usage = 2,
  /// The data folder is missing, locked, corrupt or of another schema version.
  exit_storage = 3,
  exit_listen = 4,
  exit_config = 5,
};

} // namespace hookd::cli
