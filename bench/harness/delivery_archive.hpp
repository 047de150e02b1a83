#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace hookd::bench {

/// What the sink keeps of one delivery for the signature check after the run.
struct archived_delivery {
  std::string_view id;
  std::string_view timestamp;
  std::string_view signature;
  std::string_view body;
};

/// The deliveries a sink keeps until it stops, packed one after another in large blocks.
///
/// Keeping a million 1 KiB bodies as strings cost the sink's thread an allocation and, as the
/// heap grew, page faults for each one, inside the measured window (B4: 24-26 us of sink CPU
/// per delivery against 14-16 in the raw ceiling's run, which keeps nothing). Here keeping a
/// delivery is a copy into memory that `prepare` allocated and touched beforehand, on the
/// caller's thread; past that reserve, new blocks are allocated as they are needed.
/// Not thread-safe: one thread adds and reads (blocks may be prepared on another).
class delivery_archive {
 public:
  /// Bytes of one block; a delivery larger than that gets a block of its own.
  static constexpr std::size_t block_size = std::size_t{32} << 20;

  /// Memory allocated and written, for `adopt`.
  struct reserve {
    std::vector<std::unique_ptr<char[]>> blocks;
  };

  /// Allocates blocks for about `bytes` and touches every page of them, so that filling them
  /// later takes no page fault. Any thread.
  static reserve prepare(std::size_t bytes);

  /// Bytes that `add` takes for a delivery with these parts.
  static std::size_t footprint(std::size_t id, std::size_t timestamp, std::size_t signature,
                               std::size_t body) noexcept;

  /// Takes prepared blocks to fill after the ones already in use.
  void adopt(reserve r);

  /// Keeps a copy of one delivery's parts.
  void add(std::string_view id, std::string_view timestamp, std::string_view signature,
           std::string_view body);

  /// Calls `f(const archived_delivery&)` for every delivery, in the order they were added.
  template <class F> void for_each(F&& f) const {
    for (const auto& b : blocks_) {
      const char* at = b.data.get();
      const char* end = at + b.used;
      while (at < end) {
        archived_delivery d;
        at = read_entry(at, d);
        f(d);
      }
    }
  }

  /// Deliveries kept.
  std::size_t size() const noexcept { return count_; }

  /// Frees every block.
  void clear() noexcept;

 private:
  struct block {
    std::unique_ptr<char[]> data;
    std::size_t capacity = 0;
    std::size_t used = 0;
  };

  static const char* read_entry(const char* at, archived_delivery& d) noexcept;
  // The block to write `bytes` into: the current one, the next spare one, or a new one.
  block& room_for(std::size_t bytes);

  std::vector<block> blocks_; // in use, in order; the last one is being filled
  std::vector<block> spare_;  // prepared and not yet used
  std::size_t count_ = 0;
};

} // namespace hookd::bench
