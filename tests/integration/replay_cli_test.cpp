// `hookd replay events` and `hookd replay verify` against a real data folder: run while the
// server is up (a read-only open, no lock taken), filters that combine, each output format,
// clear errors, and a tampered record found at its sequence number.

#include "cli/master_key.hpp"
#include "storage/byte_codec.hpp"
#include "storage/database.hpp"
#include "storage/records.hpp"
#include "tests/support/api_steps.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/receiver.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_server.hpp"

#include <catch2/catch.hpp>
#include <rocksdb/db.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <sstream>

using namespace hookd;

namespace {

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss{text};
  for (std::string line; std::getline(ss, line);)
    out.push_back(line);
  return out;
}

test::command_result replay(const std::filesystem::path& data, std::vector<std::string> args) {
  args.insert(args.begin(), {"replay", "--data", data.string()});
  return test::run_command(HOOKD_BINARY, args);
}

// Creates tenants acme and globex through `c` (admin `token`) and returns a key with `scopes`
// (a JSON array) for each, by tenant.
std::map<std::string, std::string> two_tenants(test::http_client& c, const std::string& token,
                                               const std::string& scopes) {
  std::map<std::string, std::string> keys;
  for (std::string t : {"acme", "globex"}) {
    REQUIRE(c.request("POST", "/v1/tenants", R"({"id":")" + t + R"(","name":"T"})", token).status ==
            201);
    auto k = c.request("POST", "/v1/api-keys",
                       R"({"tenant":")" + t + R"(","scopes":)" + scopes + "}", token);
    REQUIRE(k.status == 201);
    keys[t] = test::json_string(k.body, "key");
  }
  return keys;
}

// Opens the (stopped) server's database for writing, to tamper with it.
std::unique_ptr<storage::database> open_for_tampering(const std::filesystem::path& data) {
  auto master = cli::load_master_key(data, "", nullptr);
  REQUIRE(master);
  storage::database_options opts;
  opts.secrets = master->box;
  auto db = storage::database::open(data / "db", opts);
  REQUIRE(db);
  return std::move(*db);
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in{p, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, {}};
}

void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out{p, std::ios::binary | std::ios::trunc};
  out << text;
}

// A copy of the data folder, to tamper with one way.
std::filesystem::path copy_of(const std::filesystem::path& data, const std::string& name) {
  auto copy = data.parent_path() / name;
  std::filesystem::copy(data, copy, std::filesystem::copy_options::recursive);
  return copy;
}

std::string join(const std::vector<std::string>& rows) {
  std::string out;
  for (const auto& r : rows)
    out += r + "\n";
  return out;
}

} // namespace

TEST_CASE("replay: listings while the server runs, filters, formats and verification",
          "[cli][replay]") {
  test::temp_dir dir;
  auto data = dir.path() / "data";
  const std::string token = "replay-admin-token-0123456";
  std::map<std::string, std::string> env{{"HOOKD_ADMIN_TOKEN", token}};
  std::vector<std::string> ids;
  std::string head_line;
  {
    test::hookd_process proc{HOOKD_BINARY, data.string(), env};
    REQUIRE(proc.port() != 0);
    test::http_client c{proc.port()};
    auto keys = two_tenants(c, token, R"(["ingest","read"])");
    const std::vector<std::pair<std::string, std::string>> sent{
        {"acme", R"({"type":"deployment.started","labels":{"app":"a1"},"data":{"n":1}})"},
        {"acme",
         R"({"type":"deployment.failed","labels":{"app":"a1"},"data":{"n":2,"why":"x, \"y\""}})"},
        {"globex", R"({"type":"deployment.started","labels":{"app":"a1"},"data":{"n":3}})"},
        {"acme", R"({"type":"build.started","labels":{"app":"a2"},"data":{"n":4}})"},
        {"acme", R"({"type":"deployment.started","labels":{"app":"a2"},"data":{"n":5}})"}};
    for (const auto& [t, body] : sent)
      ids.push_back(test::post_event_id(c, keys[t], body));

    // While the server runs: every event, in log order.
    auto all = replay(data, {"events"});
    REQUIRE(all.status == 0);
    auto rows = lines(all.out);
    REQUIRE(rows.size() == 6); // header + 5
    for (std::size_t i = 0; i < ids.size(); ++i)
      CHECK(rows[i + 1].find(ids[i]) != std::string::npos);

    // Filters combine (and): tenant, type pattern, label.
    auto some = replay(data, {"events", "--tenant", "acme", "--type", "deployment.*", "--label",
                              "app=a1", "--format", "ndjson"});
    REQUIRE(some.status == 0);
    auto picked = lines(some.out);
    REQUIRE(picked.size() == 2);
    CHECK(picked[0].find(ids[0]) != std::string::npos);
    CHECK(picked[1].find(ids[1]) != std::string::npos);
    CHECK(picked[1].find(R"("data":{"n":2,"why":"x, \"y\""})") != std::string::npos);
    CHECK(picked[1].find(R"("hash":")") != std::string::npos);
    auto two_types = replay(
        data, {"events", "--type", "build.*", "--type", "deployment.failed", "--format", "csv"});
    auto csv = lines(two_types.out);
    REQUIRE(csv.size() == 3);
    CHECK(csv[0] == "seq,received_at,tenant,id,type,labels,hash");
    CHECK(csv[1].find(ids[1]) != std::string::npos);
    CHECK(csv[2].find(ids[3]) != std::string::npos);
    CHECK(replay(data, {"events", "--since", "-1h"}).out == all.out);
    auto none = replay(data, {"events", "--until", "2000-01-01T00:00:00Z", "--format", "ndjson"});
    CHECK(none.status == 0);
    CHECK(none.out.empty());
    CHECK(replay(data, {"events", "--since", "yesterday"}).status == 2);
    CHECK(replay(data, {"events", "--label", "novalue"}).status == 2);

    auto verified = replay(data, {"verify"});
    INFO(verified.out);
    REQUIRE(verified.status == 0);
    CHECK(verified.out.find("intact: 5 records, seq 1 to 5") != std::string::npos);
    for (const auto& l : lines(verified.out))
      if (l.starts_with("head: "))
        head_line = l;
    REQUIRE(!head_line.empty());
    // The server was not disturbed: it still takes events.
    test::post_event_id(c, keys["acme"], R"({"type":"x.y","data":{}})");
    CHECK(proc.stop(SIGTERM) == 0);
  }
  CHECK(replay(dir.path() / "missing", {"verify"}).status == 3);
  CHECK(replay(dir.path() / "missing", {"events"}).status == 3);

  // From the noted anchor (seq 5): only what came after it is checked.
  auto anchor = head_line.substr(6);
  auto after = replay(data, {"verify", "--from-anchor", anchor});
  CHECK(after.status == 0);
  CHECK(after.out.find("intact: 1 records, seq 6 to 6") != std::string::npos);
  CHECK(replay(data, {"verify", "--from-anchor", "abc@5"}).status == 2);

  // One byte of event 3's stored data changed: found at seq 3.
  {
    auto db = open_for_tampering(data);
    auto key = storage::seq_key(3);
    std::string value;
    REQUIRE(db->db()->Get({}, db->handle(storage::column::events), key, &value).ok());
    auto at = value.find(R"("n":3)");
    REQUIRE(at != std::string::npos);
    value[at + 4] = '4';
    REQUIRE(db->db()->Put({}, db->handle(storage::column::events), key, value).ok());
  }
  auto broken = replay(data, {"verify"});
  CHECK(broken.status == 1);
  CHECK(broken.out.find("BROKEN at seq 3") != std::string::npos);
  // Up to seq 2 it is intact; an anchor that no longer matches its record is refused.
  CHECK(replay(data, {"verify", "--to", "2"}).status == 0);
  auto wrong_anchor = replay(data, {"verify", "--from-anchor", std::string(64, '0') + "@2"});
  CHECK(wrong_anchor.status == 1);
  CHECK(wrong_anchor.out.find("BROKEN at seq 2: the record's hash differs from the anchor") !=
        std::string::npos);
}

TEST_CASE("replay: show reproduces a delivery that failed twice, then succeeded", "[cli][replay]") {
  test::temp_dir dir;
  auto data = dir.path() / "data";
  const std::string token = "replay-admin-token-0123456";
  std::map<std::string, std::string> env{
      {"HOOKD_ADMIN_TOKEN", token}, {"HOOKD_ALLOW_HTTP", "1"}, {"HOOKD_ALLOW_NET", "127.0.0.1"}};
  std::atomic<int> calls{0};
  test::receiver rx{[&](const test::received_request&) {
    auto n = ++calls;
    return n <= 2 ? test::reply{503, "busy " + std::to_string(n), {}} : test::reply{200, "ok", {}};
  }};
  test::hookd_process proc{HOOKD_BINARY, data.string(), env};
  REQUIRE(proc.port() != 0);
  test::http_client c{proc.port()};
  REQUIRE(c.request("POST", "/v1/tenants", R"({"id":"acme","name":"A"})", token).status == 201);
  auto k = c.request("POST", "/v1/api-keys",
                     R"({"tenant":"acme","scopes":["ingest","read","manage"]})", token);
  auto key = test::json_string(k.body, "key");
  auto hook = test::create_webhook_id(
      c, key, "flaky", rx.port(),
      R"("events":["deployment.*"],"retry":{"attempts":5,"base_seconds":1,"max_seconds":1})");
  auto other = test::create_webhook_id(c, key, "other", rx.port(), R"("events":["build.*"])");
  auto id = test::post_event_id(c, key, R"({"type":"deployment.failed","data":{"n":1}})");
  auto history =
      test::poll_get(c, key, "/v1/events/" + id + "/deliveries", [](const std::string& b) {
        return b.find(R"("state":"delivered")") != std::string::npos;
      });
  REQUIRE(history.find(R"("state":"delivered")") != std::string::npos);

  // While the server runs, by id (with the tenant) and by sequence number: the same story.
  auto shown = replay(data, {"show", id, "--tenant", "acme"});
  INFO(shown.out);
  REQUIRE(shown.status == 0);
  CHECK(replay(data, {"show", "1"}).out == shown.out);
  auto out = lines(shown.out);
  CHECK(out[0] == "event     " + id);
  CHECK(out[1] == "seq       1");
  // The flaky webhook's three attempts, in order, with their statuses and answers.
  auto at = std::find(out.begin(), out.end(), "webhook " + hook + " (flaky): delivered");
  REQUIRE(at != out.end());
  REQUIRE(out.end() - at >= 4);
  CHECK(at[1].find("#1  retrying  HTTP 503") != std::string::npos);
  CHECK(at[1].find(R"("busy 1")") != std::string::npos);
  CHECK(at[2].find("#2  retrying  HTTP 503") != std::string::npos);
  CHECK(at[2].find(R"("busy 2")") != std::string::npos);
  CHECK(at[3].find("#3  succeeded  HTTP 200") != std::string::npos);
  // Every attempt has the same message id (receivers deduplicate on it).
  auto msg = at[1].substr(at[1].find("msg_"), 30);
  CHECK(at[3].find(msg) != std::string::npos);
  CHECK(shown.out.find("(other): filtered_out") != std::string::npos);
  CHECK(replay(data, {"show", id}).status == 2);                       // an id needs --tenant
  CHECK(replay(data, {"show", id, "--tenant", "globex"}).status == 1); // not theirs
  CHECK(replay(data, {"show", "99"}).status == 1);

  // What did the flaky endpoint receive: three attempts on one event, with the answers.
  auto sent = replay(data, {"webhook", hook, "--since", "-1h"});
  REQUIRE(sent.status == 0);
  auto rows = lines(sent.out);
  CHECK(rows[0] == "webhook " + hook + " (flaky) of acme");
  CHECK(std::count_if(rows.begin(), rows.end(), [&](const std::string& r) {
          return r.find("seq 1  " + id) != std::string::npos;
        }) == 3);
  CHECK(rows.back() == "3 attempts on 1 events: 1 succeeded, 0 failed for good, 2 to be retried");
  CHECK(lines(replay(data, {"webhook", hook, "--until", "2000-01-01T00:00:00Z"}).out).back() ==
        "0 attempts on 0 events: 0 succeeded, 0 failed for good, 0 to be retried");
  CHECK(replay(data, {"webhook", "wh_nope"}).status == 1);
  // The events each webhook matched.
  auto build = test::post_event_id(c, key, R"({"type":"build.started","data":{}})");
  auto matched = lines(replay(data, {"events", "--webhook", hook, "--format", "csv"}).out);
  REQUIRE(matched.size() == 2);
  CHECK(matched[1].find(id) != std::string::npos);
  auto matched_other = lines(replay(data, {"events", "--webhook", other, "--format", "csv"}).out);
  REQUIRE(matched_other.size() == 2);
  CHECK(matched_other[1].find(build) != std::string::npos);
  CHECK(proc.stop(SIGTERM) == 0);
}

TEST_CASE("replay: exports verify on their own, and every kind of tampering is found",
          "[cli][replay]") {
  test::temp_dir dir;
  auto data = dir.path() / "data";
  const std::string token = "replay-admin-token-0123456";
  std::map<std::string, std::string> env{
      {"HOOKD_ADMIN_TOKEN", token}, {"HOOKD_ALLOW_HTTP", "1"}, {"HOOKD_ALLOW_NET", "127.0.0.1"}};
  test::receiver rx{[](const test::received_request&) { return test::reply{200, "ok", {}}; }};
  std::string hook;
  {
    test::hookd_process proc{HOOKD_BINARY, data.string(), env};
    REQUIRE(proc.port() != 0);
    test::http_client c{proc.port()};
    auto keys = two_tenants(c, token, R"(["ingest","read","manage"])");
    hook = test::create_webhook_id(c, keys["acme"], "all", rx.port(), R"("events":["*"])");
    for (int i = 1; i <= 8; ++i)
      test::post_event_id(c, keys[i % 3 == 0 ? "globex" : "acme"],
                          R"({"type":"deployment.started","data":{"n":)" + std::to_string(i) +
                              "}}");
    test::poll_get(c, keys["acme"], "/v1/webhooks/" + hook + "/stats", [](const std::string& b) {
      return b.find(R"("delivered":6)") != std::string::npos;
    });
    // An export of a running server's log.
    auto live = replay(data, {"export", "-o", (dir.path() / "live.ndjson").string()});
    REQUIRE(live.status == 0);
    CHECK(proc.stop(SIGTERM) == 0);
  }
  auto live = replay(data, {"verify", "--export", (dir.path() / "live.ndjson").string()});
  CHECK(live.status == 0);
  CHECK(live.out.find("intact: 8 records, seq 1 to 8, 7 consecutive links checked") !=
        std::string::npos);

  // The whole log verifies, references included (the webhook's attempts, outcomes and
  // snapshot name events in the log); its head is what the export ends on.
  auto verified = replay(data, {"verify"});
  INFO(verified.out);
  REQUIRE(verified.status == 0);
  CHECK(verified.out.find("references: 6 attempt records, 6 delivery outcomes and 1 snapshots") !=
        std::string::npos);
  std::string head;
  for (const auto& l : lines(verified.out))
    if (l.starts_with("head: "))
      head = l.substr(6);
  REQUIRE(!head.empty());
  CHECK(live.out.find("last: " + head) != std::string::npos);

  // NDJSON and gzip exports of everything, and a filtered one, verify on their own.
  auto plain = dir.path() / "all.ndjson";
  auto gz = dir.path() / "all.ndjson.gz";
  REQUIRE(replay(data, {"export", "--output", plain.string()}).status == 0);
  REQUIRE(replay(data, {"export", "--output", gz.string()}).status == 0);
  CHECK(read_file(gz).substr(0, 2) == "\x1f\x8b"); // the gzip magic
  CHECK(read_file(plain) == read_file(dir.path() / "live.ndjson"));
  CHECK(replay(data, {"verify", "--export", gz.string()}).out ==
        replay(data, {"verify", "--export", plain.string()}).out);
  auto rows = lines(read_file(plain));
  REQUIRE(rows.size() == 9); // 8 records and the trailer
  CHECK(rows[0].find(R"("seq":1,)") != std::string::npos);
  CHECK(rows[0].find(R"("record":")") != std::string::npos);
  CHECK(rows[8].find(R"("hookd_export":1,"records":8,"first_seq":1,"last_seq":8,"head":")" + head +
                     R"(","filters":"all")") != std::string::npos);
  auto filtered = dir.path() / "globex.ndjson";
  auto picked = replay(data, {"export", "-o", filtered.string(), "--tenant", "globex"});
  REQUIRE(picked.status == 0);
  CHECK(picked.err.find("exported 2 events") != std::string::npos);
  auto fv = replay(data, {"verify", "--export", filtered.string()});
  CHECK(fv.status == 0);
  CHECK(fv.out.find("intact: 2 records, seq 3 to 6, 0 consecutive links checked") !=
        std::string::npos);
  CHECK(fv.out.find("selection: tenant=globex") != std::string::npos);
  // Standard output, and an empty selection: a valid export of nothing, exit 0.
  auto to_stdout = replay(data, {"export", "--type", "build.*"});
  CHECK(to_stdout.status == 0);
  CHECK(to_stdout.err.find("no events match") != std::string::npos);
  REQUIRE(lines(to_stdout.out).size() == 1);
  CHECK(lines(to_stdout.out)[0].starts_with(R"({"hookd_export":1,"records":0,)"));
  CHECK(replay(data, {"export", "-o", (dir.path() / "no/such/dir/x.gz").string()}).status == 3);

  // Each change to the export is found.
  auto expect_broken = [&](const std::string& name, const std::string& text,
                           const std::string& where) {
    auto f = dir.path() / name;
    write_file(f, text);
    auto v = replay(data, {"verify", "--export", f.string()});
    INFO(name << ": " << v.out);
    CHECK(v.status == 1);
    CHECK(v.out.find(where) != std::string::npos);
  };
  {
    auto t = rows; // one byte of event 4's readable data
    auto at = t[3].find(R"("n":4)");
    REQUIRE(at != std::string::npos);
    t[3][at + 4] = '5';
    expect_broken("data.ndjson", join(t), "BROKEN at line 4 (seq 4): the line's fields differ");
  }
  {
    auto t = rows; // one byte inside event 5's stored record
    auto at = t[4].find(R"("record":")") + 20;
    t[4][at] = t[4][at] == 'A' ? 'B' : 'A';
    expect_broken("record.ndjson", join(t), "BROKEN at line 5");
  }
  {
    auto t = rows; // event 5 dropped
    t.erase(t.begin() + 4);
    expect_broken("dropped.ndjson", join(t), "BROKEN at line 8: the trailer does not match");
  }
  {
    auto t = rows; // events 5 and 6 swapped
    std::swap(t[4], t[5]);
    expect_broken("swapped.ndjson", join(t), "BROKEN at line 6 (seq 5): out of order");
  }
  {
    auto t = rows; // the trailer cut off
    t.pop_back();
    expect_broken("truncated.ndjson", join(t), "no trailer: the file is truncated");
  }
  {
    auto t = read_file(gz); // one byte of the compressed stream
    t[t.size() / 2] = static_cast<char>(t[t.size() / 2] ^ 0x01);
    auto f = dir.path() / "bad.gz";
    write_file(f, t);
    CHECK(replay(data, {"verify", "--export", f.string()}).status == 1);
  }
  CHECK(replay(data, {"verify", "--export", (dir.path() / "missing.gz").string()}).status == 3);

  // In the log: a record deleted in the middle, and two records swapped, each found at the
  // right sequence number.
  {
    auto copy = copy_of(data, "deleted");
    {
      auto db = open_for_tampering(copy);
      REQUIRE(db->db()->Delete({}, db->handle(storage::column::events), storage::seq_key(4)).ok());
    }
    auto v = replay(copy, {"verify"});
    CHECK(v.status == 1);
    CHECK(v.out.find("BROKEN at seq 4: record 4 is missing (next is 5)") != std::string::npos);
  }
  {
    auto copy = copy_of(data, "swapped");
    {
      auto db = open_for_tampering(copy);
      auto* cf = db->handle(storage::column::events);
      std::string five, six;
      REQUIRE(db->db()->Get({}, cf, storage::seq_key(5), &five).ok());
      REQUIRE(db->db()->Get({}, cf, storage::seq_key(6), &six).ok());
      REQUIRE(db->db()->Put({}, cf, storage::seq_key(5), six).ok());
      REQUIRE(db->db()->Put({}, cf, storage::seq_key(6), five).ok());
    }
    auto v = replay(copy, {"verify"});
    CHECK(v.status == 1);
    CHECK(v.out.find("BROKEN at seq 5: the record says seq 6 but is stored at 5") !=
          std::string::npos);
  }
  // Another schema version: a clear error, exit 3, for every command.
  {
    auto copy = copy_of(data, "future");
    {
      auto db = open_for_tampering(copy);
      REQUIRE(db->db()
                  ->Put({}, db->handle(storage::column::meta),
                        std::string{storage::meta_key::schema_version},
                        std::string{"\0\0\0\x63", 4})
                  .ok());
    }
    for (std::string cmd : {"events", "verify"}) {
      auto r = replay(copy, {cmd});
      INFO(cmd << ": " << r.err);
      CHECK(r.status == 3);
      CHECK(r.err.find("schema") != std::string::npos);
    }
  }
  // An attempt record naming an event the log does not hold, and one naming another event.
  auto plant_attempt = [&](const std::string& name, uint64_t seq, const std::string& event_id) {
    auto copy = copy_of(data, name);
    {
      auto db = open_for_tampering(copy);
      attempt_record a;
      a.webhook_id = hook;
      a.number = 1000;
      a.event_seq = seq;
      a.event_id = event_id;
      a.message_id = "msg_x";
      a.attempt = 1;
      REQUIRE(db->db()
                  ->Put({}, db->handle(storage::column::attempts),
                        storage::webhook_seq_key(hook, 1000), storage::encode(a))
                  .ok());
    }
    return replay(copy, {"verify"});
  };
  auto dangling = plant_attempt("dangling", 42, "evt_gone");
  CHECK(dangling.status == 1);
  CHECK(dangling.out.find("BROKEN reference to seq 42: attempt record 1000 of webhook " + hook +
                          " references an event that is not in the log") != std::string::npos);
  auto renamed = plant_attempt("renamed", 2, "evt_other");
  CHECK(renamed.status == 1);
  CHECK(renamed.out.find("names event 'evt_other', which is not the event at that sequence "
                         "number") != std::string::npos);
}
