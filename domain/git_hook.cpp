#include "domain/git_hook.hpp"

#include "domain/ascii.hpp"
#include "domain/crypto.hpp"
#include "domain/hmac.hpp"
#include "domain/json_input.hpp"
#include "domain/json_writer.hpp"
#include "domain/timestamp.hpp"
#include "domain/webhook_secret.hpp"

#include <algorithm>
#include <charconv>

namespace hookd {

namespace {

using simdjson::dom::element;

// Standard Webhooks' tolerance for the signed timestamp.
constexpr int64_t timestamp_tolerance_ms = 5 * 60 * 1000;

// The string at JSON pointer `ptr` under `el`, or "" when absent or not a string.
std::string text_at(element el, std::string_view ptr) {
  std::string_view s;
  if (el.at_pointer(ptr).get_string().get(s) != simdjson::SUCCESS)
    return {};
  return std::string{s};
}

bool bool_at(element el, std::string_view ptr) {
  bool b = false;
  return el.at_pointer(ptr).get_bool().get(b) == simdjson::SUCCESS && b;
}

std::string cut_message(std::string_view m) {
  if (m.size() <= max_commit_message)
    return std::string{m};
  std::size_t end = 0;
  while (end < m.size()) {
    auto n = std::max<std::size_t>(utf8_sequence_length(m, end), 1);
    if (end + n > max_commit_message)
      break;
    end += n;
  }
  return std::string{m.substr(0, end)};
}

// Keeps the newest `max_push_commits` of `all` (oldest first), and counts them all.
void keep_recent(git_push& p, std::vector<git_commit> all, uint64_t total) {
  p.commits_total = std::max<uint64_t>(total, all.size());
  if (all.size() > max_push_commits)
    all.erase(all.begin(), all.end() - static_cast<std::ptrdiff_t>(max_push_commits));
  p.commits = std::move(all);
  if (!p.commits.empty())
    p.head_time_ms = parse_rfc3339(p.commits.back().timestamp);
}

// Splits `refs/heads/x` or `refs/tags/x` into the push's ref fields.
void set_ref(git_push& p, std::string_view ref) {
  p.ref = std::string{ref};
  constexpr std::string_view heads = "refs/heads/", tags = "refs/tags/";
  if (ref.starts_with(tags)) {
    p.ref_type = "tag";
    p.ref_name = std::string{ref.substr(tags.size())};
  } else {
    p.ref_type = "branch";
    p.ref_name = std::string{ref.starts_with(heads) ? ref.substr(heads.size()) : ref};
  }
}

std::optional<problem> not_a_push(std::string_view provider, std::string_view what) {
  return validation_problem({{"/", "format",
                              std::string{"the body is not a "} + std::string{provider} +
                                  " push payload: " + std::string{what},
                              std::nullopt}});
}

// Where a single-ref push payload keeps each field (JSON pointers; empty: absent).
struct ref_push_shape {
  git_provider provider;
  std::string_view name;
  std::string_view repository;
  std::string_view repository_url;
  std::string_view pusher_name;
  std::string_view pusher_email;
  std::string_view pusher_username;
  std::string_view compare;
};

// GitHub's `push` event (docs.github.com, "Webhook events and payloads", push).
constexpr ref_push_shape github_shape{
    git_provider::github, "GitHub",        "/repository/full_name", "/repository/html_url",
    "/pusher/name",       "/pusher/email", "/sender/login",         "/compare"};
// GitLab's push and tag push events (docs.gitlab.com, "Webhook events"): no compare link, and
// `total_commits_count` counts the commits it left out.
constexpr ref_push_shape gitlab_shape{git_provider::gitlab,
                                      "GitLab",
                                      "/project/path_with_namespace",
                                      "/project/web_url",
                                      "/user_name",
                                      "/user_email",
                                      "/user_username",
                                      ""};

// Parses a payload that updates one ref (GitHub, GitLab), laid out as `shape` says.
void parse_ref_push(element root, const ref_push_shape& shape, git_hook_content& out) {
  git_push p;
  p.provider = shape.provider;
  auto ref = text_at(root, "/ref");
  p.repository = text_at(root, shape.repository);
  if (ref.empty() || p.repository.empty()) {
    auto field = std::string{shape.repository.substr(1)};
    std::replace(field.begin(), field.end(), '/', '.');
    out.failure = not_a_push(shape.name, "'ref' and '" + field + "' are required");
    return;
  }
  set_ref(p, ref);
  p.repository_url = text_at(root, shape.repository_url);
  p.before = text_at(root, "/before");
  p.after = text_at(root, "/after");
  p.created = bool_at(root, "/created") || p.before == zero_sha;
  p.deleted = bool_at(root, "/deleted") || p.after == zero_sha;
  p.forced = bool_at(root, "/forced");
  p.pusher_name = text_at(root, shape.pusher_name);
  p.pusher_email = text_at(root, shape.pusher_email);
  p.pusher_username = text_at(root, shape.pusher_username);
  if (!shape.compare.empty())
    p.compare_url = text_at(root, shape.compare);
  else if (!p.repository_url.empty() && !p.created && !p.deleted)
    p.compare_url = p.repository_url + "/-/compare/" + p.before + "..." + p.after;
  std::vector<git_commit> commits;
  simdjson::dom::array arr;
  if (root.at_pointer("/commits").get_array().get(arr) == simdjson::SUCCESS)
    for (auto c : arr)
      commits.push_back({text_at(c, "/id"), cut_message(text_at(c, "/message")),
                         text_at(c, "/author/name"), text_at(c, "/author/email"),
                         text_at(c, "/author/username"), text_at(c, "/url"),
                         text_at(c, "/timestamp")});
  uint64_t total = commits.size();
  uint64_t declared = 0;
  if (root.at_pointer("/total_commits_count").get_uint64().get(declared) == simdjson::SUCCESS)
    total = declared;
  keep_recent(p, std::move(commits), total);
  out.pushes.push_back(std::move(p));
}

// Splits Bitbucket's `raw` author ("Name <email>").
void split_raw_author(std::string_view raw, git_commit& c) {
  auto lt = raw.find('<');
  auto gt = raw.rfind('>');
  if (lt == std::string_view::npos || gt == std::string_view::npos || gt < lt) {
    c.author_name = std::string{raw};
    return;
  }
  auto name = raw.substr(0, lt);
  while (!name.empty() && name.back() == ' ')
    name.remove_suffix(1);
  c.author_name = std::string{name};
  c.author_email = std::string{raw.substr(lt + 1, gt - lt - 1)};
}

git_commit bitbucket_commit(element c) {
  git_commit out;
  out.id = text_at(c, "/hash");
  out.message = cut_message(text_at(c, "/message"));
  split_raw_author(text_at(c, "/author/raw"), out);
  out.author_username = text_at(c, "/author/user/nickname");
  if (auto display = text_at(c, "/author/user/display_name"); !display.empty())
    out.author_name = display;
  out.url = text_at(c, "/links/html/href");
  out.timestamp = text_at(c, "/date");
  return out;
}

// Bitbucket Cloud's `repo:push` (support.atlassian.com, "Event payloads"): one push may update
// several refs, each a change with `old` and `new` states (null when created or deleted).
void parse_bitbucket(element root, git_hook_content& out) {
  auto repository = text_at(root, "/repository/full_name");
  simdjson::dom::array changes;
  if (repository.empty() ||
      root.at_pointer("/push/changes").get_array().get(changes) != simdjson::SUCCESS) {
    out.failure = not_a_push("Bitbucket", "'push.changes' and 'repository.full_name' are required");
    return;
  }
  for (auto change : changes) {
    git_push p;
    p.provider = git_provider::bitbucket;
    p.repository = repository;
    p.repository_url = text_at(root, "/repository/links/html/href");
    element state_new, state_old;
    bool has_new = change.at_key("new").get(state_new) == simdjson::SUCCESS && !state_new.is_null();
    bool has_old = change.at_key("old").get(state_old) == simdjson::SUCCESS && !state_old.is_null();
    auto current = has_new ? state_new : state_old;
    if (!has_new && !has_old) {
      out.failure = not_a_push("Bitbucket", "a change has neither 'new' nor 'old'");
      return;
    }
    auto type = text_at(current, "/type");
    auto name = text_at(current, "/name");
    set_ref(p, (type == "tag" ? "refs/tags/" : "refs/heads/") + name);
    p.before = has_old ? text_at(state_old, "/target/hash") : std::string{zero_sha};
    p.after = has_new ? text_at(state_new, "/target/hash") : std::string{zero_sha};
    p.created = bool_at(change, "/created") || !has_old;
    p.deleted = bool_at(change, "/closed") || !has_new;
    p.forced = bool_at(change, "/forced");
    p.pusher_name = text_at(root, "/actor/display_name");
    p.pusher_username = text_at(root, "/actor/nickname");
    p.compare_url = text_at(change, "/links/html/href");
    std::vector<git_commit> commits;
    simdjson::dom::array arr;
    if (change.at_pointer("/commits").get_array().get(arr) == simdjson::SUCCESS)
      for (auto c : arr)
        commits.push_back(bitbucket_commit(c));
    // Bitbucket lists the newest commit first; hookd reports oldest first, like the others.
    std::reverse(commits.begin(), commits.end());
    auto total = commits.size() + (bool_at(change, "/truncated") ? 1 : 0);
    keep_recent(p, std::move(commits), total);
    out.pushes.push_back(std::move(p));
  }
}

void write_ref_or_null(json_writer& w, std::string_view key, bool present, std::string_view v) {
  w.key(key);
  if (present)
    w.value(v);
  else
    w.null();
}

} // namespace

const git_header_names& header_names(git_provider provider) {
  static const git_header_names github{
      "X-GitHub-Event", {"X-GitHub-Delivery"}, "X-Hub-Signature-256", {}};
  static const git_header_names gitlab{"X-Gitlab-Event",
                                       {"Idempotency-Key", "X-Gitlab-Event-UUID", "webhook-id"},
                                       {},
                                       "X-Gitlab-Token"};
  static const git_header_names bitbucket{"X-Event-Key", {"X-Request-UUID"}, "X-Hub-Signature", {}};
  switch (provider) {
  case git_provider::github:
    return github;
  case git_provider::gitlab:
    return gitlab;
  case git_provider::bitbucket:
    break;
  }
  return bitbucket;
}

git_auth verify_git_hook(const source& src, const git_hook_headers& h, std::string_view body,
                         int64_t now_ms) {
  if (src.provider == git_provider::gitlab) {
    bool signed_headers = !h.webhook_signature.empty();
    if (h.token.empty() && !signed_headers)
      return git_auth::missing;
    bool ok = true;
    if (!h.token.empty() || src.signing_secret.empty())
      ok = constant_time_equal(h.token, src.secret);
    if (signed_headers && !src.signing_secret.empty()) {
      // Standard Webhooks: HMAC over `id.timestamp.body`; several space-separated `v1,`
      // signatures may be sent during GitLab's own rotation.
      int64_t ts = 0;
      auto [end, err] = std::from_chars(
          h.webhook_timestamp.data(), h.webhook_timestamp.data() + h.webhook_timestamp.size(), ts);
      bool fresh = err == std::errc{} &&
                   end == h.webhook_timestamp.data() + h.webhook_timestamp.size() &&
                   std::abs(now_ms - ts * 1000) <= timestamp_tolerance_ms;
      auto key = parse_webhook_secret(src.signing_secret);
      bool matched = false;
      if (key) {
        hmac_sha256_key k{*key};
        auto expected = standard_webhooks_signature(k, h.webhook_id, ts, body);
        std::string_view rest = h.webhook_signature;
        while (!rest.empty()) {
          auto sp = rest.find(' ');
          auto one = rest.substr(0, sp);
          matched = constant_time_equal(one, expected) || matched;
          rest = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp + 1);
        }
      }
      ok = ok && fresh && matched;
    }
    return ok ? git_auth::ok : git_auth::invalid;
  }
  if (h.signature.empty())
    return git_auth::missing;
  hmac_sha256_key key{src.secret};
  auto expected = "sha256=" + to_hex(key.sign({body}));
  return constant_time_equal(h.signature, expected) ? git_auth::ok : git_auth::invalid;
}

git_hook_content parse_git_hook(git_provider provider, std::string_view event,
                                std::string_view body) {
  git_hook_content out;
  bool push = false;
  switch (provider) {
  case git_provider::github:
    push = event == "push";
    break;
  case git_provider::gitlab:
    push = event == "Push Hook" || event == "Tag Push Hook";
    break;
  case git_provider::bitbucket:
    push = event == "repo:push";
    break;
  }
  if (!push) {
    bool ping = event == "ping" || event == "diagnostics:ping";
    out.ignored = ping ? "ping" : "event '" + std::string{event} + "' is not a push";
    return out;
  }
  json_input input{body};
  simdjson::dom::object obj;
  if ((out.failure = root_object(input, obj, "the push payload must be a JSON object")))
    return out;
  switch (provider) {
  case git_provider::github:
    parse_ref_push(input.root(), github_shape, out);
    break;
  case git_provider::gitlab:
    parse_ref_push(input.root(), gitlab_shape, out);
    break;
  case git_provider::bitbucket:
    parse_bitbucket(input.root(), out);
    break;
  }
  if (out.failure)
    out.pushes.clear();
  return out;
}

std::optional<std::string> source_rejects(const source& src, const git_push& push) {
  if (!src.repository.empty() && !iequals(src.repository, push.repository))
    return "repository '" + push.repository + "' is not " + src.repository;
  const auto& patterns = push.ref_type == "tag" ? src.tags : src.branches;
  for (const auto& p : patterns)
    if (glob_match(p, push.ref_name))
      return std::nullopt;
  return push.ref_type + " '" + push.ref_name + "' matches no pattern of the source";
}

std::string git_push_data(const git_push& push, std::string_view delivery_id,
                          std::string_view source_id) {
  json_writer w;
  w.begin_object();
  w.key("provider").value(to_string(push.provider));
  w.key("repository").value(push.repository);
  w.key("repository_url").value(push.repository_url);
  w.key("ref").value(push.ref);
  w.key("ref_type").value(push.ref_type);
  bool tag = push.ref_type == "tag";
  write_ref_or_null(w, "branch", !tag, push.ref_name);
  write_ref_or_null(w, "tag", tag, push.ref_name);
  w.key("before").value(push.before);
  w.key("after").value(push.after);
  w.key("created").value(push.created);
  w.key("deleted").value(push.deleted);
  w.key("forced").value(push.forced);
  w.key("commits").begin_array();
  for (const auto& c : push.commits) {
    w.begin_object();
    w.key("id").value(c.id);
    w.key("message").value(c.message);
    w.key("author").begin_object();
    w.key("name").value(c.author_name);
    w.key("email").value(c.author_email);
    w.key("username").value(c.author_username);
    w.end_object();
    w.key("url").value(c.url);
    w.key("timestamp").value(c.timestamp);
    w.end_object();
  }
  w.end_array();
  w.key("commits_total").value(push.commits_total);
  w.key("pusher").begin_object();
  w.key("name").value(push.pusher_name);
  w.key("email").value(push.pusher_email);
  w.key("username").value(push.pusher_username);
  w.end_object();
  w.key("compare_url").value(push.compare_url);
  w.key("delivery_id").value(delivery_id);
  w.key("source_id").value(source_id);
  w.end_object();
  return w.take();
}

std::string git_event_id(std::string_view source_id, std::string_view delivery_id,
                         std::size_t index) {
  sha256_hasher h;
  h.update(source_id);
  h.update(std::string_view{"\0", 1});
  h.update(delivery_id);
  h.update(std::string_view{"\0", 1});
  h.update(std::to_string(index));
  auto d = h.finish();
  return "git_" + to_hex(std::span<const uint8_t>{d.data(), 16});
}

} // namespace hookd
