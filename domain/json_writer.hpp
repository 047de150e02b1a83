#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hookd {

/// Appends a JSON string literal for `text` to `out`, quotes included. Invalid UTF-8 is
/// replaced by U+FFFD, so the output is always valid JSON even for hostile input.
void append_json_string(std::string& out, std::string_view text);

/// Appends `text` escaped as the inside of a JSON string literal (no quotes): what
/// `append_json_string` writes between them.
void append_json_escaped(std::string& out, std::string_view text);

/// Length of the valid UTF-8 sequence starting at `s[i]`, or 0 when it is invalid (overlong,
/// a surrogate, past U+10FFFF, or cut short).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept;

/// A small streaming JSON writer that places commas itself. It does not check that the
/// calls form a valid document beyond debug assertions; callers nest begin/end pairs.
/// Not thread-safe.
class json_writer {
 public:
  /// Starts an object (as a value, or as the document).
  json_writer& begin_object();
  /// Ends the innermost object.
  json_writer& end_object();
  /// Starts an array.
  json_writer& begin_array();
  /// Ends the innermost array.
  json_writer& end_array();
  /// Writes an object key; the next call writes its value.
  json_writer& key(std::string_view name);
  /// Writes a string value.
  json_writer& value(std::string_view text);
  /// Writes a string value (overload that keeps string literals from becoming bools).
  json_writer& value(const char* text) { return value(std::string_view{text}); }
  /// Writes a signed integer.
  json_writer& value(int64_t number);
  /// Writes an unsigned integer.
  json_writer& value(uint64_t number);
  /// Writes an int.
  json_writer& value(int number) { return value(static_cast<int64_t>(number)); }
  /// Writes a number in its shortest exact form (`null` when not finite).
  json_writer& value(double number);
  /// Writes a boolean.
  json_writer& value(bool flag);
  /// Writes `null`.
  json_writer& null();
  /// Writes `json` verbatim as a value. The caller guarantees it is valid JSON.
  json_writer& raw(std::string_view json);
  /// The document so far.
  const std::string& str() const noexcept { return out_; }
  /// Moves the document out.
  std::string take() { return std::move(out_); }

 private:
  void before_value();
  std::string out_;
  std::vector<bool> first_; // One entry per open container: nothing written in it yet.
  bool after_key_ = false;
};

} // namespace hookd
