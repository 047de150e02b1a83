#pragma once

#include "domain/problem.hpp"
#include "domain/webhook.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace hookd {

/// What a preview renders: a stored event, or a sample of a type, with a webhook's format.
struct preview_request {
  /// A stored event of the tenant to render.
  std::optional<std::string> event_id;
  /// The type of the sample to render when no event is named (default: the webhook's first
  /// subscription, or `deployment.succeeded`).
  std::optional<std::string> event_type;
  /// For `POST /v1/templates/preview`: a webhook holding the inline template and signature
  /// style (id `wh_preview`, a throwaway secret). Unused for a stored webhook's preview.
  webhook format;
};

/// Parses a `POST /v1/webhooks/{id}/preview` body: empty, or `{"event_id"?, "event_type"?}`.
parse_result<preview_request> parse_webhook_preview(std::string_view body);

/// Parses a `POST /v1/templates/preview` body of `tenant`: `{"template", "custom_template"?,
/// "signature"?, "signature_header"?, "event_id"?, "event_type"?}`. The template is checked as
/// on a webhook subscribed to the event type (or `*`).
parse_result<preview_request> parse_template_preview(std::string_view body, std::string tenant);

} // namespace hookd
