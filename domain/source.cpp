#include "domain/source.hpp"

#include "domain/crypto.hpp"
#include "domain/json_input.hpp"
#include "domain/signature_profile.hpp"
#include "domain/webhook_secret.hpp"

#include <algorithm>
#include <array>

namespace hookd {

namespace {

using simdjson::dom::element;
using simdjson::dom::object;

constexpr std::array<std::string_view, 3> provider_names{"github", "gitlab", "bitbucket"};

bool is_repository(std::string_view r) {
  if (r.empty() || r.front() == '/' || r.back() == '/' || r.find('/') == std::string_view::npos ||
      r.find("//") != std::string_view::npos)
    return false;
  return std::all_of(r.begin(), r.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
           c == '/';
  });
}

// Reads an array of ref patterns (`branches` or `tags`) into `out` when present.
void read_patterns(object obj, std::string_view key, std::vector<std::string>& out,
                   std::vector<field_error>& errors) {
  element el;
  if (obj.at_key(key).get(el) != simdjson::SUCCESS)
    return;
  auto ptr = "/" + std::string{key};
  simdjson::dom::array arr;
  if (el.get_array().get(arr) != simdjson::SUCCESS) {
    errors.push_back({ptr, "type", "'" + std::string{key} + "' must be an array of patterns", {}});
    return;
  }
  if (arr.size() > source_limits::max_patterns) {
    errors.push_back(
        {ptr, "too_many", "at most 50 patterns are allowed", source_limits::max_patterns});
    return;
  }
  out.clear();
  std::size_t i = 0;
  for (auto item : arr) {
    auto iptr = ptr + "/" + std::to_string(i++);
    std::string_view p;
    if (item.get_string().get(p) != simdjson::SUCCESS)
      errors.push_back({iptr, "type", "a pattern must be a string", {}});
    else if (p.empty() || p.size() > source_limits::max_pattern ||
             !std::all_of(p.begin(), p.end(), [](char c) { return c > 0x20 && c < 0x7F; }))
      errors.push_back({iptr, p.size() > source_limits::max_pattern ? "too_long" : "format",
                        "a pattern is 1 to 255 printable characters without spaces ('*' matches "
                        "any run of characters)",
                        source_limits::max_pattern});
    else
      out.emplace_back(p);
  }
}

void read_signing_secret(object obj, source& s, std::vector<field_error>& errors) {
  auto text = read_string(obj, "signing_secret", false, "", errors);
  if (!text)
    return;
  if (s.provider != git_provider::gitlab)
    errors.push_back({"/signing_secret",
                      "not_allowed",
                      "'signing_secret' is GitLab's Standard Webhooks signing token; only gitlab "
                      "sources have one",
                      {}});
  else if (!text->empty() && !parse_webhook_secret(*text))
    errors.push_back({"/signing_secret",
                      "format",
                      "'signing_secret' is the 'whsec_…' token GitLab shows for the webhook",
                      {}});
  s.signing_secret = std::string{*text};
}

// The fields both create and patch accept, applied onto `s` when present.
void apply_fields(object obj, source& s, std::vector<field_error>& errors) {
  if (auto name = read_string(obj, "name", false, "", errors)) {
    if (name->empty() || name->size() > source_limits::max_name)
      errors.push_back({"/name", name->empty() ? "too_short" : "too_long",
                        "'name' must be 1 to 100 bytes", source_limits::max_name});
    s.name = std::string{*name};
  }
  element el;
  if (obj.at_key("repository").get(el) == simdjson::SUCCESS) {
    std::string_view r;
    if (el.is_null())
      s.repository.clear();
    else if (el.get_string().get(r) != simdjson::SUCCESS)
      errors.push_back({"/repository", "type", "'repository' must be a string or null", {}});
    else if (r.size() > source_limits::max_repository || !is_repository(r))
      errors.push_back({"/repository",
                        r.size() > source_limits::max_repository ? "too_long" : "format",
                        "'repository' is 'owner/name' (GitLab: 'group/subgroup/project')",
                        source_limits::max_repository});
    else
      s.repository = std::string{r};
  }
  read_patterns(obj, "branches", s.branches, errors);
  read_patterns(obj, "tags", s.tags, errors);
  if (obj.at_key("labels").get(el) == simdjson::SUCCESS)
    read_labels(el, "/labels", s.labels, errors);
  read_signing_secret(obj, s, errors);
}

// Reads `secret` when present (checked like a hex-signature secret), else generates one.
std::string read_or_make_secret(object obj, std::vector<field_error>& errors) {
  auto text = read_string(obj, "secret", false, "", errors);
  if (!text)
    return make_source_secret();
  std::string secret{*text};
  check_secret(signature_kind::sha256_prefixed, secret, "/secret", errors);
  return secret;
}

} // namespace

std::string_view to_string(git_provider p) noexcept {
  return provider_names[static_cast<std::size_t>(p)];
}

std::optional<git_provider> parse_git_provider(std::string_view name) noexcept {
  for (std::size_t i = 0; i < provider_names.size(); ++i)
    if (provider_names[i] == name)
      return static_cast<git_provider>(i);
  return std::nullopt;
}

bool glob_match(std::string_view pattern, std::string_view text) noexcept {
  // The classic two-pointer match: on a mismatch, back up to the last star and let it
  // swallow one more character. O(|pattern| * |text|) worst case, no recursion.
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*')
    ++p;
  return p == pattern.size();
}

std::string make_source_secret() {
  std::array<uint8_t, 32> bytes{};
  secure_random(bytes);
  return base64url_encode(bytes);
}

parse_result<source> parse_source_create(std::string_view body, std::string tenant,
                                         id_generator& ids, int64_t now_ms) {
  return parse_object<source>(
      body,
      {"provider", "name", "secret", "signing_secret", "repository", "branches", "tags", "labels"},
      [&](object obj, std::vector<field_error>& errors) {
        source s;
        s.tenant = std::move(tenant);
        s.id = ids.next("src_", now_ms);
        s.created_at_ms = s.updated_at_ms = now_ms;
        if (auto p = read_string(obj, "provider", true, "", errors)) {
          if (auto provider = parse_git_provider(*p))
            s.provider = *provider;
          else
            errors.push_back(
                {"/provider", "format", "'provider' is one of github, gitlab, bitbucket", {}});
        }
        apply_fields(obj, s, errors);
        if (s.name.empty())
          s.name = s.repository.empty() ? std::string{to_string(s.provider)} : s.repository;
        s.secret = read_or_make_secret(obj, errors);
        return s;
      });
}

parse_result<source> parse_source_patch(std::string_view body, const source& current,
                                        int64_t now_ms) {
  // `provider` and `secret` are known fields that cannot change: said so below, not as unknown.
  return parse_object<source>(
      body,
      {"name", "signing_secret", "repository", "branches", "tags", "labels", "provider", "secret"},
      [&](object obj, std::vector<field_error>& errors) {
        for (auto fixed : {"provider", "secret"}) {
          element ignored;
          if (obj.at_key(fixed).get(ignored) == simdjson::SUCCESS)
            errors.push_back({"/" + std::string{fixed},
                              "read_only",
                              std::string{"'"} + fixed +
                                  "' cannot be changed (create a new source, or rotate the secret)",
                              {}});
        }
        auto s = current;
        s.updated_at_ms = now_ms;
        apply_fields(obj, s, errors);
        return s;
      });
}

parse_result<source> parse_source_rotation(std::string_view body, const source& current,
                                           int64_t now_ms) {
  return parse_object<source>(
      body, {"secret", "signing_secret"},
      [&](object obj, std::vector<field_error>& errors) {
        auto s = current;
        s.updated_at_ms = now_ms;
        s.secret = read_or_make_secret(obj, errors);
        if (s.secret == current.secret)
          errors.push_back(
              {"/secret", "conflict", "the new secret must differ from the current one", {}});
        read_signing_secret(obj, s, errors);
        return s;
      },
      true);
}

} // namespace hookd
