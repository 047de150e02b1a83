// Inbound git webhooks in the domain layer: signature checks against GitHub's documented
// vector and an independent HMAC, each provider's push payloads (branch push, tag push,
// branch delete) from hand-written fixtures in the documented shapes, ref filters, and the
// normalised event data.

#include "domain/git_hook.hpp"
#include "domain/source.hpp"
#include "domain/webhook_secret.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/openssl_oracle.hpp"

#include <catch2/catch.hpp>
#include <simdjson.h>

using namespace hookd;
using test::oracle_base64;
using test::oracle_hex;
using test::oracle_hmac;

namespace {

std::string fixture(const std::string& name) {
  return test::read_fixture("git/" + name);
}

source make_source(git_provider p, std::string secret = "a-shared-secret-0123456789") {
  source s;
  s.id = "src_test";
  s.tenant = "acme";
  s.provider = p;
  s.secret = std::move(secret);
  return s;
}

git_hook_headers signed_headers(const std::string& signature) {
  git_hook_headers h;
  h.signature = signature;
  return h;
}

git_push only_push(git_provider p, const std::string& event, const std::string& body) {
  auto content = parse_git_hook(p, event, body);
  REQUIRE_FALSE(content.failure);
  REQUIRE(content.pushes.size() == 1);
  return content.pushes.front();
}

} // namespace

TEST_CASE("git hooks: GitHub's documented signature vector verifies", "[domain][sources]") {
  // docs.github.com, "Validating webhook deliveries": the secret and payload below must give
  // exactly this signature.
  auto src = make_source(git_provider::github, "It's a Secret to Everybody");
  const std::string documented =
      "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
  CHECK("sha256=" + oracle_hex(oracle_hmac(src.secret, "Hello, World!")) == documented);
  CHECK(verify_git_hook(src, signed_headers(documented), "Hello, World!", 0) == git_auth::ok);
  CHECK(verify_git_hook(src, signed_headers(documented), "Hello, World?", 0) == git_auth::invalid);
}

TEST_CASE("git hooks: HMAC signatures for GitHub and Bitbucket, failure matrix",
          "[domain][sources]") {
  for (auto p : {git_provider::github, git_provider::bitbucket}) {
    CAPTURE(to_string(p));
    auto src = make_source(p);
    auto body = fixture(p == git_provider::github ? "github_push.json" : "bitbucket_push.json");
    auto good = "sha256=" + oracle_hex(oracle_hmac(src.secret, body));
    CHECK(verify_git_hook(src, signed_headers(good), body, 0) == git_auth::ok);
    // Wrong secret, missing header, truncated body, altered body, wrong scheme, upper case.
    auto wrong = "sha256=" + oracle_hex(oracle_hmac("another-secret-0123456789", body));
    CHECK(verify_git_hook(src, signed_headers(wrong), body, 0) == git_auth::invalid);
    CHECK(verify_git_hook(src, {}, body, 0) == git_auth::missing);
    CHECK(verify_git_hook(src, signed_headers(good), body.substr(0, body.size() - 1), 0) ==
          git_auth::invalid);
    auto altered = body;
    altered[altered.find("main")] = 'M';
    CHECK(verify_git_hook(src, signed_headers(good), altered, 0) == git_auth::invalid);
    CHECK(verify_git_hook(src, signed_headers("sha1=" + good.substr(7)), body, 0) ==
          git_auth::invalid);
    CHECK(verify_git_hook(src, signed_headers(good.substr(0, good.size() - 2)), body, 0) ==
          git_auth::invalid);
  }
}

TEST_CASE("git hooks: GitLab token and Standard Webhooks signing token", "[domain][sources]") {
  auto src = make_source(git_provider::gitlab);
  auto body = fixture("gitlab_push.json");
  git_hook_headers h;
  h.token = src.secret;
  CHECK(verify_git_hook(src, h, body, 0) == git_auth::ok);
  h.token = "a-shared-secret-0123456788";
  CHECK(verify_git_hook(src, h, body, 0) == git_auth::invalid);
  h.token = {};
  CHECK(verify_git_hook(src, h, body, 0) == git_auth::missing);

  // With a signing token, GitLab's webhook-signature must verify too (computed here with the
  // oracle: v1, base64 HMAC over id.timestamp.body, keyed by the decoded whsec_ bytes).
  src.signing_secret = make_webhook_secret();
  auto key = *parse_webhook_secret(src.signing_secret);
  const int64_t now_s = 1'800'000'000;
  std::string ts = std::to_string(now_s);
  auto sig = "v1," + oracle_base64(oracle_hmac(key, "msg_1." + ts + "." + body));
  git_hook_headers s;
  s.token = src.secret;
  s.webhook_id = "msg_1";
  s.webhook_timestamp = ts;
  s.webhook_signature = sig;
  CHECK(verify_git_hook(src, s, body, now_s * 1000) == git_auth::ok);
  // Several signatures (GitLab rotating its token): one match is enough.
  auto both = "v1,bm90LWl0 " + sig;
  s.webhook_signature = both;
  CHECK(verify_git_hook(src, s, body, now_s * 1000) == git_auth::ok);
  s.webhook_signature = sig;
  // Signed headers alone (no token) are enough.
  s.token = {};
  CHECK(verify_git_hook(src, s, body, now_s * 1000) == git_auth::ok);
  // Altered body, stale timestamp, other id: refused.
  CHECK(verify_git_hook(src, s, body + " ", now_s * 1000) == git_auth::invalid);
  CHECK(verify_git_hook(src, s, body, (now_s + 301) * 1000) == git_auth::invalid);
  s.webhook_id = "msg_2";
  CHECK(verify_git_hook(src, s, body, now_s * 1000) == git_auth::invalid);
  // A good signature does not excuse a wrong token.
  s.webhook_id = "msg_1";
  s.token = "wrong-token-0123456789";
  CHECK(verify_git_hook(src, s, body, now_s * 1000) == git_auth::invalid);
}

TEST_CASE("git hooks: GitHub push, tag push and branch delete", "[domain][sources]") {
  auto p = only_push(git_provider::github, "push", fixture("github_push.json"));
  CHECK(p.repository == "baxterthehacker/public-repo");
  CHECK(p.ref_type == "branch");
  CHECK(p.ref_name == "main");
  CHECK(p.before == "9049f1265b7d61be4a8904a9a27120d2064dab3b");
  CHECK(p.after == "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c");
  CHECK_FALSE(p.deleted);
  CHECK_FALSE(p.created);
  REQUIRE(p.commits.size() == 2);
  CHECK(p.commits[0].message == "Add the \"deploy\" script\n\nWith a body line.");
  CHECK(p.commits[1].author_username == "octocat");
  CHECK(p.commits_total == 2);
  CHECK(p.pusher_name == "baxterthehacker");
  CHECK(p.compare_url.starts_with("https://github.com/baxterthehacker/public-repo/compare/"));
  CHECK(p.head_time_ms == 1795166130000); // 2026-11-20T09:15:30Z

  auto tag = only_push(git_provider::github, "push", fixture("github_tag.json"));
  CHECK(tag.ref_type == "tag");
  CHECK(tag.ref_name == "v1.2.0");
  CHECK(tag.created);
  CHECK_FALSE(tag.deleted);

  auto del = only_push(git_provider::github, "push", fixture("github_delete.json"));
  CHECK(del.deleted);
  CHECK(del.after == zero_sha);
  CHECK(del.ref_name == "feature/login");

  CHECK(parse_git_hook(git_provider::github, "ping", "{}").ignored == "ping");
  auto other = parse_git_hook(git_provider::github, "issues", "{}");
  CHECK(other.pushes.empty());
  CHECK(other.ignored == "event 'issues' is not a push");
  auto bad = parse_git_hook(git_provider::github, "push", R"({"ref":"refs/heads/main"})");
  REQUIRE(bad.failure);
  CHECK(bad.failure->status == 422);
  CHECK(parse_git_hook(git_provider::github, "push", "{not json").failure->status == 400);
}

TEST_CASE("git hooks: GitLab push, tag push and branch delete", "[domain][sources]") {
  auto p = only_push(git_provider::gitlab, "Push Hook", fixture("gitlab_push.json"));
  CHECK(p.repository == "mike/diaspora");
  CHECK(p.ref_name == "main");
  CHECK(p.commits.size() == 2);
  CHECK(p.commits_total == 4); // total_commits_count counts commits GitLab left out
  CHECK(p.pusher_username == "jsmith");
  CHECK(p.compare_url ==
        "https://gitlab.example.com/mike/diaspora/-/compare/"
        "95790bf891e76fee5e1747ab589903a6a1f80f22...da1560886d4f094c3e6c9ef40349f7d38b5d27d7");
  auto tag = only_push(git_provider::gitlab, "Tag Push Hook", fixture("gitlab_tag.json"));
  CHECK(tag.ref_type == "tag");
  CHECK(tag.ref_name == "v1.0.0");
  CHECK(tag.created);
  auto del = only_push(git_provider::gitlab, "Push Hook", fixture("gitlab_delete.json"));
  CHECK(del.deleted);
  CHECK(del.compare_url.empty());
  CHECK(parse_git_hook(git_provider::gitlab, "Merge Request Hook", "{}").pushes.empty());
}

TEST_CASE("git hooks: Bitbucket push, tag push and branch delete", "[domain][sources]") {
  auto p = only_push(git_provider::bitbucket, "repo:push", fixture("bitbucket_push.json"));
  CHECK(p.repository == "team/website");
  CHECK(p.ref == "refs/heads/main");
  CHECK(p.before == "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0");
  CHECK(p.after == "c3a1d5e7b9f2a4c6e8d0b1a3c5e7f9a2b4c6d8e0");
  REQUIRE(p.commits.size() == 2);
  // Bitbucket lists newest first; hookd reports oldest first.
  CHECK(p.commits[0].id == "b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1");
  CHECK(p.commits[0].author_name == "Raw Only");
  CHECK(p.commits[0].author_email == "raw@example.com");
  CHECK(p.commits[1].author_username == "emma");
  CHECK(p.pusher_username == "emma");
  auto tag = only_push(git_provider::bitbucket, "repo:push", fixture("bitbucket_tag.json"));
  CHECK(tag.ref_type == "tag");
  CHECK(tag.ref_name == "release-2026.11");
  CHECK(tag.created);
  CHECK(tag.before == zero_sha);
  auto del = only_push(git_provider::bitbucket, "repo:push", fixture("bitbucket_delete.json"));
  CHECK(del.deleted);
  CHECK(del.after == zero_sha);
  CHECK(del.ref_name == "feature/old");
  CHECK(parse_git_hook(git_provider::bitbucket, "diagnostics:ping", "{}").ignored == "ping");
}

TEST_CASE("git hooks: at most 20 commits, the most recent, messages cut at 4 KiB",
          "[domain][sources]") {
  std::string commits;
  for (int i = 0; i < 30; ++i)
    commits += std::string{i ? "," : ""} + R"({"id":"c)" + std::to_string(i) + R"(","message":")" +
               std::string(i == 29 ? 5000 : 3, 'm') + R"(","timestamp":"2026-11-20T09:00:00Z"})";
  auto body =
      R"({"ref":"refs/heads/main","before":"a","after":"b","repository":{"full_name":"o/r"},"commits":[)" +
      commits + "]}";
  auto p = only_push(git_provider::github, "push", body);
  REQUIRE(p.commits.size() == max_push_commits);
  CHECK(p.commits.front().id == "c10");
  CHECK(p.commits.back().id == "c29");
  CHECK(p.commits.back().message.size() == max_commit_message);
  CHECK(p.commits_total == 30);
}

TEST_CASE("git hooks: normalised event data", "[domain][sources]") {
  auto p = only_push(git_provider::github, "push", fixture("github_push.json"));
  auto data = git_push_data(p, "72d3162e-cc78-11e3-81ab-4c9367dc0958", "src_1");
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(data).get(doc) == simdjson::SUCCESS);
  std::string_view s;
  CHECK((doc["provider"].get(s) == simdjson::SUCCESS && s == "github"));
  CHECK((doc["branch"].get(s) == simdjson::SUCCESS && s == "main"));
  CHECK(doc["tag"].is_null());
  CHECK((doc["after"].get(s) == simdjson::SUCCESS && s == p.after));
  CHECK((doc["delivery_id"].get(s) == simdjson::SUCCESS &&
         s == "72d3162e-cc78-11e3-81ab-4c9367dc0958"));
  CHECK((doc["commits"].at(1)["message"].get(s) == simdjson::SUCCESS &&
         s == "Update README.md — ünïcode ✓"));
  CHECK((doc["pusher"]["email"].get(s) == simdjson::SUCCESS &&
         s == "baxterthehacker@users.noreply.github.com"));
  bool deleted = true;
  CHECK((doc["deleted"].get(deleted) == simdjson::SUCCESS && !deleted));
  // The event id is a function of the source, the delivery and the change.
  CHECK(git_event_id("src_1", "d1", 0) == git_event_id("src_1", "d1", 0));
  CHECK(git_event_id("src_1", "d1", 0) != git_event_id("src_1", "d1", 1));
  CHECK(git_event_id("src_1", "d1", 0) != git_event_id("src_2", "d1", 0));
  CHECK(git_event_id("src_1", "d1", 0).size() == 36);
}

TEST_CASE("sources: ref globs and filters", "[domain][sources]") {
  CHECK(glob_match("main", "main"));
  CHECK_FALSE(glob_match("main", "main2"));
  CHECK(glob_match("release/*", "release/1.2"));
  CHECK(glob_match("*", ""));
  CHECK(glob_match("*-hotfix-*", "a-hotfix-b"));
  CHECK_FALSE(glob_match("*-hotfix-*", "a-hotfix"));
  CHECK(glob_match("v*.*.*", "v1.20.3"));
  CHECK_FALSE(glob_match("v*.*.*", "v1.20"));
  // Pathological patterns stay fast (no exponential backtracking).
  CHECK_FALSE(glob_match(std::string(50, '*') + "b", std::string(10000, 'a')));

  auto src = make_source(git_provider::github);
  src.repository = "Baxterthehacker/Public-Repo";
  src.branches = {"main", "release/*"};
  auto p = only_push(git_provider::github, "push", fixture("github_push.json"));
  CHECK_FALSE(source_rejects(src, p)); // repositories compare without case
  src.repository = "someone/else";
  CHECK(source_rejects(src, p) == "repository 'baxterthehacker/public-repo' is not someone/else");
  src.repository.clear();
  src.branches = {"develop"};
  CHECK(source_rejects(src, p) == "branch 'main' matches no pattern of the source");
  auto tag = only_push(git_provider::github, "push", fixture("github_tag.json"));
  CHECK(source_rejects(src, tag)); // no tag patterns by default
  src.tags = {"v*"};
  CHECK_FALSE(source_rejects(src, tag));
}

TEST_CASE("sources: create, patch and rotation bodies", "[domain][sources]") {
  id_generator ids;
  auto ok = parse_source_create(
      R"({"provider":"gitlab","repository":"group/sub/project","branches":["main","release/*"],"labels":{"application_id":"app_42"}})",
      "acme", ids, 1000);
  REQUIRE(ok.value);
  CHECK(ok.value->id.starts_with("src_"));
  CHECK(ok.value->secret.size() == 43);
  CHECK(ok.value->name == "group/sub/project");
  CHECK(ok.value->labels == std::vector<label>{{"application_id", "app_42"}});

  auto defaults = parse_source_create(R"({"provider":"github"})", "acme", ids, 1000);
  REQUIRE(defaults.value);
  CHECK(defaults.value->branches == std::vector<std::string>{"main"});
  CHECK(defaults.value->tags.empty());

  auto fields_of = [](const parse_result<source>& r) {
    std::vector<std::string> out;
    REQUIRE(r.failure);
    CHECK(r.failure->status == 422);
    for (const auto& e : r.failure->errors)
      out.push_back(e.field + ":" + e.code);
    return out;
  };
  CHECK(fields_of(parse_source_create(R"({})", "acme", ids, 1)) ==
        std::vector<std::string>{"/provider:required"});
  CHECK(
      fields_of(parse_source_create(
          R"({"provider":"svn","secret":"short","repository":"noslash","branches":["a b"],"labels":{"Bad":"x"},"extra":1})",
          "acme", ids, 1)) == std::vector<std::string>{"/extra:unknown_field", "/provider:format",
                                                       "/repository:format", "/branches/0:format",
                                                       "/labels/Bad:format", "/secret:format"});
  CHECK(fields_of(parse_source_create(R"({"provider":"github","signing_secret":"whsec_x"})", "acme",
                                      ids, 1)) ==
        std::vector<std::string>{"/signing_secret:not_allowed"});

  auto patched = parse_source_patch(R"({"branches":["*"],"repository":null})", *ok.value, 2000);
  REQUIRE(patched.value);
  CHECK(patched.value->branches == std::vector<std::string>{"*"});
  CHECK(patched.value->repository.empty());
  CHECK(patched.value->secret == ok.value->secret);
  CHECK(fields_of(parse_source_patch(R"({"secret":"x","provider":"github"})", *ok.value, 2)) ==
        std::vector<std::string>{"/provider:read_only", "/secret:read_only"});

  auto rotated = parse_source_rotation("", *ok.value, 3000);
  REQUIRE(rotated.value);
  CHECK(rotated.value->secret != ok.value->secret);
  CHECK(fields_of(parse_source_rotation(R"({"secret":")" + ok.value->secret + R"("})", *ok.value,
                                        3)) == std::vector<std::string>{"/secret:conflict"});
}
