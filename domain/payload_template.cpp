#include "domain/payload_template.hpp"

#include "domain/builtin_templates.hpp"
#include "domain/delivery_message.hpp"
#include "domain/event_type.hpp"
#include "domain/json_writer.hpp"
#include "domain/timestamp.hpp"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

namespace hookd {

namespace {

constexpr std::array<std::string_view, 7> names{"standard", "event", "tenant_envelope", "slack",
                                                "discord",  "n8n",   "custom"};

bool is_path_segment(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

// `build.url` as the JSON pointer `/build/url`; nullopt when a segment is empty or holds
// anything but letters, digits, `_` and `-`.
std::optional<std::string> data_pointer(std::string_view path) {
  std::string pointer;
  while (true) {
    auto dot = path.find('.');
    auto seg = path.substr(0, dot);
    if (!is_path_segment(seg))
      return std::nullopt;
    pointer += '/';
    pointer += seg;
    if (dot == std::string_view::npos)
      return pointer;
    path.remove_prefix(dot + 1);
  }
}

// Why `body` is not one JSON document, or empty when it is.
std::string json_problem(std::string_view body) {
  thread_local simdjson::dom::parser validator;
  simdjson::dom::element ignored;
  auto err = validator.parse(body.data(), body.size(), true).get(ignored);
  return err == simdjson::SUCCESS ? std::string{} : std::string{simdjson::error_message(err)};
}

} // namespace

std::string_view to_string(template_kind k) noexcept {
  return names[static_cast<std::size_t>(k)];
}

std::optional<template_kind> parse_template_kind(std::string_view name) noexcept {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name)
      return static_cast<template_kind>(i);
  return std::nullopt;
}

bool allows_unsigned(template_kind k) noexcept {
  return k == template_kind::slack || k == template_kind::discord || k == template_kind::n8n;
}

// -- custom templates ------------------------------------------------------------------------

std::optional<custom_template> custom_template::compile(std::string_view text,
                                                        std::string_view field,
                                                        std::vector<field_error>& errors) {
  auto before = errors.size();
  if (text.size() > max_custom_template_bytes) {
    errors.push_back({std::string{field}, "too_long", "a custom template is at most 16 KiB",
                      max_custom_template_bytes});
    return std::nullopt;
  }
  custom_template t;
  std::string literal;
  bool in_string = false;
  auto flush = [&] {
    if (!literal.empty())
      t.pieces_.push_back({std::move(literal), false, false, variable::data, std::nullopt});
    literal.clear();
  };
  for (std::size_t i = 0; i < text.size();) {
    char c = text[i];
    if (in_string && c == '\\' && i + 1 < text.size()) {
      literal.append(text.substr(i, 2)); // An escape: the next character is not special.
      i += 2;
      continue;
    }
    if (c == '$' && i + 1 < text.size() && text[i + 1] == '{') {
      auto close = text.find('}', i + 2);
      if (close == std::string_view::npos) {
        errors.push_back({std::string{field},
                          "format",
                          "the placeholder at byte " + std::to_string(i) + " has no closing '}'",
                          {}});
        break;
      }
      auto name = text.substr(i + 2, close - i - 2);
      piece p{{}, true, in_string, variable::data, std::nullopt};
      if (name.starts_with("data.")) {
        p.pointer = data_pointer(name.substr(5));
        if (!p.pointer)
          errors.push_back({std::string{field},
                            "format",
                            "'${" + std::string{name} +
                                "}': a data path is dot-separated names of letters, digits, _ "
                                "and -",
                            {}});
      } else if (auto v = find_variable(name)) {
        p.var = *v;
      } else {
        errors.push_back({std::string{field},
                          "unknown_variable",
                          "unknown variable '" + std::string{name} +
                              "' (see docs/templates.md for the list, or use ${data.path})",
                          {}});
      }
      flush();
      t.pieces_.push_back(std::move(p));
      i = close + 1;
      continue;
    }
    if (c == '"')
      in_string = !in_string;
    literal.push_back(c);
    ++i;
  }
  flush();
  if (errors.size() != before)
    return std::nullopt;
  return t;
}

void custom_template::render(event_variables& vars, std::string& out,
                             std::vector<std::string>& missing) const {
  for (const auto& p : pieces_) {
    if (out.size() > max_rendered_body_bytes)
      return; // The caller fails it; stop growing.
    if (!p.placeholder) {
      out += p.text;
      continue;
    }
    if (!p.pointer && p.var == variable::data) {
      // The data, spliced from the stored bytes.
      if (p.in_string)
        append_json_escaped(out, vars.ev().data);
      else
        out += vars.ev().data;
      continue;
    }
    template_value field;
    const auto& value = p.pointer ? (field = vars.data_field(*p.pointer)) : vars.get(p.var);
    if (value.kind == value_kind::missing) {
      auto name = p.pointer ? "data" + *p.pointer : std::string{variable_name(p.var)};
      std::replace(name.begin() + 4 * bool(p.pointer), name.end(), '/', '.');
      if (std::find(missing.begin(), missing.end(), name) == missing.end())
        missing.push_back(std::move(name));
    }
    if (p.in_string)
      append_json_escaped(out, value.text);
    else
      out += value.json;
  }
}

// -- rendering -------------------------------------------------------------------------------

payload_renderer::payload_renderer(template_kind kind, std::string_view custom) : kind_(kind) {
  if (kind == template_kind::custom) {
    std::vector<field_error> ignored;
    if (auto t = custom_template::compile(custom, "", ignored))
      custom_ = std::make_shared<const custom_template>(std::move(*t));
  }
}

rendered_payload payload_renderer::render(const event& e, std::string_view webhook_id) const {
  rendered_payload r;
  if (kind_ == template_kind::standard) {
    r.body = render_standard_envelope(e);
  } else {
    event_variables vars{e, webhook_id};
    switch (kind_) {
    case template_kind::event:
      render_event_template(vars, r.body);
      break;
    case template_kind::tenant_envelope:
      render_tenant_envelope(vars, r.body);
      break;
    case template_kind::slack:
      render_slack(vars, r.body);
      break;
    case template_kind::discord:
      render_discord(vars, r.body);
      break;
    case template_kind::n8n:
      render_n8n(vars, r.body);
      break;
    case template_kind::custom:
      if (!custom_) {
        r.error = "the custom template does not compile";
        return r;
      }
      custom_->render(vars, r.body, r.missing);
      break;
    case template_kind::standard:
      break;
    }
  }
  if (r.body.size() > max_rendered_body_bytes) {
    r.error = "the rendered body exceeds " + std::to_string(max_rendered_body_bytes) + " bytes";
    r.body.clear();
  } else if (kind_ == template_kind::custom) {
    // Placeholders in odd places (a key) can break the document for some events only.
    if (auto why = json_problem(r.body); !why.empty()) {
      r.error = "the custom template rendered invalid JSON for this event: " + why;
      r.body.clear();
    }
  }
  return r;
}

void check_template(template_kind kind, std::string_view custom,
                    const std::vector<std::string>& patterns, std::vector<field_error>& errors) {
  if (kind != template_kind::custom)
    return;
  if (custom.empty()) {
    errors.push_back({"/custom_template",
                      "required",
                      "'custom_template' is required with the custom template",
                      {}});
    return;
  }
  if (!custom_template::compile(custom, "/custom_template", errors))
    return;
  payload_renderer renderer{kind, custom};
  std::set<std::string> types;
  for (const auto& p : patterns)
    types.insert(sample_type(p));
  for (const auto& type : types) {
    auto sample = sample_event(type, "tenant_sample", 1767225600000);
    auto r = renderer.render(sample, "wh_sample");
    if (!r.ok()) {
      errors.push_back({"/custom_template",
                        "invalid_output",
                        "for a sample '" + type + "' event: " + r.error,
                        {}});
      return;
    }
  }
}

// -- samples ---------------------------------------------------------------------------------

std::string sample_type(std::string_view pattern) {
  auto p = event_type_pattern::parse(pattern);
  if (!p || p->form() == event_type_pattern::kind::any)
    return "deployment.succeeded";
  if (p->form() == event_type_pattern::kind::prefix)
    return p->stem() + ".sample";
  return p->stem();
}

event sample_event(std::string_view type, std::string_view tenant, int64_t now_ms) {
  event e;
  e.seq = 0;
  e.received_at_ms = now_ms;
  e.tenant = tenant;
  e.id = "evt_sample";
  e.type = type;
  auto last = type.substr(type.rfind('.') == std::string_view::npos ? 0 : type.rfind('.') + 1);
  auto started = format_rfc3339(now_ms - 83'000);
  auto finished = format_rfc3339(now_ms);
  json_writer w;
  w.begin_object();
  if (type.starts_with("deployment.") || type.starts_with("build.")) {
    bool failed = last == "failed" || last == "error";
    e.labels = {{"application_id", "app_sample"}, {"project_id", "prj_sample"}};
    w.key("deployment").begin_object();
    w.key("id").value("dep_sample").key("status").value(last);
    w.key("startedAt").value(started).key("finishedAt").value(finished);
    w.key("duration").value(83).end_object();
    w.key("application").begin_object().key("id").value("app_sample");
    w.key("name").value("sample-app").key("type").value("application");
    w.key("url").value("https://app.example.com");
    w.key("domains").begin_array().value("app.example.com").end_array().end_object();
    w.key("project").begin_object().key("id").value("prj_sample");
    w.key("name").value("Sample project").end_object();
    w.key("source").begin_object().key("type").value("github").key("branch").value("main");
    w.key("commit").value("4f2c9e1b7a0d3c5e8f6a1b2c3d4e5f60718293a4");
    w.key("repository").value("acme/sample-app").end_object();
    w.key("trigger").begin_object().key("type").value("push");
    w.key("triggeredBy").value("octocat").end_object();
    w.key("logsUrl").value("https://deploy.example.com/deployments/dep_sample/logs");
    if (failed) {
      w.key("error").begin_object().key("message").value("Build step exited with code 1");
      w.key("stage").value("build").key("logs").value("npm ERR! missing script: build");
      w.end_object();
    }
  } else if (type.starts_with("domain.")) {
    e.labels = {{"server_id", "srv_sample"}};
    w.key("domains").begin_array().value("example.com").value("www.example.com").end_array();
    w.key("certificate_type").value("http-01").key("resolver").value("letsencrypt");
  } else if (type.starts_with("certificate.")) {
    w.key("serial").value("04a1b2c3d4e5f60718293a4b5c6d7e8f");
    w.key("subject").value("CN=example.com").key("issuer").value("CN=Sample CA");
    w.key("sans").begin_array().value("example.com").value("www.example.com").end_array();
    w.key("not_before").value(format_rfc3339(now_ms - 60LL * 86'400'000));
    w.key("not_after").value(format_rfc3339(now_ms + 30LL * 86'400'000));
    w.key("status").value(last);
  } else if (type.starts_with("git.")) {
    w.key("provider").value("github").key("repository").value("acme/sample-app");
    w.key("branch").value("main").key("ref").value("refs/heads/main");
    w.key("before").value("0000000000000000000000000000000000000000");
    w.key("after").value("4f2c9e1b7a0d3c5e8f6a1b2c3d4e5f60718293a4");
    w.key("commits").begin_array().begin_object().key("id").value("4f2c9e1");
    w.key("message").value("Fix the build").key("author").value("octocat").end_object();
    w.end_array();
    w.key("pusher").value("octocat");
  } else {
    w.key("id").value("obj_sample").key("status").value(last);
  }
  w.end_object();
  e.data = w.take();
  return e;
}

} // namespace hookd
