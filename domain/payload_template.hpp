#pragma once

#include "domain/event.hpp"
#include "domain/event_variables.hpp"
#include "domain/problem.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookd {

/// The body a webhook's deliveries carry. See docs/templates.md for a sample of each.
enum class template_kind : uint8_t {
  /// `{"type","timestamp","data"}`, the Standard Webhooks envelope.
  standard,
  /// A generic deployment-style body: event, timestamp, id, tenant, labels, the sections
  /// derived from well-known data fields, and `data`.
  event,
  /// `{"event": <CamelCase type>, "timestamp": <unix seconds>, "tenant_id", "webhook_id",
  /// "data"}`, for receivers built for a certificate authority's format.
  tenant_envelope,
  /// A Slack Incoming Webhook message (Block Kit).
  slack,
  /// A Discord webhook message with one embed.
  discord,
  /// A flat object of every variable, for an n8n Webhook node.
  n8n,
  /// A user template with `${variable}` placeholders.
  custom,
};

/// Stable name of `k` (`tenant_envelope`), as the API shows it.
std::string_view to_string(template_kind k) noexcept;

/// The template named `name`, or nullopt.
std::optional<template_kind> parse_template_kind(std::string_view name) noexcept;

/// True for the templates whose receivers (Slack, Discord, n8n) take the secret in the URL, so
/// their deliveries may go unsigned.
bool allows_unsigned(template_kind k) noexcept;

/// Largest custom template, in bytes (16 KiB).
constexpr std::size_t max_custom_template_bytes = 16 * 1024;
/// Largest body any template may render, in bytes (1 MiB). A larger one fails the delivery
/// for good: the same event would render the same body again.
constexpr std::size_t max_rendered_body_bytes = 1024 * 1024;

/// A compiled custom template: literal JSON text with `${variable}` and `${data.path}`
/// placeholders. Rendering splices text and values; nothing is parsed but the event's data.
/// Immutable; thread-safe.
class custom_template {
 public:
  /// Compiles `text`. On failure, appends field errors at `field` (an unknown variable names
  /// it; an unclosed placeholder names its offset) and returns nullopt.
  static std::optional<custom_template> compile(std::string_view text, std::string_view field,
                                                std::vector<field_error>& errors);

  /// Appends the rendering for `vars` to `out`. A placeholder standing for a whole value
  /// becomes JSON (`null` when missing); one inside a string becomes escaped text (nothing
  /// when missing). The names of missing values are appended to `missing`, once each.
  void render(event_variables& vars, std::string& out, std::vector<std::string>& missing) const;

 private:
  struct piece {
    // Literal text when `placeholder` is false.
    std::string text;
    bool placeholder = false;
    // Inside a JSON string: escaped text instead of a JSON value.
    bool in_string = false;
    // A variable, or (when `pointer` is set) a path into the data.
    variable var = variable::data;
    std::optional<std::string> pointer;
  };
  std::vector<piece> pieces_;
};

/// The result of rendering one event.
struct rendered_payload {
  /// The body, when rendering succeeded.
  std::string body;
  /// Values a custom template used that the event lacks (`commitHash`, `data.build.url`).
  std::vector<std::string> missing;
  /// Why rendering failed (empty on success): a body over 1 MiB, or a custom template whose
  /// output is not JSON for this event.
  std::string error;

  /// True when `body` may be sent.
  bool ok() const noexcept { return error.empty(); }
};

/// Renders events with one webhook's template. Built once per configuration; immutable and
/// thread-safe afterwards.
class payload_renderer {
 public:
  /// The renderer of `kind`; `custom` holds the text of a `custom` template. A custom text
  /// that does not compile (checked when the webhook was saved) makes every render fail.
  explicit payload_renderer(template_kind kind = template_kind::standard,
                            std::string_view custom = {});

  /// Renders `e` delivered to webhook `webhook_id`.
  rendered_payload render(const event& e, std::string_view webhook_id) const;

  /// The template.
  template_kind kind() const noexcept { return kind_; }

 private:
  template_kind kind_;
  std::shared_ptr<const custom_template> custom_;
};

/// Checks a webhook's template when it is saved: a custom template must be present, at most
/// 16 KiB, use known variables, and render valid JSON for a sample event of each of
/// `patterns` (the webhook's subscriptions). Errors go to `/custom_template`.
void check_template(template_kind kind, std::string_view custom,
                    const std::vector<std::string>& patterns, std::vector<field_error>& errors);

/// An event of `type` with representative data, for previews and template checks: a deployment
/// for `deployment.*` and `build.*`, domains for `domain.*`, a certificate for `certificate.*`,
/// a push for `git.*`, a small object otherwise. `now_ms` is its time.
event sample_event(std::string_view type, std::string_view tenant, int64_t now_ms);

/// A concrete event type for subscription `pattern`: the pattern itself, `prefix.sample` for
/// `prefix.*`, and `deployment.succeeded` for `*`.
std::string sample_type(std::string_view pattern);

} // namespace hookd
