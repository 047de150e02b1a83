#include "bench/harness/delivery_archive.hpp"

#include <algorithm>
#include <cstring>
#include <unistd.h>

namespace hookd::bench {

namespace {

// Each entry: four lengths, then the four parts' bytes.
constexpr std::size_t entry_head = 4 * sizeof(uint32_t);

char* put(char* at, std::string_view part) {
  std::memcpy(at, part.data(), part.size());
  return at + part.size();
}

} // namespace

delivery_archive::reserve delivery_archive::prepare(std::size_t bytes) {
  reserve r;
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  for (std::size_t held = 0; held < bytes; held += block_size) {
    auto data = std::unique_ptr<char[]>(new char[block_size]);
    // One write per page makes the kernel map it now rather than on the sink's thread later.
    for (std::size_t at = 0; at < block_size; at += page)
      data[at] = 0;
    r.blocks.push_back(std::move(data));
  }
  return r;
}

std::size_t delivery_archive::footprint(std::size_t id, std::size_t timestamp,
                                        std::size_t signature, std::size_t body) noexcept {
  return entry_head + id + timestamp + signature + body;
}

void delivery_archive::adopt(reserve r) {
  for (auto& data : r.blocks)
    spare_.push_back({std::move(data), block_size, 0});
}

delivery_archive::block& delivery_archive::room_for(std::size_t bytes) {
  if (!blocks_.empty() && blocks_.back().capacity - blocks_.back().used >= bytes)
    return blocks_.back();
  if (!spare_.empty() && bytes <= block_size) {
    blocks_.push_back(std::move(spare_.back())); // prepared blocks are all alike
    spare_.pop_back();
    return blocks_.back();
  }
  auto capacity = std::max(bytes, block_size);
  blocks_.push_back({std::unique_ptr<char[]>(new char[capacity]), capacity, 0});
  return blocks_.back();
}

void delivery_archive::add(std::string_view id, std::string_view timestamp,
                           std::string_view signature, std::string_view body) {
  auto bytes = footprint(id.size(), timestamp.size(), signature.size(), body.size());
  auto& b = room_for(bytes);
  char* at = b.data.get() + b.used;
  const uint32_t lengths[4] = {
      static_cast<uint32_t>(id.size()), static_cast<uint32_t>(timestamp.size()),
      static_cast<uint32_t>(signature.size()), static_cast<uint32_t>(body.size())};
  std::memcpy(at, lengths, entry_head);
  at += entry_head;
  at = put(at, id);
  at = put(at, timestamp);
  at = put(at, signature);
  put(at, body);
  b.used += bytes;
  ++count_;
}

const char* delivery_archive::read_entry(const char* at, archived_delivery& d) noexcept {
  uint32_t lengths[4];
  std::memcpy(lengths, at, entry_head);
  at += entry_head;
  d.id = {at, lengths[0]};
  at += lengths[0];
  d.timestamp = {at, lengths[1]};
  at += lengths[1];
  d.signature = {at, lengths[2]};
  at += lengths[2];
  d.body = {at, lengths[3]};
  return at + lengths[3];
}

void delivery_archive::clear() noexcept {
  blocks_.clear();
  spare_.clear();
  count_ = 0;
}

} // namespace hookd::bench
