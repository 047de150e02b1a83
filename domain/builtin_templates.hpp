#pragma once

// The built-in templates besides `standard`: each appends one event's body to `out`, taking
// values from `event_variables`. `payload_renderer` picks one per webhook.

#include "domain/event_variables.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace hookd {

/// Slack's Block Kit limits the `slack` template keeps to, in characters
/// (https://api.slack.com/reference/block-kit/blocks).
namespace slack_limits {
constexpr std::size_t header_text = 150;
constexpr std::size_t section_text = 3000;
constexpr std::size_t fields_per_section = 10;
constexpr std::size_t field_text = 2000;
constexpr std::size_t button_text = 75;
constexpr std::size_t button_url = 3000;
constexpr std::size_t context_text = 3000;
constexpr std::size_t fallback_text = 3000;
constexpr std::size_t blocks = 50;
} // namespace slack_limits

/// Discord's embed limits the `discord` template keeps to, in characters
/// (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
namespace discord_limits {
constexpr std::size_t content = 2000;
constexpr std::size_t title = 256;
constexpr std::size_t description = 4096;
constexpr std::size_t fields = 25;
constexpr std::size_t field_name = 256;
constexpr std::size_t field_value = 1024;
constexpr std::size_t footer_text = 2048;
/// Title, description, field names and values, and footer together.
constexpr std::size_t total = 6000;
} // namespace discord_limits

/// How an event turned out, for chat messages' emoji and colour.
enum class outcome : uint8_t { success, failed, cancelled, started, expiring, info };

/// The outcome of an event: from its `status` when that is a known word, else from the last
/// segment of its type (`deployment.failed`), else `info`.
outcome classify_outcome(event_variables& vars);

/// Stable name of `o` (`success`).
std::string_view to_string(outcome o) noexcept;

/// `certificate.created` as `CertificateCreated`: each segment between `.`, `_` and `-`
/// capitalised, the separators dropped.
std::string camel_case_type(std::string_view type);

/// `deployment.succeeded` as `Deployment succeeded`.
std::string humanize_type(std::string_view type);

/// The length of `text` as chat services count characters: UTF-16 code units, so an emoji
/// outside the Basic Multilingual Plane counts two.
std::size_t chat_length(std::string_view text) noexcept;

/// `text` cut to at most `limit` characters (`chat_length`) on a code point boundary, with
/// `…` at the end when something was cut.
std::string truncate_chat_text(std::string_view text, std::size_t limit);

/// `text` with `&`, `<` and `>` escaped as Slack requires (`&amp;`, `&lt;`, `&gt;`), so values
/// cannot form links or mentions.
std::string escape_slack(std::string_view text);

/// The `event` template: a generic deployment-style body.
void render_event_template(event_variables& vars, std::string& out);
/// The `tenant_envelope` template.
void render_tenant_envelope(event_variables& vars, std::string& out);
/// The `slack` template: an Incoming Webhook message.
void render_slack(event_variables& vars, std::string& out);
/// The `discord` template: a webhook message with one embed.
void render_discord(event_variables& vars, std::string& out);
/// The `n8n` template: every variable as one flat object.
void render_n8n(event_variables& vars, std::string& out);

} // namespace hookd
