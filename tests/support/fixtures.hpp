#pragma once

/// Reads test fixtures from the source tree (`HOOKD_FIXTURE_DIR`, set by tests/CMakeLists.txt
/// on the test executables that use them).

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

namespace hookd::test {

/// The bytes of fixture `name` (a path below the fixture folder); fails the test when missing.
inline std::string read_fixture(const std::string& name) {
  std::ifstream in{std::string{HOOKD_FIXTURE_DIR} + "/" + name, std::ios::binary};
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

} // namespace hookd::test
