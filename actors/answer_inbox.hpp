#pragma once

#include "domain/batch_handoff.hpp"
#include "domain/delivery_transport.hpp"

#include <cstdint>
#include <utility>

namespace hookd {

/// The transport's answers on their way to one webhook actor: the attempt's token and what the
/// transport said. The transport's threads put them in; the actor takes all that are there
/// when the first one wakes it (design note 37).
using answer_inbox = batch_handoff<std::pair<uint64_t, delivery_response>>;

} // namespace hookd
