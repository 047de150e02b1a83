#include "bench/harness/delivery_archive.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace {

using hookd::bench::archived_delivery;
using hookd::bench::delivery_archive;

struct kept {
  std::string id, timestamp, signature, body;
};

std::vector<kept> read_all(const delivery_archive& archive) {
  std::vector<kept> out;
  archive.for_each([&](const archived_delivery& d) {
    out.push_back({std::string{d.id}, std::string{d.timestamp}, std::string{d.signature},
                   std::string{d.body}});
  });
  return out;
}

// A body of `size` bytes that differs with `n`, so that a mix-up between entries shows.
std::string body(std::size_t n, std::size_t size) {
  std::string out(size, static_cast<char>('a' + n % 26));
  out.replace(0, std::min(size, std::to_string(n).size()), std::to_string(n).substr(0, size));
  return out;
}

} // namespace

TEST_CASE("bench delivery archive: every delivery comes back whole and in order, across blocks "
          "and past the prepared reserve",
          "[bench]") {
  delivery_archive archive;
  std::vector<kept> added;
  auto add = [&](std::size_t n, std::size_t size) {
    kept k{"msg_" + std::to_string(n), std::to_string(1700000000 + n), "v1,sig" + std::to_string(n),
           body(n, size)};
    archive.add(k.id, k.timestamp, k.signature, k.body);
    added.push_back(std::move(k));
  };
  // Before any reserve, then into a prepared block, then past it into blocks allocated on
  // demand; a body larger than a block gets one of its own, and an empty one takes no bytes.
  add(0, 1024);
  archive.adopt(delivery_archive::prepare(delivery_archive::block_size));
  const std::size_t large = 1 << 20;
  for (std::size_t n = 1; n <= 70; ++n)
    add(n, large - n); // 70 MiB: fills the reserve and two more blocks
  add(71, delivery_archive::block_size + 17);
  add(72, 0);
  add(73, 1024);
  CHECK(archive.size() == added.size());
  auto back = read_all(archive);
  REQUIRE(back.size() == added.size());
  for (std::size_t i = 0; i < added.size(); ++i) {
    INFO("delivery " << i);
    CHECK(back[i].id == added[i].id);
    CHECK(back[i].timestamp == added[i].timestamp);
    CHECK(back[i].signature == added[i].signature);
    CHECK(back[i].body == added[i].body);
  }
  archive.clear();
  CHECK(archive.size() == 0);
  CHECK(read_all(archive).empty());
}

TEST_CASE("bench delivery archive: a reserve is sized in whole blocks that cover what was asked",
          "[bench]") {
  CHECK(delivery_archive::prepare(0).blocks.empty());
  CHECK(delivery_archive::prepare(1).blocks.size() == 1);
  CHECK(delivery_archive::prepare(delivery_archive::block_size).blocks.size() == 1);
  CHECK(delivery_archive::prepare(delivery_archive::block_size + 1).blocks.size() == 2);
  CHECK(delivery_archive::footprint(3, 10, 47, 1024) == 16 + 3 + 10 + 47 + 1024);
}
