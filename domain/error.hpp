#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace hookd {

/// Error codes shared by every layer. Value 0 means "no error". The numeric values are
/// stable: they travel inside CAF errors and appear in logs.
enum class ec : uint8_t {
  no_error = 0,
  /// Input that is not syntactically valid (JSON, UTF-8, a header value).
  malformed_input,
  /// Input that parsed but broke a rule (a field's type, format or limit).
  validation_failed,
  /// A named object does not exist (or belongs to another tenant).
  not_found,
  /// An object with the same identity exists with different content.
  conflict,
  /// The caller is not authenticated.
  unauthorized,
  /// The caller is authenticated but lacks the scope.
  forbidden,
  /// The writer is saturated; the caller should retry later.
  overloaded,
  /// The database reported an I/O error.
  storage_io,
  /// The database is corrupt or was tampered with.
  storage_corruption,
  /// The database was written by an incompatible hookd version.
  schema_mismatch,
  /// The component is shutting down and accepts no new work.
  shutting_down,
  /// Bad configuration (flags, environment, files).
  bad_configuration,
  /// A broken expectation that is not the caller's fault.
  internal,
};

/// Returns the stable, lower-case name of `code` (e.g. "storage_io").
std::string_view to_string(ec code) noexcept;

/// An error code with a human-readable detail. Cheap to move; `detail` never holds secrets.
struct error_info {
  /// What went wrong.
  ec code = ec::no_error;
  /// Context for humans: what, where, which limit.
  std::string detail;

  /// True when this holds an error.
  explicit operator bool() const noexcept { return code != ec::no_error; }
};

/// Builds an `error_info` from a code and a detail message.
inline error_info make_error_info(ec code, std::string detail) {
  return error_info{code, std::move(detail)};
}

/// A value of type `T` or an `error_info`. A minimal stand-in for C++23 `std::expected`,
/// used at layer boundaries below the actors (which convert it to `caf::expected`).
template <class T> class expected {
 public:
  /// The type of the value.
  using value_type = T;
  /// Holds a value.
  expected(T value) : data_(std::in_place_index<0>, std::move(value)) {}
  /// Holds an error. `err` must not be `ec::no_error`.
  expected(error_info err) : data_(std::in_place_index<1>, std::move(err)) {}

  /// True when a value is held.
  explicit operator bool() const noexcept { return data_.index() == 0; }
  /// The value. Precondition: `*this` holds a value.
  T& operator*() & { return std::get<0>(data_); }
  const T& operator*() const& { return std::get<0>(data_); }
  T&& operator*() && { return std::get<0>(std::move(data_)); }
  T* operator->() { return &std::get<0>(data_); }
  const T* operator->() const { return &std::get<0>(data_); }
  /// The error. Precondition: `*this` holds an error.
  const error_info& error() const { return std::get<1>(data_); }

 private:
  std::variant<T, error_info> data_;
};

/// Specialisation for operations that return nothing but may fail.
template <> class expected<void> {
 public:
  expected() = default;
  expected(error_info err) : err_(std::move(err)) {}
  explicit operator bool() const noexcept { return !err_; }
  const error_info& error() const { return err_; }

 private:
  error_info err_;
};

} // namespace hookd
