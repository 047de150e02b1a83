#include "cli/open_files.hpp"

#include <sys/resource.h>

namespace hookd::cli {

std::optional<uint64_t> raise_open_file_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= lim.rlim_max)
    return std::nullopt;
  lim.rlim_cur = lim.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &lim) != 0)
    return std::nullopt;
  return static_cast<uint64_t>(lim.rlim_cur);
}

} // namespace hookd::cli
