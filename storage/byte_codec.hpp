#pragma once

#include "domain/composite_key.hpp"

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace hookd::storage {

/// Appends fixed-width big-endian integers and length-prefixed strings to a byte string.
/// Big-endian keys sort bytewise in numeric order, which RocksDB's default comparator uses.
class byte_writer {
 public:
  /// Writes into `out`, appending.
  explicit byte_writer(std::string& out) : out_(out) {}
  /// Appends one byte.
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  /// Appends a big-endian u16.
  void u16(uint16_t v) { be(v, 2); }
  /// Appends a big-endian u32.
  void u32(uint32_t v) { be(v, 4); }
  /// Appends a big-endian u64.
  void u64(uint64_t v) { be(v, 8); }
  /// Appends a big-endian i64 (two's complement).
  void i64(int64_t v) { be(static_cast<uint64_t>(v), 8); }
  /// Appends raw bytes.
  void bytes(std::string_view s) { out_.append(s); }
  /// Appends a u16 length and the bytes. Precondition: s.size() < 65536.
  void str16(std::string_view s) {
    u16(static_cast<uint16_t>(s.size()));
    bytes(s);
  }
  /// Appends a u32 length and the bytes.
  void str32(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    bytes(s);
  }

 private:
  void be(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i)
      out_.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
  std::string& out_;
};

/// Reads what `byte_writer` wrote. Every read checks bounds; after the first failure all
/// reads fail and `ok()` is false, so callers check once at the end.
class byte_reader {
 public:
  /// Reads from `in`, which must outlive the reader.
  explicit byte_reader(std::string_view in) : in_(in) {}
  /// Reads one byte.
  uint8_t u8() { return static_cast<uint8_t>(be(1)); }
  /// Reads a big-endian u16.
  uint16_t u16() { return static_cast<uint16_t>(be(2)); }
  /// Reads a big-endian u32.
  uint32_t u32() { return static_cast<uint32_t>(be(4)); }
  /// Reads a big-endian u64.
  uint64_t u64() { return be(8); }
  /// Reads a big-endian i64.
  int64_t i64() { return static_cast<int64_t>(be(8)); }
  /// Reads `n` raw bytes.
  std::string_view bytes(std::size_t n) {
    if (!ok_ || in_.size() - pos_ < n) {
      ok_ = false;
      return {};
    }
    auto out = in_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  /// Reads a u16-length-prefixed string.
  std::string_view str16() { return bytes(u16()); }
  /// Reads a u32-length-prefixed string.
  std::string_view str32() { return bytes(u32()); }
  /// True while every read so far was in bounds.
  bool ok() const noexcept { return ok_; }
  /// Bytes consumed so far.
  std::size_t position() const noexcept { return pos_; }
  /// True when every byte was consumed.
  bool at_end() const noexcept { return pos_ == in_.size(); }

 private:
  uint64_t be(int n) {
    if (!ok_ || in_.size() - pos_ < static_cast<std::size_t>(n)) {
      ok_ = false;
      return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < n; ++i)
      v = (v << 8) | static_cast<uint8_t>(in_[pos_ + i]);
    pos_ += n;
    return v;
  }
  std::string_view in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

/// An 8-byte big-endian key for a sequence number.
inline std::string seq_key(uint64_t seq) {
  std::string out;
  byte_writer{out}.u64(seq);
  return out;
}

/// Decodes an 8-byte big-endian key; nullopt when it is not 8 bytes.
inline std::optional<uint64_t> parse_seq_key(std::string_view key) {
  if (key.size() != 8)
    return std::nullopt;
  return byte_reader{key}.u64();
}

/// `tenant` + NUL + `suffix`: the key shape of every per-tenant column family. Tenant ids
/// cannot contain NUL, so one tenant's keys form one contiguous, prefix-seekable range.
inline std::string tenant_key(std::string_view tenant, std::string_view suffix) {
  return composite_key(tenant, suffix);
}

} // namespace hookd::storage
