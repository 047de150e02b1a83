#pragma once

#include <cstdint>
#include <optional>

namespace hookd::cli {

/// Raises this process's soft limit on open files to its hard limit (Debian's default soft
/// limit is 1024; hookd and the harness keep thousands of connections). Returns the new limit
/// when it changed.
std::optional<uint64_t> raise_open_file_limit();

} // namespace hookd::cli
