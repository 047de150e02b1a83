#include "cli/admin_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

namespace hookd::cli {

namespace beast = boost::beast;
namespace bh = boost::beast::http;
namespace net = boost::asio;

expected<admin_answer> post_admin(const url& base, std::string_view target,
                                  const std::string& token, std::string body,
                                  std::chrono::seconds timeout) {
  if (base.scheme != "http")
    return make_error_info(ec::bad_configuration,
                           "the admin client speaks plain http (a loopback or private address)");
  net::io_context ioc;
  beast::tcp_stream stream{ioc};
  auto where = base.host + ":" + std::to_string(base.port);
  try {
    net::ip::tcp::resolver resolver{ioc};
    auto addresses = resolver.resolve(base.host, std::to_string(base.port));
    stream.expires_after(timeout);
    stream.connect(addresses);
    bh::request<bh::string_body> req{bh::verb::post, std::string{target}, 11};
    req.set(bh::field::host, base.host);
    req.set(bh::field::authorization, "Bearer " + token);
    req.set(bh::field::content_type, "application/json");
    req.body() = std::move(body);
    req.prepare_payload();
    stream.expires_after(timeout);
    bh::write(stream, req);
    beast::flat_buffer buffer;
    bh::response<bh::string_body> res;
    bh::read(stream, buffer, res);
    beast::error_code ignored;
    stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    return admin_answer{static_cast<int>(res.result_int()), std::move(res.body())};
  } catch (const boost::system::system_error& e) {
    return make_error_info(ec::internal,
                           "no answer from hookd at " + where + ": " + e.code().message());
  }
}

} // namespace hookd::cli
