#include "domain/error.hpp"

namespace hookd {

std::string_view to_string(ec code) noexcept {
  switch (code) {
  case ec::no_error:
    return "no_error";
  case ec::malformed_input:
    return "malformed_input";
  case ec::validation_failed:
    return "validation_failed";
  case ec::not_found:
    return "not_found";
  case ec::conflict:
    return "conflict";
  case ec::unauthorized:
    return "unauthorized";
  case ec::forbidden:
    return "forbidden";
  case ec::overloaded:
    return "overloaded";
  case ec::storage_io:
    return "storage_io";
  case ec::storage_corruption:
    return "storage_corruption";
  case ec::schema_mismatch:
    return "schema_mismatch";
  case ec::shutting_down:
    return "shutting_down";
  case ec::bad_configuration:
    return "bad_configuration";
  case ec::internal:
    return "internal";
  }
  return "unknown";
}

} // namespace hookd
