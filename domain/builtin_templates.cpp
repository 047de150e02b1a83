#include "domain/builtin_templates.hpp"

#include "domain/ascii.hpp"
#include "domain/json_writer.hpp"
#include "domain/url.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <initializer_list>
#include <utility>
#include <vector>

namespace hookd {

namespace {

struct outcome_style {
  std::string_view name;
  std::string_view emoji;
  std::string_view slack_colour;
  int64_t discord_colour;
};

constexpr std::array<outcome_style, 6> styles{{
    {"success", "\u2705", "#2EB67D", 0x2EB67D},
    {"failed", "\u274C", "#E01E5A", 0xE01E5A},
    {"cancelled", "\U0001F6AB", "#9E9E9E", 0x9E9E9E},
    {"started", "\U0001F680", "#36C5F0", 0x36C5F0},
    {"expiring", "\u26A0\uFE0F", "#ECB22E", 0xECB22E},
    {"info", "\u2139\uFE0F", "#4A90D9", 0x4A90D9},
}};

const outcome_style& style(outcome o) {
  return styles[static_cast<std::size_t>(o)];
}

// The outcome a status word or type segment names, if it names one.
std::optional<outcome> outcome_of_word(std::string_view word) {
  auto w = ascii_lower(word);
  auto in = [&](std::initializer_list<std::string_view> list) {
    return std::find(list.begin(), list.end(), w) != list.end();
  };
  if (in({"succeeded", "success", "successful", "completed", "complete", "done", "ready",
          "deployed", "healthy", "issued", "renewed", "created", "passed", "ok", "finished",
          "active", "provisioned"}))
    return outcome::success;
  if (in({"failed", "failure", "error", "errored", "crashed", "unhealthy", "rejected", "timed_out",
          "timeout"}))
    return outcome::failed;
  if (in({"cancelled", "canceled", "aborted", "skipped", "stopped"}))
    return outcome::cancelled;
  if (in({"started", "queued", "pending", "running", "building", "deploying", "in_progress",
          "triggered", "initiated"}))
    return outcome::started;
  if (in({"expiring", "expired", "expires", "expiry"}))
    return outcome::expiring;
  return std::nullopt;
}

// Code points of valid UTF-8 one at a time (an invalid byte counts as one).
template <class F> void for_each_code_point(std::string_view text, F f) {
  for (std::size_t i = 0; i < text.size();) {
    auto n = std::max<std::size_t>(1, utf8_sequence_length(text, i));
    f(text.substr(i, n), n == 4 ? 2 : 1); // Four bytes: past the BMP, a surrogate pair.
    i += n;
  }
}

// A person-readable line of facts about an event, shared by the Slack and Discord messages.
struct fact {
  std::string_view name;
  std::string value;
};

std::vector<fact> facts_of(event_variables& v) {
  std::vector<fact> out;
  auto add = [&](std::string_view name, std::string value) {
    if (!value.empty())
      out.push_back({name, std::move(value)});
  };
  auto either = [&](variable a, variable b) {
    const auto& x = v.get(a);
    return x.present() ? x.text : v.get(b).text;
  };
  add("Application", either(variable::application_name, variable::application_id));
  add("Project", either(variable::project_name, variable::project_id));
  add("Status", v.get(variable::status).text);
  add("Branch", v.get(variable::branch).text);
  // A hash shortened as git shows it; anything else kept whole.
  auto commit = v.get(variable::commit_hash).text;
  bool hash = std::all_of(commit.begin(), commit.end(),
                          [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
  add("Commit", hash && commit.size() > 7 ? commit.substr(0, 7) : commit);
  add("Duration", format_duration(v.get(variable::duration)));
  add("Domains", v.get(variable::domains).text);
  add("Triggered by", v.get(variable::triggered_by).text);
  add("Repository", v.get(variable::repository).text);
  return out;
}

// The URL a message's button or title links to: the logs, else the application.
std::string link_of(event_variables& v) {
  for (auto which : {variable::logs_url, variable::application_url}) {
    const auto& u = v.get(which);
    // A URL Slack and Discord accept: http(s), and nothing that ends or breaks a link.
    bool plain = std::all_of(u.text.begin(), u.text.end(), [](char c) {
      return static_cast<unsigned char>(c) > ' ' &&
             std::string_view{"<>\"|\\^`{}"}.find(c) == std::string_view::npos;
    });
    if (u.kind == value_kind::string && plain && parse_url(u.text))
      return u.text;
  }
  return {};
}

// "✅ Deployment succeeded: my-app".
std::string title_of(event_variables& v, outcome o) {
  std::string title{style(o).emoji};
  title += ' ';
  title += humanize_type(v.ev().type);
  const auto& name = v.get(variable::application_name);
  const auto& app = name.present() ? name : v.get(variable::application_id);
  if (app.present())
    title += ": " + app.text;
  return title;
}

// The error line: "Error in build: <message>", or empty.
std::string error_line(event_variables& v) {
  const auto& message = v.get(variable::error_message);
  if (!message.present())
    return {};
  const auto& stage = v.get(variable::failed_stage);
  return stage.present() ? "Error in " + stage.text + ": " + message.text
                         : "Error: " + message.text;
}

// Escaped for Slack, then cut to `limit` without leaving half an entity at the end.
std::string slack_text(std::string_view text, std::size_t limit) {
  auto escaped = escape_slack(text);
  if (chat_length(escaped) <= limit)
    return escaped;
  auto cut = truncate_chat_text(escaped, limit);
  auto amp = cut.rfind('&');
  if (amp != std::string::npos && cut.find(';', amp) == std::string::npos)
    cut = cut.substr(0, amp) + "\u2026";
  return cut;
}

void plain_text(json_writer& w, std::string_view text) {
  w.begin_object().key("type").value("plain_text").key("text").value(text);
  w.key("emoji").value(true).end_object();
}

void mrkdwn(json_writer& w, std::string_view text) {
  w.begin_object().key("type").value("mrkdwn").key("text").value(text).end_object();
}

// A section of the `event` template: the members among `members` the event has, or nothing.
void section(json_writer& w, event_variables& v, std::string_view name,
             std::initializer_list<std::pair<std::string_view, variable>> members) {
  bool any = std::any_of(members.begin(), members.end(),
                         [&](const auto& m) { return v.get(m.second).present(); });
  if (!any)
    return;
  w.key(name).begin_object();
  for (const auto& [key, var] : members)
    if (const auto& x = v.get(var); x.present())
      w.key(key).raw(x.json);
  w.end_object();
}

} // namespace

std::string_view to_string(outcome o) noexcept {
  return style(o).name;
}

outcome classify_outcome(event_variables& vars) {
  const auto& status = vars.get(variable::status);
  if (status.kind == value_kind::string)
    if (auto o = outcome_of_word(status.text))
      return *o;
  std::string_view type = vars.ev().type;
  auto dot = type.rfind('.');
  if (auto o = outcome_of_word(dot == std::string_view::npos ? type : type.substr(dot + 1)))
    return *o;
  return outcome::info;
}

std::string camel_case_type(std::string_view type) {
  std::string out;
  bool upper = true;
  for (char c : type) {
    if (c == '.' || c == '_' || c == '-') {
      upper = true;
      continue;
    }
    out.push_back(upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c);
    upper = false;
  }
  return out;
}

std::string humanize_type(std::string_view type) {
  std::string out;
  for (char c : type)
    out.push_back(c == '.' || c == '_' || c == '-' ? ' ' : c);
  if (!out.empty())
    out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

std::size_t chat_length(std::string_view text) noexcept {
  std::size_t n = 0;
  for_each_code_point(text, [&](std::string_view, std::size_t units) { n += units; });
  return n;
}

std::string truncate_chat_text(std::string_view text, std::size_t limit) {
  if (chat_length(text) <= limit)
    return std::string{text};
  std::string out;
  std::size_t used = 0;
  bool full = false;
  // Room for the ellipsis (one unit).
  for_each_code_point(text, [&](std::string_view cp, std::size_t units) {
    if (full || used + units + 1 > limit) {
      full = true;
      return;
    }
    out.append(cp);
    used += units;
  });
  if (limit > 0)
    out += "\u2026";
  return out;
}

std::string escape_slack(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    default:
      out.push_back(c);
    }
  }
  return out;
}

void render_event_template(event_variables& v, std::string& out) {
  json_writer w;
  const auto& e = v.ev();
  w.begin_object();
  w.key("event").value(e.type);
  w.key("timestamp").raw(v.get(variable::timestamp).json);
  w.key("id").value(e.id);
  w.key("tenant").value(e.tenant);
  w.key("labels").begin_object();
  for (const auto& l : e.labels)
    w.key(l.key).value(l.value);
  w.end_object();
  section(w, v, "deployment",
          {{"id", variable::deployment_id},
           {"status", variable::status},
           {"startedAt", variable::started_at},
           {"finishedAt", variable::finished_at},
           {"duration", variable::duration}});
  section(w, v, "application",
          {{"id", variable::application_id},
           {"name", variable::application_name},
           {"type", variable::application_type},
           {"url", variable::application_url},
           {"domains", variable::domains}});
  section(w, v, "project", {{"id", variable::project_id}, {"name", variable::project_name}});
  section(w, v, "source",
          {{"type", variable::source_type},
           {"branch", variable::branch},
           {"commit", variable::commit_hash},
           {"repository", variable::repository}});
  section(w, v, "trigger",
          {{"type", variable::trigger_type}, {"triggeredBy", variable::triggered_by}});
  section(w, v, "error",
          {{"message", variable::error_message},
           {"stage", variable::failed_stage},
           {"logs", variable::error_logs}});
  w.key("data").raw(e.data);
  w.end_object();
  out += w.str();
}

void render_tenant_envelope(event_variables& v, std::string& out) {
  const auto& e = v.ev();
  json_writer w;
  w.begin_object();
  w.key("event").value(camel_case_type(e.type));
  w.key("timestamp").value(e.occurred_at_ms.value_or(e.received_at_ms) / 1000);
  w.key("tenant_id").value(e.tenant);
  w.key("webhook_id").value(v.get(variable::webhook_id).text);
  w.key("data").raw(e.data);
  w.end_object();
  out += w.str();
}

void render_n8n(event_variables& v, std::string& out) {
  json_writer w;
  w.begin_object();
  for (const auto& info : variables()) {
    w.key(info.name);
    if (info.id == variable::data)
      w.raw(v.ev().data); // Spliced: never copied through a value.
    else
      w.raw(v.get(info.id).json);
  }
  w.end_object();
  out += w.str();
}

void render_slack(event_variables& v, std::string& out) {
  namespace lim = slack_limits;
  auto o = classify_outcome(v);
  auto title = title_of(v, o);
  auto facts = facts_of(v);
  auto error = error_line(v);
  auto link = link_of(v);
  const auto& e = v.ev();

  json_writer w;
  w.begin_object();
  w.key("text").value(slack_text(error.empty() ? title : title + "\n" + error, lim::fallback_text));
  w.key("blocks").begin_array();
  w.begin_object().key("type").value("header").key("text");
  plain_text(w, truncate_chat_text(title, lim::header_text));
  w.end_object();
  w.end_array();
  // Colour needs an attachment; its blocks carry the details beside the coloured bar.
  w.key("attachments").begin_array().begin_object();
  w.key("color").value(style(o).slack_colour);
  w.key("blocks").begin_array();
  if (!facts.empty()) {
    w.begin_object().key("type").value("section").key("fields").begin_array();
    for (std::size_t i = 0; i < facts.size() && i < lim::fields_per_section; ++i)
      mrkdwn(w, slack_text("*" + std::string{facts[i].name} + "*\n" + facts[i].value,
                           lim::field_text));
    w.end_array().end_object();
  }
  if (!error.empty()) {
    w.begin_object().key("type").value("section").key("text");
    mrkdwn(w, slack_text(error, lim::section_text));
    w.end_object();
  }
  if (!link.empty() && link.size() <= lim::button_url) {
    auto label = v.get(variable::logs_url).text == link ? "View logs" : "Open application";
    w.begin_object().key("type").value("actions").key("elements").begin_array();
    w.begin_object().key("type").value("button").key("text");
    plain_text(w, label);
    w.key("url").value(link).end_object();
    w.end_array().end_object();
  }
  w.begin_object().key("type").value("context").key("elements").begin_array();
  mrkdwn(w, slack_text(e.type + " \u00B7 " + e.id + " \u00B7 " + v.get(variable::timestamp).text,
                       lim::context_text));
  w.end_array().end_object();
  w.end_array();
  w.end_object().end_array();
  w.end_object();
  out += w.str();
}

void render_discord(event_variables& v, std::string& out) {
  namespace lim = discord_limits;
  auto o = classify_outcome(v);
  auto title = truncate_chat_text(title_of(v, o), lim::title);
  auto footer = truncate_chat_text("hookd \u00B7 " + v.ev().id, lim::footer_text);
  auto link = link_of(v);
  auto facts = facts_of(v);
  auto error = error_line(v);
  // Everything counted towards the 6000-character total is spent in this order: title,
  // footer, fields, description.
  std::size_t budget = lim::total - chat_length(title) - chat_length(footer);

  json_writer w;
  w.begin_object();
  w.key("content").value(truncate_chat_text(title, lim::content));
  // Values come from events: never let them ping @everyone, roles or users.
  w.key("allowed_mentions").begin_object().key("parse").begin_array().end_array().end_object();
  w.key("embeds").begin_array().begin_object();
  w.key("title").value(title);
  if (!link.empty())
    w.key("url").value(link);
  w.key("color").value(style(o).discord_colour);
  w.key("timestamp").value(v.get(variable::timestamp).text);
  w.key("fields").begin_array();
  for (std::size_t i = 0; i < facts.size() && i < lim::fields; ++i) {
    auto name = std::string{facts[i].name};
    auto room = std::min(lim::field_value, budget > name.size() ? budget - name.size() : 0);
    if (room < 2)
      break;
    auto value = truncate_chat_text(facts[i].value, room);
    budget -= name.size() + chat_length(value);
    w.begin_object().key("name").value(name).key("value").value(value);
    w.key("inline").value(true).end_object();
  }
  w.end_array();
  auto description = error.empty() ? "`" + v.ev().type + "`" : error;
  if (auto room = std::min(lim::description, budget); room >= 2)
    w.key("description").value(truncate_chat_text(description, room));
  w.key("footer").begin_object().key("text").value(footer).end_object();
  w.end_object().end_array();
  w.end_object();
  out += w.str();
}

} // namespace hookd
