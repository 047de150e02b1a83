#include "domain/problem.hpp"

#include "domain/json_writer.hpp"

namespace hookd {

std::string problem_type_uri(std::string_view slug) {
  std::string out = "tag:hookd.dev,2026:problem/";
  out.append(slug);
  return out;
}

std::string render_problem(const problem& p, std::string_view request_id) {
  json_writer w;
  w.begin_object();
  w.key("type").value(problem_type_uri(p.type));
  w.key("title").value(p.title);
  w.key("status").value(p.status);
  w.key("detail").value(p.detail);
  if (!p.field.empty())
    w.key("field").value(p.field);
  if (p.limit)
    w.key("limit").value(*p.limit);
  if (p.retry_after_seconds)
    w.key("retry_after").value(*p.retry_after_seconds);
  if (!p.errors.empty()) {
    w.key("errors").begin_array();
    for (const auto& e : p.errors) {
      w.begin_object();
      w.key("field").value(e.field);
      w.key("code").value(e.code);
      w.key("detail").value(e.detail);
      if (e.limit)
        w.key("limit").value(*e.limit);
      w.end_object();
    }
    w.end_array();
  }
  if (!request_id.empty())
    w.key("request_id").value(request_id);
  w.end_object();
  return w.take();
}

problem validation_problem(std::vector<field_error> errors) {
  problem p;
  p.status = 422;
  p.type = "validation-failed";
  p.title = "The request failed validation";
  if (!errors.empty()) {
    p.field = errors.front().field;
    p.limit = errors.front().limit;
    p.detail = errors.size() == 1 ? errors.front().detail
                                  : errors.front().detail + " (and " +
                                        std::to_string(errors.size() - 1) + " more errors)";
  }
  p.errors = std::move(errors);
  return p;
}

} // namespace hookd
