#include "tests/support/temp_dir.hpp"

#include <cstdlib>
#include <string>

namespace hookd::test {

temp_dir::temp_dir() {
  auto pattern = (std::filesystem::temp_directory_path() / "hookd-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr)
    std::abort();
  path_ = pattern;
}

temp_dir::~temp_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

} // namespace hookd::test
