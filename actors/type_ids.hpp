#pragma once

#include "actors/messages.hpp"
#include "domain/error.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/fwd.hpp>
#include <caf/is_error_code_enum.hpp>
#include <caf/make_message.hpp>
#include <caf/type_id.hpp>

// -- atoms ---------------------------------------------------------------------------------------

CAF_BEGIN_TYPE_ID_BLOCK(hookd_types, caf::first_custom_type_id)

CAF_ADD_ATOM(hookd_types, hookd::atom, append, "append")
CAF_ADD_ATOM(hookd_types, hookd::atom, configure, "configure")
CAF_ADD_ATOM(hookd_types, hookd::atom, subscribe, "subscribe")
CAF_ADD_ATOM(hookd_types, hookd::atom, committed, "committed")
CAF_ADD_ATOM(hookd_types, hookd::atom, flush, "flush")
CAF_ADD_ATOM(hookd_types, hookd::atom, status, "status")
CAF_ADD_ATOM(hookd_types, hookd::atom, sweep, "sweep")
CAF_ADD_ATOM(hookd_types, hookd::atom, deliver, "deliver")
CAF_ADD_ATOM(hookd_types, hookd::atom, done, "done")
CAF_ADD_ATOM(hookd_types, hookd::atom, retry, "retry")
CAF_ADD_ATOM(hookd_types, hookd::atom, record, "record")
CAF_ADD_ATOM(hookd_types, hookd::atom, recover, "recover")
CAF_ADD_ATOM(hookd_types, hookd::atom, read, "read")
CAF_ADD_ATOM(hookd_types, hookd::atom, tick, "tick")
CAF_ADD_ATOM(hookd_types, hookd::atom, stop, "stop")
CAF_ADD_ATOM(hookd_types, hookd::atom, test, "test")
CAF_ADD_ATOM(hookd_types, hookd::atom, tested, "tested")
CAF_ADD_ATOM(hookd_types, hookd::atom, queue, "queue")
CAF_ADD_ATOM(hookd_types, hookd::atom, requeue, "requeue")
CAF_ADD_ATOM(hookd_types, hookd::atom, scan, "scan")
CAF_ADD_ATOM(hookd_types, hookd::atom, replay, "replay")
CAF_ADD_ATOM(hookd_types, hookd::atom, prune, "prune")
CAF_ADD_ATOM(hookd_types, hookd::atom, sync, "sync")

CAF_ADD_TYPE_ID(hookd_types, (hookd::append_request_ptr))
CAF_ADD_TYPE_ID(hookd_types, (hookd::append_outcome_ptr))
CAF_ADD_TYPE_ID(hookd_types, (hookd::committed_batch_ptr))
CAF_ADD_TYPE_ID(hookd_types, (hookd::config_change_ptr))
CAF_ADD_TYPE_ID(hookd_types, (hookd::config_outcome_ptr))
CAF_ADD_TYPE_ID(hookd_types, (hookd::writer_status_ptr))
CAF_ADD_TYPE_ID(hookd_types, (hookd::append_callback_ptr))
CAF_ADD_TYPE_ID(hookd_types, (hookd::config_callback_ptr))
CAF_ADD_TYPE_ID(hookd_types, (hookd::status_callback_ptr))
CAF_ADD_TYPE_ID(hookd_types, (hookd::delivery_result_ptr))
CAF_ADD_TYPE_ID(hookd_types, (hookd::webhook_ptr))
CAF_ADD_TYPE_ID(hookd_types, (hookd::webhook_stats_ptr))
CAF_ADD_TYPE_ID(hookd_types, (hookd::delivery_log_ptr))
CAF_ADD_TYPE_ID(hookd_types, (hookd::recovery_state_ptr))
CAF_ADD_TYPE_ID(hookd_types, (hookd::backlog_chunk_ptr))
CAF_ADD_TYPE_ID(hookd_types, (hookd::test_result_ptr))
CAF_ADD_TYPE_ID(hookd_types, (hookd::stats_callback_ptr))
CAF_ADD_TYPE_ID(hookd_types, (hookd::test_callback_ptr))
CAF_ADD_TYPE_ID(hookd_types, (std::vector<uint32_t>))
CAF_ADD_TYPE_ID(hookd_types, (hookd::queue_report_ptr))
CAF_ADD_TYPE_ID(hookd_types, (hookd::retry_job_ptr))
CAF_ADD_TYPE_ID(hookd_types, (hookd::seq_list_ptr))
CAF_ADD_TYPE_ID(hookd_types, (hookd::queue_callback_ptr))
CAF_ADD_TYPE_ID(hookd_types, (hookd::retry_job_callback_ptr))
CAF_ADD_TYPE_ID(hookd_types, (hookd::replay_job_ptr))
CAF_ADD_TYPE_ID(hookd_types, (hookd::retention_report_ptr))
CAF_ADD_TYPE_ID(hookd_types, (hookd::retention_callback_ptr))

CAF_END_TYPE_ID_BLOCK(hookd_types)

// Large immutable payloads travel by shared pointer and never leave the process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hookd::append_request_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hookd::append_outcome_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hookd::committed_batch_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hookd::config_change_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hookd::config_outcome_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hookd::writer_status_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hookd::append_callback_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hookd::config_callback_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hookd::status_callback_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hookd::delivery_result_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hookd::webhook_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hookd::queue_report_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hookd::retry_job_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hookd::seq_list_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hookd::queue_callback_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hookd::retry_job_callback_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hookd::replay_job_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hookd::retention_report_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hookd::retention_callback_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hookd::webhook_stats_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hookd::delivery_log_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hookd::recovery_state_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hookd::backlog_chunk_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hookd::test_result_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hookd::stats_callback_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hookd::test_callback_ptr)

CAF_ERROR_CODE_ENUM(hookd::ec)

namespace hookd {

/// The CAF error category of `hookd::ec`.
constexpr caf::atom_value error_category = caf::atom("hookd");

/// Converts a hookd error code and detail into a CAF error.
caf::error make_error(ec code, std::string detail = {});

/// Converts an `error_info` into a CAF error.
caf::error to_caf_error(const error_info& err);

/// Converts a CAF error back into an `error_info` (errors of other categories map to
/// `ec::internal`, with CAF's rendering as the detail).
error_info from_caf_error(const caf::error& err);

/// Registers hookd's message types and error category with `cfg`. Call once, before the
/// actor system is created.
void add_message_types(caf::actor_system_config& cfg);

} // namespace hookd
