#pragma once

/// The archive format of `hookd replay export`: one JSON line per event, then a trailer line.
///
/// Each record line carries the event's readable fields, its chain hashes and the exact stored
/// record (`record`, base64). A verifier recomputes the hash from the record, decodes it, and
/// requires the line to be the canonical rendering of that record, so that every byte of every
/// line is bound to the hash chain. Consecutive sequence numbers must link (prev_hash = the
/// previous hash). The trailer holds the count, the range and the SHA-256 of every byte before
/// it, so that records cannot be dropped, added or reordered unnoticed.

#include "domain/crypto.hpp"
#include "domain/event.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace hookd::storage {

/// The version written in the trailer (`hookd_export`).
constexpr uint32_t export_format_version = 1;

/// Writes an export: each record line and the trailer, as text to append to the file.
class export_writer {
 public:
  /// `filters` is a human description of what was selected, kept in the trailer.
  explicit export_writer(std::string filters);
  /// The line for `e`, whose stored record is `record`, with its newline.
  std::string record(const event& e, std::string_view record);
  /// The trailer line, with its newline. Call once, last.
  std::string trailer();
  /// Records written so far.
  uint64_t records() const noexcept { return records_; }

 private:
  std::string filters_;
  sha256_hasher digest_;
  uint64_t records_ = 0;
  uint64_t first_seq_ = 0;
  uint64_t last_seq_ = 0;
  std::optional<sha256_digest> last_hash_;
};

/// What verifying an export found.
struct export_verification {
  /// True when every line verified and the trailer matches.
  bool intact = true;
  /// Record lines checked.
  uint64_t records = 0;
  /// Pairs of consecutive sequence numbers whose link was checked.
  uint64_t links = 0;
  /// The first and last sequence numbers in the file.
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;
  /// The hash of the last record: compare with a noted head (`HASH@SEQ`).
  sha256_digest last_hash{};
  /// The first record's prev_hash: the hash of the record before the export.
  sha256_digest first_prev_hash{};
  /// The filters the trailer names.
  std::string filters;
  /// When broken: the 1-based line, the sequence number when known (0 otherwise), and why.
  uint64_t bad_line = 0;
  uint64_t bad_seq = 0;
  std::string reason;
};

/// Verifies an export line by line (constant memory).
class export_verifier {
 public:
  export_verifier();
  ~export_verifier();
  export_verifier(const export_verifier&) = delete;
  export_verifier& operator=(const export_verifier&) = delete;
  /// Checks the next line (without its newline). After a failure, further lines are ignored.
  void line(std::string_view text);
  /// Ends the file: it must have ended with a matching trailer.
  export_verification finish();

 private:
  void fail(uint64_t seq, std::string why);
  void check_record(std::string_view text);
  void check_trailer(std::string_view text);

  struct json_parser;
  std::unique_ptr<json_parser> json_;
  export_verification result_;
  sha256_hasher digest_;
  uint64_t line_no_ = 0;
  bool trailer_seen_ = false;
  std::optional<uint64_t> prev_seq_;
  sha256_digest prev_hash_{};
};

} // namespace hookd::storage
