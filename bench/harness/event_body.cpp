#include "bench/harness/event_body.hpp"

#include <charconv>

namespace hookd::bench {

namespace {

std::optional<int64_t> number_after(std::string_view body, std::string_view key) {
  auto at = body.find(key);
  if (at == std::string_view::npos)
    return std::nullopt;
  int64_t v = 0;
  auto first = body.data() + at + key.size();
  auto [end, ec] = std::from_chars(first, body.data() + body.size(), v);
  if (ec != std::errc{} || end == first)
    return std::nullopt;
  return v;
}

} // namespace

void append_event(std::string& out, uint64_t index, std::size_t size) {
  auto start = out.size();
  out += R"({"type":"bench.event","data":{"t":)";
  out += std::to_string(steady_ns());
  out += R"(,"i":)";
  out += std::to_string(index);
  out += R"(,"pad":")";
  auto used = out.size() - start + 3; // the closing "}}
  if (size > used)
    out.append(size - used, 'x');
  out += "\"}}";
}

std::string ingest_body(uint64_t first, std::size_t n, std::size_t event_size) {
  std::string out;
  out.reserve(n * (event_size + 1) + 16);
  if (n == 1) {
    append_event(out, first, event_size);
    return out;
  }
  out += R"({"events":[)";
  for (std::size_t k = 0; k < n; ++k) {
    if (k > 0)
      out += ',';
    append_event(out, first + k, event_size);
  }
  out += "]}";
  return out;
}

std::optional<event_fields> read_event_fields(std::string_view body) {
  auto t = number_after(body, R"("t":)");
  auto i = number_after(body, R"("i":)");
  if (!t || !i || *i < 0)
    return std::nullopt;
  return event_fields{static_cast<uint64_t>(*i), *t};
}

} // namespace hookd::bench
