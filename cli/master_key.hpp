#pragma once

#include "domain/error.hpp"
#include "domain/secret_box.hpp"

#include <filesystem>
#include <memory>
#include <string>

namespace hookd::cli {

/// The master key that seals secrets at rest, and where it came from.
struct master_key {
  /// The box built from it.
  std::shared_ptr<const secret_box> box;
  /// The file it was read from or written to (empty when it came from `HOOKD_MASTER_KEY`).
  std::filesystem::path file;
  /// True when this start generated it.
  bool generated = false;
};

/// Returns the master key: `env_value` (base64 of 32 bytes) when set; else the file `key_file`
/// when given (it must exist); else `<data>/master.key`, created with mode 0600 when missing.
/// A malformed key is an error naming where it came from.
expected<master_key> load_master_key(const std::filesystem::path& data_dir,
                                     const std::string& key_file, const char* env_value);

} // namespace hookd::cli
