#include "tests/support/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>

namespace hookd::test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bh = boost::beast::http;
using tcp = net::ip::tcp;

std::string http_result::header(const std::string& name) const {
  auto i = headers.find(name);
  return i == headers.end() ? std::string{} : i->second;
}

struct http_client::impl {
  net::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
};

namespace {

http_result to_result(bh::response<bh::string_body>& res) {
  http_result out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& f : res) {
    std::string name{f.name_string()};
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    out.headers[name] = std::string{f.value()};
  }
  out.body = std::move(res.body());
  return out;
}

} // namespace

http_client::~http_client() {
  delete impl_;
}

http_result http_client::request(const std::string& method, const std::string& target,
                                 const std::string& body, const std::string& token,
                                 std::map<std::string, std::string> headers,
                                 std::optional<std::string> content_type) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (impl_ == nullptr) {
      impl_ = new impl;
      impl_->stream.emplace(impl_->ioc);
      beast::error_code ec;
      impl_->stream->connect(tcp::endpoint{net::ip::make_address("127.0.0.1"), port_}, ec);
      if (ec) {
        delete impl_;
        impl_ = nullptr;
        return {};
      }
    }
    bh::request<bh::string_body> req{bh::string_to_verb(method), target, 11};
    req.set(bh::field::host, "127.0.0.1");
    if (!token.empty())
      req.set(bh::field::authorization, "Bearer " + token);
    if (!body.empty() || content_type)
      req.set(bh::field::content_type, content_type.value_or("application/json"));
    for (auto& [k, v] : headers)
      req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    beast::error_code ec;
    bh::write(*impl_->stream, req, ec);
    bh::response_parser<bh::string_body> parser;
    parser.body_limit(64 << 20);
    if (!ec)
      bh::read(*impl_->stream, impl_->buffer, parser, ec);
    if (ec) {
      // A keep-alive connection the server closed: reconnect once.
      delete impl_;
      impl_ = nullptr;
      continue;
    }
    auto res = parser.release();
    bool keep = res.keep_alive();
    auto out = to_result(res);
    if (!keep) {
      delete impl_;
      impl_ = nullptr;
    }
    return out;
  }
  return {};
}

http_result http_client::raw(uint16_t port, const std::string& bytes,
                             std::chrono::milliseconds timeout) {
  net::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::error_code ec;
  stream.connect(tcp::endpoint{net::ip::make_address("127.0.0.1"), port}, ec);
  if (ec)
    return {};
  net::write(stream, net::buffer(bytes), ec);
  beast::flat_buffer buffer;
  bh::response_parser<bh::string_body> parser;
  stream.expires_after(timeout);
  http_result out;
  bh::async_read(stream, buffer, parser, [&](beast::error_code e, std::size_t) {
    if (!e) {
      auto res = parser.release();
      out = to_result(res);
    }
  });
  ioc.run();
  return out;
}

} // namespace hookd::test
