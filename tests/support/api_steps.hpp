#pragma once

// Steps that integration tests take through the API again and again: creating a webhook
// that points at a test receiver, parsing a JSON answer, and polling until a condition holds.

#include "tests/support/http_client.hpp"

#include <simdjson.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

namespace hookd::test {

/// Creates webhook `name` of the key's tenant, pointing at http://127.0.0.1:`port`/`name`,
/// with `extra` (JSON members) added to the body. Requires 201; returns the response body.
std::string create_webhook(http_client& c, const std::string& key, const std::string& name,
                           uint16_t port, const std::string& extra = R"("events":["*"])");

/// Like `create_webhook`, and returns the new webhook's id.
std::string create_webhook_id(http_client& c, const std::string& key, const std::string& name,
                              uint16_t port, const std::string& extra = R"("events":["*"])");

/// POSTs `body` (one event or a batch) to `/v1/events` with `key`; requires 202 and returns
/// the answer's body.
std::string post_events(http_client& c, const std::string& key, const std::string& body);

/// Like `post_events` for one event, and returns its id.
std::string post_event_id(http_client& c, const std::string& key, const std::string& body);

/// A `deployment.succeeded` event labelled `application_id: app`, with `{"app": app}` as data
/// (for the per-application limit).
std::string application_event(const std::string& app);

/// Parses `body` with `p` (which owns the result); requires valid JSON.
simdjson::dom::element parse_json(simdjson::dom::parser& p, const std::string& body);

/// GETs `path` until it answers 200 with a body for which `done(body)` holds, or `timeout`
/// passes; returns the last body.
template <class Pred>
std::string poll_get(http_client& c, const std::string& key, const std::string& path, Pred done,
                     std::chrono::milliseconds timeout = std::chrono::seconds{20}) {
  std::string body;
  for (auto until = std::chrono::steady_clock::now() + timeout;
       std::chrono::steady_clock::now() < until;) {
    auto r = c.request("GET", path, {}, key);
    body = r.body;
    if (r.status == 200 && done(body))
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
  return body;
}

} // namespace hookd::test
