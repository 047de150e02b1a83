#pragma once

/// Internal to http/: the request in flight and the helpers that every group of API routes
/// shares (problems, parameters, scopes). Not part of the API's interface.

#include "actors/logging.hpp"
#include "domain/defaults.hpp"
#include "domain/event_json.hpp"
#include "domain/json_writer.hpp"
#include "domain/timestamp.hpp"
#include "http/api.hpp"
#include "http/query.hpp"

#include <caf/sec.hpp>

#include <algorithm>
#include <charconv>

namespace hookd::http {

namespace bh = boost::beast::http;

/// One request in flight: what came in, who sent it, and how to answer.
struct api::call {
  request req;
  target tgt;
  std::string request_id;
  std::optional<principal> who;
  responder respond;
  /// The connection's runner (see `connection_runner`), or null: then `on_own_thread` is inline.
  const connection_runner* on_connection = nullptr;
  bool answered = false;

  /// Runs `fn` on the thread that serves this call's connection.
  void on_own_thread(std::function<void()> fn) const {
    if (on_connection)
      (*on_connection)(std::move(fn));
    else
      fn();
  }

  void reply(response res) {
    answered = true;
    res.set("X-Request-Id", request_id);
    respond(std::move(res));
  }

  void json(bh::status status, std::string body, std::string_view location = {}) {
    response res{status, req.version()};
    res.set(bh::field::content_type, "application/json");
    if (!location.empty())
      res.set(bh::field::location, location);
    res.keep_alive(req.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    reply(std::move(res));
  }

  void fail(const problem& p) {
    reply(problem_response(p, request_id, req.version(), req.keep_alive()));
  }
};

namespace detail {

inline problem make_problem(int status, std::string type, std::string title, std::string detail,
                            std::string field = {}) {
  problem p;
  p.status = status;
  p.type = std::move(type);
  p.title = std::move(title);
  p.detail = std::move(detail);
  p.field = std::move(field);
  return p;
}

inline problem not_found(std::string detail) {
  return make_problem(404, "not-found", "Not found", std::move(detail));
}

inline problem forbidden(std::string detail) {
  return make_problem(403, "forbidden", "The key lacks the permission", std::move(detail));
}

inline problem bad_parameter(std::string name, std::string detail) {
  return make_problem(400, "invalid-parameter", "A query parameter is invalid", std::move(detail),
                      std::move(name));
}

inline problem overloaded(std::string detail) {
  auto p = make_problem(503, "overloaded", "hookd is saturated; retry later", std::move(detail));
  p.retry_after_seconds = defaults::overload_retry_after_seconds;
  return p;
}

/// 503 `shutting-down`, with a `Retry-After` (another instance, or this one restarted, will
/// take the request).
inline problem shutting_down(std::string detail) {
  auto p = make_problem(503, "shutting-down", "hookd is shutting down", std::move(detail));
  p.retry_after_seconds = defaults::overload_retry_after_seconds;
  return p;
}

// Maps an error from the actors to the problem a client sees.

inline problem problem_from(const caf::error& err) {
  if (err == caf::sec::request_timeout)
    return overloaded("the log writer did not answer in time; the request may or may not have "
                      "been stored, retry with the same Idempotency-Key");
  auto info = from_caf_error(err);
  switch (info.code) {
  case ec::overloaded:
    return overloaded(info.detail);
  case ec::shutting_down:
    return shutting_down(info.detail);
  case ec::storage_io:
  case ec::storage_corruption: {
    HOOKD_ERROR("api: storage failure: {}", info.detail);
    auto p = make_problem(503, "storage-unavailable", "The event log cannot be written",
                          "the database refused the write; nothing was acknowledged");
    p.retry_after_seconds = defaults::overload_retry_after_seconds;
    return p;
  }
  default:
    HOOKD_ERROR("api: internal error: {}", info.detail);
    return make_problem(500, "internal", "Internal error", "an unexpected error occurred");
  }
}

inline bool is_json_content_type(std::string_view ct) {
  auto semi = ct.find(';');
  auto media = ct.substr(0, semi);
  while (!media.empty() && media.back() == ' ')
    media.remove_suffix(1);
  std::string lower;
  for (char c : media)
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return lower == "application/json" ||
         (lower.starts_with("application/") && lower.ends_with("+json"));
}

inline bool is_valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128)
    return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
           c == ':';
  });
}

inline bool is_valid_idempotency_key(std::string_view key) {
  if (key.empty() || key.size() > defaults::max_idempotency_key_length)
    return false;
  return std::all_of(key.begin(), key.end(), [](char c) { return c > 0x20 && c < 0x7F; });
}

// Parses `limit`: 1..max_page_size, default default_page_size.
inline std::optional<std::size_t> parse_limit(const target& t, problem& err) {
  auto raw = t.param("limit");
  if (!raw)
    return defaults::default_page_size;
  std::size_t n = 0;
  auto [end, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), n);
  if (ec != std::errc{} || end != raw->data() + raw->size() || n < 1 ||
      n > defaults::max_page_size) {
    err = bad_parameter("limit", "'limit' must be an integer from 1 to 1000");
    err.limit = defaults::max_page_size;
    return std::nullopt;
  }
  return n;
}

// `x` in its shortest exact decimal form (`100000`, `2.5`).
inline std::string shortest(double x) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), x);
  return std::string(buf, end);
}

// Reads `since` and `until` (RFC 3339) into the bounds; answers 400 and returns false when
// one is malformed.
template <class Call> bool parse_time_range(const Call& c, int64_t& since, int64_t& until) {
  for (auto [name, slot] : {std::pair{"since", &since}, std::pair{"until", &until}}) {
    if (auto v = c->tgt.param(name)) {
      auto ms = parse_rfc3339(*v);
      if (!ms) {
        c->fail(bad_parameter(name, "'" + std::string{name} + "' must be an RFC 3339 date-time"));
        return false;
      }
      *slot = *ms;
    }
  }
  return true;
}

// Checks the Content-Type of a request with a JSON body; answers 415 and returns false if not.
template <class Call> bool require_json(Call& c) {
  if (is_json_content_type(c->req[bh::field::content_type]))
    return true;
  c->fail(make_problem(415, "unsupported-media-type", "The body must be JSON",
                       "send 'Content-Type: application/json'", "Content-Type"));
  return false;
}

// Checks that the caller is a tenant key with `s`; answers 403 and returns false if not.
template <class Call> bool require_tenant_scope(Call& c, scope s, std::string_view what) {
  if (c->who->admin) {
    c->fail(forbidden("the admin key is not scoped to a tenant; " + std::string{what} +
                      " needs a tenant key"));
    return false;
  }
  if (!c->who->can(s)) {
    auto names = scope_names(static_cast<scope_set>(s));
    c->fail(forbidden(std::string{what} + " needs the '" + std::string{names.front()} + "' scope"));
    return false;
  }
  return true;
}

// Reading webhooks needs 'read' or 'manage'; answers 403 and returns false if not.
template <class Call> bool require_webhook_read(Call& c) {
  if (c->who->admin || !(c->who->can(scope::read) || c->who->can(scope::manage))) {
    c->fail(forbidden(c->who->admin ? "the admin key is not scoped to a tenant; webhooks need "
                                      "a tenant key"
                                    : "reading webhooks needs the 'read' or 'manage' scope"));
    return false;
  }
  return true;
}

// A configuration change by the caller of `c` at `now`, with its audit entry (who: the
// calling key). Every route that changes configuration builds its change here.
template <class Call, class Op>
std::shared_ptr<config_change> audited_change(const Call& c, int64_t now, std::string tenant,
                                              std::string action, std::string object_id,
                                              std::string details, Op op) {
  auto change = std::make_shared<config_change>();
  change->audit = audit_entry{0,
                              now,
                              c->who->key_id,
                              std::move(tenant),
                              std::move(action),
                              std::move(object_id),
                              std::move(details)};
  change->op = std::move(op);
  return change;
}

// A page of a listing: `{"data":[...],"next_cursor": <cursor of the last item> | null}`.
template <class T, class Write, class Cursor>
std::string page_json(const std::vector<T>& items, bool more, Write write, Cursor cursor) {
  json_writer w;
  w.begin_object().key("data").begin_array();
  for (const auto& x : items)
    write(w, x);
  w.end_array().key("next_cursor");
  if (more && !items.empty())
    w.value(cursor(items.back()));
  else
    w.null();
  w.end_object();
  return w.take();
}

// Answers a listing of objects with string ids: reads `limit` (+1, to know whether more
// follow) after the `cursor` parameter with `list(after, n)`, and writes each with `write`.
template <class Call, class List, class Write>
void answer_listing(const Call& c, List list, Write write) {
  problem err;
  auto limit = parse_limit(c->tgt, err);
  if (!limit)
    return c->fail(err);
  auto after = c->tgt.param("cursor").value_or("");
  auto found = list(after, *limit + 1);
  if (!found)
    return c->fail(problem_from(to_caf_error(found.error())));
  bool more = found->size() > *limit;
  if (more)
    found->resize(*limit);
  c->json(bh::status::ok,
          page_json(*found, more, write, [](const auto& x) -> const std::string& { return x.id; }));
}

/// The object a storage lookup `found`; nullopt after answering its storage error, or 404
/// `no <what> '<id>'` when there is none.
template <class Call, class T>
std::optional<T> found_or_404(const Call& c, expected<std::optional<T>> found,
                              std::string_view what, std::string_view id) {
  if (!found) {
    c->fail(problem_from(to_caf_error(found.error())));
    return std::nullopt;
  }
  if (!*found)
    c->fail(not_found("no " + std::string{what} + " '" + std::string{id} + "'"));
  return std::move(*found);
}

/// Answers 204 No Content.
template <class Call> void reply_no_content(const Call& c) {
  response res{bh::status::no_content, c->req.version()};
  res.keep_alive(c->req.keep_alive());
  res.prepare_payload();
  c->reply(std::move(res));
}

} // namespace detail

template <class T, class Details, class MakeOp, class Answer>
void api::update_object(const std::shared_ptr<call>& c, const T& current, std::string_view id,
                        std::string_view action,
                        const std::function<parse_result<T>(const T&, int64_t)>& parse,
                        Details details, MakeOp make_op, Answer answer) {
  // Strictly after the last change, so that the writer's concurrency check can tell them apart.
  auto now = std::max(time_.now_ms(), current.updated_at_ms + 1);
  auto parsed = parse(current, now);
  if (parsed.failure)
    return c->fail(*parsed.failure);
  auto audit = details(*parsed.value);
  auto change = detail::audited_change(c, now, c->who->tenant, std::string{action}, std::string{id},
                                       std::move(audit),
                                       make_op(std::move(*parsed.value), current.updated_at_ms));
  send_config(c, std::move(change), [c, answer](const config_outcome& out) { answer(c, out); });
}

} // namespace hookd::http
