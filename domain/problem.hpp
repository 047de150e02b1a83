#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookd {

/// One precise reason why a request's input was rejected.
struct field_error {
  /// JSON pointer to the offending value (`/events/3/type`), or a parameter or header name.
  std::string field;
  /// Stable, machine-readable reason (`required`, `type`, `format`, `too_long`, `too_large`,
  /// `too_many`, `too_few`, `unknown_field`, `duplicate_key`, `duplicate_id`).
  std::string code;
  /// Human-readable explanation.
  std::string detail;
  /// The limit that was broken (bytes, characters or items), when one was.
  std::optional<uint64_t> limit;
};

/// An RFC 9457 problem detail. `type` is a stable slug that `problem_type_uri` expands.
struct problem {
  /// HTTP status code.
  int status = 500;
  /// Stable slug of the problem type (`validation-failed`).
  std::string type;
  /// Short, stable summary of the problem type.
  std::string title;
  /// This occurrence, explained.
  std::string detail;
  /// The offending field, parameter or header, when there is one.
  std::string field;
  /// The limit that was broken, when there is one.
  std::optional<uint64_t> limit;
  /// Every field error, for validation problems (a batch lists all bad items).
  std::vector<field_error> errors;
  /// Seconds to wait before retrying (sent as `Retry-After` too), for 429 and 503.
  std::optional<int> retry_after_seconds;
};

/// The URI form of a problem type slug: `tag:hookd.dev,2026:problem/<slug>`. A tag URI
/// (RFC 4151) is stable and globally unique without pretending to be a web page.
std::string problem_type_uri(std::string_view slug);

/// Renders `p` as `application/problem+json`, with the request id as an extension member.
std::string render_problem(const problem& p, std::string_view request_id);

/// Builds a 422 `validation-failed` problem from field errors; `field` and `limit` of the
/// problem are those of the first error.
problem validation_problem(std::vector<field_error> errors);

/// The outcome of parsing a request body into a `T`: the value, or the problem that rejects
/// the body (400 for unreadable input, 422 with every field error).
template <class T> struct parse_result {
  /// The parsed value, when the body is valid.
  std::optional<T> value;
  /// The problem, when it is not.
  std::optional<problem> failure;

  /// A 422 listing `errors` when there are any, else `parsed`.
  static parse_result from(std::vector<field_error> errors, T parsed) {
    parse_result r;
    if (errors.empty())
      r.value = std::move(parsed);
    else
      r.failure = validation_problem(std::move(errors));
    return r;
  }
};

} // namespace hookd
