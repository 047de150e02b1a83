#include "tests/support/test_db.hpp"

#include "storage/log_reader.hpp"

#include <stdexcept>

namespace hookd::test {

std::shared_ptr<const secret_box> test_secret_box() {
  static const auto box = [] {
    secret_box::key_type key{};
    for (std::size_t i = 0; i < key.size(); ++i)
      key[i] = static_cast<uint8_t>(i * 7 + 1);
    return std::make_shared<const secret_box>(key);
  }();
  return box;
}

storage::database_options test_db_options(bool read_only) {
  storage::database_options opts;
  opts.read_only = read_only;
  opts.secrets = test_secret_box();
  return opts;
}

address_policy loopback_policy() {
  address_policy p;
  p.allow_http = true;
  p.allow.push_back(*cidr::parse("127.0.0.0/8"));
  p.allow.push_back(*cidr::parse("::1"));
  return p;
}

webhook sample_webhook(std::string id, std::string tenant) {
  webhook w;
  w.name = id.substr(id.find('_') + 1);
  w.id = std::move(id);
  w.tenant = std::move(tenant);
  w.url = "https://receiver.example/hook";
  w.events = {"*"};
  w.secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  return w;
}

std::vector<event> read_log(const storage::database& db, std::string_view type) {
  std::vector<event> out;
  auto scanned = storage::log_reader{db}.scan(1, UINT64_MAX, [&](const event& e) {
    if (type.empty() || e.type == type)
      out.push_back(e);
    return true;
  });
  if (!scanned)
    throw std::runtime_error("reading the log: " + scanned.error().detail);
  return out;
}

} // namespace hookd::test
