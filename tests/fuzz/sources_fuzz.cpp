// Fuzz target: the inputs of hookd's own event sources, which come from outside. A git host's
// push body for every provider (a push must normalise to valid JSON data whatever the body),
// a Traefik acme.json (any bytes: a complete store or nothing, never a crash), the data of a
// provisioning request, and PEM text.

#include "domain/certificate.hpp"
#include "domain/git_hook.hpp"
#include "domain/provisioning.hpp"

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  simdjson::dom::parser parser;
  for (auto p :
       {hookd::git_provider::github, hookd::git_provider::gitlab, hookd::git_provider::bitbucket}) {
    auto event = p == hookd::git_provider::github   ? "push"
                 : p == hookd::git_provider::gitlab ? "Push Hook"
                                                    : "repo:push";
    auto content = hookd::parse_git_hook(p, event, text);
    for (const auto& push : content.pushes) {
      if (push.commits.size() > hookd::max_push_commits)
        std::abort();
      auto json = hookd::git_push_data(push, "d", "src");
      simdjson::dom::element doc;
      if (parser.parse(json).get(doc) != simdjson::SUCCESS)
        std::abort(); // normalised data must always be valid JSON
    }
    hookd::source src;
    src.provider = p;
    src.secret = "fuzz-secret-0123456789";
    hookd::git_hook_headers h;
    h.signature = text.substr(0, 80);
    h.token = text.substr(0, 40);
    (void)hookd::verify_git_hook(src, h, text, 0);
  }
  if (auto store = hookd::parse_acme_store(text))
    for (const auto& c : *store)
      (void)hookd::acme_covers(c, "a.example.com");
  (void)hookd::parse_provisioning_request(text);
  (void)hookd::parse_pem_certificates(text);
  (void)hookd::glob_match(text.substr(0, text.size() / 2), text.substr(text.size() / 2));
  return 0;
}
