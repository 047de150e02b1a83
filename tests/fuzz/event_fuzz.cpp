// Fuzz target: the ingest body parser (single events and batches), as POST /v1/events sees it.

#include "domain/id_generator.hpp"
#include "domain/ingest_request.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  hookd::id_generator ids;
  auto parsed = hookd::parse_ingest_request({reinterpret_cast<const char*>(data), size}, ids,
                                            1'700'000'000'000);
  (void)parsed;
  return 0;
}
