#pragma once

/// The JSON shape of a stored event, shared by the API, `hookd replay` and exports.

#include "domain/event.hpp"
#include "domain/json_writer.hpp"

#include <vector>

namespace hookd {

/// Writes labels as a JSON object.
void write_labels(json_writer& w, const std::vector<label>& labels);

/// Writes the members of an event's JSON object (the caller opens and closes it): id, seq,
/// type, tenant, occurred_at (when set), received_at, labels, data (verbatim) and hash.
void write_event_fields(json_writer& w, const event& e);

} // namespace hookd
