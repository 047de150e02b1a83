#pragma once

#include "domain/event.hpp"
#include "domain/id_generator.hpp"
#include "domain/problem.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookd {

/// A git host that pushes its own webhooks to hookd.
enum class git_provider : uint8_t { github, gitlab, bitbucket };

/// `github`, `gitlab` or `bitbucket`.
std::string_view to_string(git_provider p) noexcept;
/// The provider named `name` (lower case), or nullopt.
std::optional<git_provider> parse_git_provider(std::string_view name) noexcept;

/// An inbound webhook source: where a git host sends its pushes for one tenant, with the
/// secret that proves them and the filters that decide which pushes become events.
/// Value type; the secrets are in clear here and sealed at rest by storage.
struct source {
  /// `src_<ulid>`; also the last segment of the public URL `/hooks/{provider}/{id}`.
  std::string id;
  /// Owner tenant: the events from this source are its events.
  std::string tenant;
  /// A human name, unique in nothing (1 to 100 bytes; defaults to the repository or provider).
  std::string name;
  /// The git host.
  git_provider provider = git_provider::github;
  /// The shared secret: GitHub's and Bitbucket's HMAC key, GitLab's `X-Gitlab-Token`.
  std::string secret;
  /// GitLab only, optional: the `whsec_` signing token GitLab shows for a webhook, which
  /// verifies its Standard Webhooks headers (`webhook-signature`).
  std::string signing_secret;
  /// `owner/name` (GitLab: the project path, groups included); empty accepts any repository.
  std::string repository;
  /// Branch patterns (`*` matches any run of characters); a branch push is accepted when one
  /// matches. `main` by default.
  std::vector<std::string> branches{"main"};
  /// Tag patterns; a tag push is accepted when one matches. None by default.
  std::vector<std::string> tags;
  /// Added to every event from this source.
  std::vector<label> labels;
  /// Creation and last change, ms since the epoch.
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
};

/// Limits of a source's configuration.
namespace source_limits {
/// Longest name, in bytes.
constexpr std::size_t max_name = 100;
/// Longest repository, in bytes.
constexpr std::size_t max_repository = 256;
/// Most branch (or tag) patterns.
constexpr std::size_t max_patterns = 50;
/// Longest pattern, in bytes.
constexpr std::size_t max_pattern = 255;
/// Largest inbound webhook body (5 MiB): bigger pushes are refused with 413.
constexpr std::size_t max_body_bytes = 5 * 1024 * 1024;
} // namespace source_limits

/// True when `pattern` matches all of `text`; `*` matches any run of characters (`/`
/// included), every other character itself. Linear time, no backtracking blow-up.
bool glob_match(std::string_view pattern, std::string_view text) noexcept;

/// Makes a source secret: 43 characters of base64url (256 random bits).
std::string make_source_secret();

/// Parses a `POST /v1/sources` body for `tenant`: `provider` (required), `name`, `secret`
/// (generated when absent; 16 to 256 printable ASCII characters), `signing_secret` (GitLab
/// only, `whsec_…`), `repository`, `branches`, `tags`, `labels`. Every rule broken is one
/// field error.
parse_result<source> parse_source_create(std::string_view body, std::string tenant,
                                         id_generator& ids, int64_t now_ms);

/// Applies a `PATCH /v1/sources/{id}` body to `current`: present fields replace, absent ones
/// stay. `provider` and `secret` cannot be patched (rotate the secret instead).
parse_result<source> parse_source_patch(std::string_view body, const source& current,
                                        int64_t now_ms);

/// Applies a `POST /v1/sources/{id}/rotate-secret` body (empty, or `{"secret"?,
/// "signing_secret"?}`) to `current`: the given or a generated secret replaces the old one at
/// once (git hosts hold one secret per webhook, so there is no overlap to offer).
parse_result<source> parse_source_rotation(std::string_view body, const source& current,
                                           int64_t now_ms);

} // namespace hookd
