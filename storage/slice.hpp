#pragma once

#include <rocksdb/slice.h>

#include <string_view>

namespace hookd::storage {

/// A RocksDB slice as a string view (no copy; valid while the slice is).
inline std::string_view view(const rocksdb::Slice& s) {
  return {s.data(), s.size()};
}

} // namespace hookd::storage
