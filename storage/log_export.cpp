#include "storage/log_export.hpp"

#include "domain/event_json.hpp"
#include "domain/json_writer.hpp"
#include "storage/event_record.hpp"
#include "storage/records.hpp"

#include <simdjson.h>

namespace hookd::storage {

namespace {

// The canonical line for `e` and its stored record, without the newline.
std::string render_record(const event& e, std::string_view record) {
  json_writer w;
  w.begin_object();
  write_event_fields(w, e);
  w.key("prev_hash").value(to_hex(e.prev_hash));
  w.key("record").value(
      base64_encode({reinterpret_cast<const uint8_t*>(record.data()), record.size()}));
  w.end_object();
  return w.take();
}

std::string render_trailer(uint64_t records, uint64_t first, uint64_t last,
                           const std::optional<sha256_digest>& head, const std::string& filters,
                           const sha256_digest& digest) {
  json_writer w;
  w.begin_object();
  w.key("hookd_export").value(static_cast<uint64_t>(export_format_version));
  w.key("records").value(records);
  w.key("first_seq").value(first);
  w.key("last_seq").value(last);
  w.key("head").value(head ? anchor_text({last, *head, 0}) : std::string{});
  w.key("filters").value(filters);
  w.key("sha256").value(to_hex(digest));
  w.end_object();
  return w.take();
}

} // namespace

export_writer::export_writer(std::string filters) : filters_(std::move(filters)) {}

std::string export_writer::record(const event& e, std::string_view record) {
  auto line = render_record(e, record);
  line.push_back('\n');
  digest_.update(line);
  if (records_++ == 0)
    first_seq_ = e.seq;
  last_seq_ = e.seq;
  last_hash_ = e.hash;
  return line;
}

std::string export_writer::trailer() {
  return render_trailer(records_, first_seq_, last_seq_, last_hash_, filters_, digest_.finish()) +
         "\n";
}

struct export_verifier::json_parser {
  simdjson::dom::parser parser;
};

export_verifier::export_verifier() : json_(std::make_unique<json_parser>()) {}

export_verifier::~export_verifier() = default;

void export_verifier::fail(uint64_t seq, std::string why) {
  if (!result_.intact)
    return;
  result_.intact = false;
  result_.bad_line = line_no_;
  result_.bad_seq = seq;
  result_.reason = std::move(why);
}

void export_verifier::line(std::string_view text) {
  ++line_no_;
  if (!result_.intact)
    return;
  if (trailer_seen_)
    return fail(0, "a line follows the trailer");
  if (text.starts_with(R"({"hookd_export":)"))
    return check_trailer(text);
  check_record(text);
}

void export_verifier::check_record(std::string_view text) {
  simdjson::dom::element root;
  std::string_view encoded;
  if (json_->parser.parse(text.data(), text.size()).get(root) != simdjson::SUCCESS ||
      root["record"].get(encoded) != simdjson::SUCCESS)
    return fail(0, "the line is not an export record (invalid JSON or no 'record')");
  auto record = base64_decode(encoded);
  if (!record)
    return fail(0, "the record is not base64");
  auto e = decode_event_record(*record);
  if (!e)
    return fail(0, "the record does not decode: " + e.error().detail);
  if (!check_record_hash(*record))
    return fail(e->seq, "the record's hash does not match its content");
  if (render_record(*e, *record) != text)
    return fail(e->seq, "the line's fields differ from its hashed record");
  if (prev_seq_ && e->seq <= *prev_seq_)
    return fail(e->seq, "out of order: seq " + std::to_string(e->seq) + " follows seq " +
                            std::to_string(*prev_seq_));
  if (prev_seq_ && e->seq == *prev_seq_ + 1) {
    if (e->prev_hash != prev_hash_)
      return fail(e->seq, "the record does not link to the previous record's hash");
    ++result_.links;
  }
  if (!prev_seq_) {
    result_.first_seq = e->seq;
    result_.first_prev_hash = e->prev_hash;
  }
  prev_seq_ = e->seq;
  prev_hash_ = e->hash;
  result_.last_seq = e->seq;
  result_.last_hash = e->hash;
  ++result_.records;
  digest_.update(text);
  digest_.update(std::string_view{"\n"});
}

void export_verifier::check_trailer(std::string_view text) {
  trailer_seen_ = true;
  simdjson::dom::element root;
  uint64_t version = 0;
  std::string_view filters;
  if (json_->parser.parse(text.data(), text.size()).get(root) != simdjson::SUCCESS ||
      root["hookd_export"].get(version) != simdjson::SUCCESS ||
      root["filters"].get(filters) != simdjson::SUCCESS)
    return fail(0, "the trailer is not valid");
  if (version != export_format_version)
    return fail(0, "export format " + std::to_string(version) + " is not known to this build");
  result_.filters = std::string{filters};
  std::optional<sha256_digest> head;
  if (result_.records > 0)
    head = result_.last_hash;
  auto expected = render_trailer(result_.records, result_.first_seq, result_.last_seq, head,
                                 result_.filters, digest_.finish());
  if (expected != text)
    fail(0, "the trailer does not match the records before it (records dropped, added or "
            "altered, or the trailer edited)");
}

export_verification export_verifier::finish() {
  if (result_.intact && !trailer_seen_) {
    ++line_no_;
    fail(0, "no trailer: the file is truncated");
  }
  return result_;
}

} // namespace hookd::storage
