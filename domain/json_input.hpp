#pragma once

#include "domain/event.hpp"
#include "domain/problem.hpp"

#include <simdjson.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookd {

/// A request body, copied once into simdjson's padded buffer and fully validated (syntax and
/// UTF-8) before anything reads it. Owns the bytes that views handed out point into.
/// Not thread-safe; one per request.
class json_input {
 public:
  /// Validates `body`. On failure `failure()` holds a 400 problem (`invalid-json` or
  /// `invalid-utf8`) naming the byte offset when simdjson knows it.
  explicit json_input(std::string_view body);

  /// The problem when the body was not valid JSON.
  const std::optional<problem>& failure() const noexcept { return failure_; }
  /// The fully validated DOM of the body. Precondition: no failure.
  simdjson::dom::element root() const noexcept { return root_; }
  /// An on-demand document over the same bytes, for reading raw sub-values (`data`).
  /// Precondition: no failure. Each call restarts iteration.
  simdjson::ondemand::document& on_demand();

 private:
  simdjson::padded_string bytes_;
  simdjson::dom::parser dom_parser_;
  simdjson::ondemand::parser od_parser_;
  simdjson::ondemand::document od_doc_;
  simdjson::dom::element root_;
  std::optional<problem> failure_;
};

/// The root object of a body: nullopt and `out` set, or the problem that rejects the body
/// (`input`'s own 400, or 422 when the root is valid JSON but not an object; `what` says what
/// the object should be).
std::optional<problem> root_object(const json_input& input, simdjson::dom::object& out,
                                   std::string_view what = "the body must be a JSON object");

/// Checks that `object` has no key twice and no key outside `allowed`. Appends one
/// `field_error` per offence, with `pointer_prefix` + "/" + key as the field.
void check_object_keys(simdjson::dom::object object,
                       std::initializer_list<std::string_view> allowed,
                       std::string_view pointer_prefix, std::vector<field_error>& errors);

/// Reads string member `key` of `object`. Records `type` or `required` errors. Returns nullopt
/// when absent or not a string.
std::optional<std::string_view> read_string(simdjson::dom::object object, std::string_view key,
                                            bool required, std::string_view pointer_prefix,
                                            std::vector<field_error>& errors);

/// Reads member `key` of `object` as an optional limit: `null` turns it off (0), an integer
/// from 1 to `max` sets it. Records a `range` error otherwise. Returns nullopt when absent or
/// invalid.
std::optional<uint32_t> read_nullable_limit(simdjson::dom::object object, std::string_view key,
                                            uint32_t max, std::vector<field_error>& errors);

/// Parses `body` as a JSON object whose keys are all in `allowed`, and builds the value with
/// `read(object, errors)`: the value when no rule was broken, else the 400 or 422 problem
/// listing every error. An empty or blank body counts as `{}` when `empty_is_object`.
template <class T, class Read>
parse_result<T> parse_object(std::string_view body, std::initializer_list<std::string_view> allowed,
                             Read read, bool empty_is_object = false) {
  parse_result<T> result;
  if (empty_is_object && body.find_first_not_of(" \t\r\n") == std::string_view::npos)
    body = "{}";
  json_input input{body};
  simdjson::dom::object obj;
  if ((result.failure = root_object(input, obj)))
    return result;
  std::vector<field_error> errors;
  check_object_keys(obj, allowed, "", errors);
  auto value = read(obj, errors);
  return result.from(std::move(errors), std::move(value));
}

/// Reads `value` as a label object (`{"key":"value",…}`: at most 16 labels, keys of
/// `[a-z0-9_]` up to 64 bytes, string values up to 256 bytes, no key twice) into `out`, which
/// is cleared first. `pointer` names the member in errors (`/labels`, `/events/3/labels`).
void read_labels(simdjson::dom::element value, const std::string& pointer, std::vector<label>& out,
                 std::vector<field_error>& errors);

/// Reads `value` as an array of 1 to `max` event type patterns (a type, `prefix.*` or `*`) into
/// `out`, which is replaced only when the array is. `pointer` names the member in errors.
void read_type_patterns(simdjson::dom::element value, const std::string& pointer, std::size_t max,
                        std::vector<std::string>& out, std::vector<field_error>& errors);

/// Escapes a key for use in a JSON pointer (RFC 6901: `~` to `~0`, `/` to `~1`).
std::string json_pointer_escape(std::string_view key);

} // namespace hookd
