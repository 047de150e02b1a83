#include "domain/provisioning.hpp"

#include "domain/json_writer.hpp"
#include "domain/timestamp.hpp"

#include <simdjson.h>

#include <algorithm>

namespace hookd {

namespace {

constexpr std::size_t max_domains = 100;

void write_strings(json_writer& w, std::string_view key, const std::vector<std::string>& list) {
  w.key(key).begin_array();
  for (const auto& s : list)
    w.value(s);
  w.end_array();
}

void write_request(json_writer& w, const provisioning_request& req, std::string_view started_id,
                   std::string_view acme_path) {
  w.key("started_event_id").value(started_id);
  write_strings(w, "domains", req.domains);
  w.key("certificate_type").value(req.certificate_type);
  w.key("resolver").value(req.resolver);
  w.key("acme_path").value(acme_path);
}

bool valid_domain(std::string_view d) {
  if (d.empty() || d.size() > 253)
    return false;
  if (d.starts_with("*."))
    d.remove_prefix(2);
  return !d.empty() && std::all_of(d.begin(), d.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
  });
}

} // namespace

std::variant<provisioning_request, std::string> parse_provisioning_request(std::string_view data) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(data.data(), data.size()).get(root) != simdjson::SUCCESS)
    return std::string{"the data is not JSON"};
  provisioning_request req;
  simdjson::dom::array domains;
  if (root["domains"].get_array().get(domains) != simdjson::SUCCESS || domains.size() == 0 ||
      domains.size() > max_domains)
    return std::string{"'domains' must be an array of 1 to 100 domain names"};
  for (auto d : domains) {
    std::string_view name;
    if (d.get_string().get(name) != simdjson::SUCCESS || !valid_domain(name))
      return std::string{"'domains' holds something that is not a domain name"};
    req.domains.emplace_back(name);
  }
  std::string_view text;
  if (root["certificate_type"].get_string().get(text) == simdjson::SUCCESS)
    req.certificate_type = std::string{text};
  if (root["resolver"].get_string().get(text) == simdjson::SUCCESS)
    req.resolver = std::string{text};
  if (root["acme_path"].get_string().get(text) == simdjson::SUCCESS)
    req.acme_path = std::string{text};
  if (root["error_log"].get_string().get(text) == simdjson::SUCCESS)
    req.error_log = std::string{text};
  uint64_t seconds = 0;
  if (root["timeout_seconds"].get_uint64().get(seconds) == simdjson::SUCCESS) {
    if (seconds < 1 || seconds > 7 * 86400)
      return std::string{"'timeout_seconds' is 1 to 604800"};
    req.timeout_ms = static_cast<int64_t>(seconds) * 1000;
  }
  return req;
}

std::string provisioning_completed_data(const provisioning_request& req,
                                        std::string_view started_event_id,
                                        std::string_view acme_path,
                                        const std::vector<covered_domain>& covered) {
  json_writer w;
  w.begin_object();
  write_request(w, req, started_event_id, acme_path);
  if (!covered.empty())
    write_certificate_fields(w, covered.front().certificate);
  // Each distinct certificate (by fingerprint) with the requested domains it covers.
  w.key("certificates").begin_array();
  std::vector<std::string> seen;
  for (const auto& c : covered) {
    const auto& fp = c.certificate.fingerprint_sha256;
    if (std::find(seen.begin(), seen.end(), fp) != seen.end())
      continue;
    seen.push_back(fp);
    w.begin_object();
    std::vector<std::string> names;
    for (const auto& other : covered)
      if (other.certificate.fingerprint_sha256 == fp)
        names.push_back(other.domain);
    write_strings(w, "domains", names);
    write_certificate_fields(w, c.certificate);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return w.take();
}

std::string provisioning_failed_data(const provisioning_request& req,
                                     std::string_view started_event_id, std::string_view acme_path,
                                     std::string_view reason, std::string_view error,
                                     const std::vector<std::string>& missing, int64_t deadline_ms) {
  json_writer w;
  w.begin_object();
  write_request(w, req, started_event_id, acme_path);
  w.key("reason").value(reason);
  w.key("error").value(error);
  write_strings(w, "missing", missing);
  w.key("deadline").value(format_rfc3339(deadline_ms));
  w.end_object();
  return w.take();
}

std::string certificate_expiring_data(const certificate_info& info, std::string_view where,
                                      int64_t days, uint32_t threshold) {
  json_writer w;
  w.begin_object();
  w.key("source").value(where);
  w.key("days_left").value(days);
  w.key("threshold_days").value(static_cast<uint64_t>(threshold));
  w.key("expired").value(days < 0);
  write_certificate_fields(w, info);
  w.end_object();
  return w.take();
}

std::string expiry_alert_data(const std::vector<expiring_certificate>& certs,
                              uint32_t within_days) {
  json_writer w;
  w.begin_object();
  w.key("severity").value("warning");
  w.key("kind").value("certificate_expiry");
  auto n = certs.size();
  w.key("message").value(std::to_string(n) + (n == 1 ? " certificate" : " certificates") +
                         " expiring within " + std::to_string(within_days) + " days");
  w.key("count").value(static_cast<uint64_t>(n));
  w.key("within_days").value(static_cast<uint64_t>(within_days));
  w.key("certificates").begin_array();
  for (const auto& c : certs) {
    w.begin_object();
    w.key("subject").value(c.info.subject);
    w.key("serial").value(c.info.serial);
    w.key("not_after").value(format_rfc3339(c.info.not_after_ms));
    w.key("days_left").value(c.days);
    w.key("source").value(c.where);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return w.take();
}

} // namespace hookd
