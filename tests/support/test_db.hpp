#pragma once

#include "domain/address_policy.hpp"
#include "domain/event.hpp"
#include "domain/secret_box.hpp"
#include "domain/webhook.hpp"
#include "storage/database.hpp"

#include <memory>
#include <string_view>
#include <vector>

namespace hookd::test {

/// The master key of every test database: fixed, so a test can reopen what it wrote.
std::shared_ptr<const secret_box> test_secret_box();

/// Options for a test database with the test master key.
storage::database_options test_db_options(bool read_only = false);

/// The address policy of in-process test servers: plain http, and loopback allowed (the test
/// receivers listen on 127.0.0.1).
address_policy loopback_policy();

/// A valid webhook for tests: `id` of `tenant`, named after its id, subscribed to `*`, with
/// a fixed secret and an https URL.
webhook sample_webhook(std::string id = "wh_test", std::string tenant = "acme");

/// Every event in `db`'s log, in order; only those of `type` when given.
std::vector<event> read_log(const storage::database& db, std::string_view type = {});

} // namespace hookd::test
