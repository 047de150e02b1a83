#pragma once

#include "domain/source.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookd {

/// The header names each git host uses for what hookd reads from its webhooks.
struct git_header_names {
  /// The event kind: `X-GitHub-Event`, `X-Gitlab-Event`, `X-Event-Key`.
  std::string_view event;
  /// The delivery ids, best first: the same across the host's redeliveries of one event.
  std::vector<std::string_view> delivery;
  /// The HMAC header (`sha256=<hex>`), empty for GitLab.
  std::string_view signature;
  /// GitLab's secret token header, empty for the others.
  std::string_view token;
};

/// The header names of `provider`'s webhooks.
const git_header_names& header_names(git_provider provider);

/// The values of an inbound git webhook's headers that hookd reads (absent ones are empty).
struct git_hook_headers {
  /// The event kind.
  std::string_view event;
  /// The provider's delivery id (the first non-empty of `git_header_names::delivery`).
  std::string_view delivery;
  /// `sha256=<hex>` (GitHub `X-Hub-Signature-256`, Bitbucket `X-Hub-Signature`).
  std::string_view signature;
  /// GitLab's `X-Gitlab-Token`.
  std::string_view token;
  /// Standard Webhooks headers (GitLab's signing tokens).
  std::string_view webhook_id;
  std::string_view webhook_timestamp;
  std::string_view webhook_signature;
};

/// Why an inbound webhook was not proven to come from the source's git host.
enum class git_auth {
  /// Proven.
  ok,
  /// No signature or token was sent.
  missing,
  /// A signature or token was sent and does not match (or a signed timestamp is too old).
  invalid,
};

/// Checks that `body` with `headers` was sent by `src`'s git host. Every comparison is constant
/// time. GitHub and Bitbucket: `sha256=` hex HMAC-SHA256 of the raw body keyed by the secret.
/// GitLab: `X-Gitlab-Token` equal to the secret; and when the Standard Webhooks headers are
/// present and the source has a `signing_secret`, their signature must verify too, with a
/// timestamp within five minutes of `now_ms`.
git_auth verify_git_hook(const source& src, const git_hook_headers& headers, std::string_view body,
                         int64_t now_ms);

/// One commit of a push, as hookd reports it.
struct git_commit {
  std::string id;
  /// At most 4 KiB (cut on a UTF-8 boundary).
  std::string message;
  std::string author_name;
  std::string author_email;
  std::string author_username;
  std::string url;
  /// RFC 3339, as the host wrote it.
  std::string timestamp;
};

/// A push to one ref, normalised from any provider's payload.
struct git_push {
  git_provider provider = git_provider::github;
  /// `owner/name`.
  std::string repository;
  /// The repository's web page.
  std::string repository_url;
  /// The full ref (`refs/heads/main`, `refs/tags/v1.2.0`).
  std::string ref;
  /// `branch` or `tag`.
  std::string ref_type;
  /// The branch or tag name (`main`, `v1.2.0`).
  std::string ref_name;
  /// The ref's commit before and after the push; 40 zeros when it did not exist (created) or
  /// no longer exists (deleted).
  std::string before;
  std::string after;
  bool created = false;
  bool deleted = false;
  bool forced = false;
  /// The most recent commits, oldest first (at most `max_commits`).
  std::vector<git_commit> commits;
  /// How many commits the push carried, including those left out.
  uint64_t commits_total = 0;
  std::string pusher_name;
  std::string pusher_email;
  std::string pusher_username;
  /// A page comparing before and after (empty when the host gives none and none can be built).
  std::string compare_url;
  /// When the head commit was made, ms since the epoch (the event's `occurred_at`).
  std::optional<int64_t> head_time_ms;
};

/// Most commits reported per push.
constexpr std::size_t max_push_commits = 20;
/// Longest commit message reported, in bytes.
constexpr std::size_t max_commit_message = 4096;
/// 40 zeros: the sha of a ref that does not exist.
constexpr std::string_view zero_sha = "0000000000000000000000000000000000000000";

/// What an inbound git webhook holds.
struct git_hook_content {
  /// Pushes to normalise (a Bitbucket push may update several refs), or none when ignored.
  std::vector<git_push> pushes;
  /// Why nothing is reported (`ping`, `event 'issues' is not a push`), when `pushes` is empty.
  std::string ignored;
  /// Set when the body is not the provider's documented push shape (a 422 naming the field).
  std::optional<problem> failure;
};

/// Parses `provider`'s webhook of kind `event` (the event header) with JSON `body`: pushes
/// become `git_push` values, pings and every other kind are ignored.
git_hook_content parse_git_hook(git_provider provider, std::string_view event,
                                std::string_view body);

/// Why `src` does not take `push` (repository, branch or tag not matched), or nullopt.
std::optional<std::string> source_rejects(const source& src, const git_push& push);

/// The `data` of a `git.push.received` event: provider, repository, repository_url, ref,
/// ref_type, branch (null for tags), tag (null for branches), before, after, created, deleted,
/// forced, commits, commits_total, pusher, compare_url, delivery_id, source_id.
std::string git_push_data(const git_push& push, std::string_view delivery_id,
                          std::string_view source_id);

/// The type of the events made from pushes.
constexpr std::string_view git_push_event_type = "git.push.received";

/// A deterministic event id for change `index` of `delivery_id` at source `source_id`: the same
/// redelivery maps to the same id, so the log stores it once (`git_<32 hex>`).
std::string git_event_id(std::string_view source_id, std::string_view delivery_id,
                         std::size_t index);

} // namespace hookd
