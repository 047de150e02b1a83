#pragma once

#include "domain/error.hpp"

#include <filesystem>
#include <functional>
#include <string>

namespace hookd::cli {

/// A secret kept in a file of the data folder.
struct secret_file {
  /// The first line of the file. Never logged.
  std::string value;
  /// True when this start created the file.
  bool created = false;
};

/// Reads the first line of `file`, refusing a file that others can read or that holds fewer
/// than `min_size` characters; or, when it does not exist and `make` is given, creates it
/// (and its folder) with mode 0600 from the start, holding `make()`, synced.
expected<secret_file> load_secret_file(const std::filesystem::path& file, std::size_t min_size,
                                       const std::function<std::string()>& make = {});

} // namespace hookd::cli
