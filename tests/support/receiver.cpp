#include "tests/support/receiver.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <sys/socket.h>

namespace hookd::test {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bh = boost::beast::http;
using tcp = net::ip::tcp;

test_certificate make_test_certificate(const std::string& dir, const std::string& san) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -60);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, key);
  auto* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("hookd test"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, san.c_str()},
                            std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(x, key, EVP_sha256());
  test_certificate out{dir + "/cert.pem", dir + "/key.pem"};
  FILE* f = std::fopen(out.cert_file.c_str(), "w");
  PEM_write_X509(f, x);
  std::fclose(f);
  f = std::fopen(out.key_file.c_str(), "w");
  PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  X509_free(x);
  EVP_PKEY_free(key);
  return out;
}

struct receiver::impl {
  behaviour handle;
  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::optional<ssl::context> tls;
  std::thread accept_thread;
  std::vector<std::thread> workers;
  std::atomic<bool> stopping{false};
  mutable std::mutex mtx;
  mutable std::condition_variable cv;
  std::vector<received_request> seen;
  /// One served connection. A worker sets `finished` under `mtx` before it closes the socket,
  /// so the destructor never touches a socket that is being closed.
  struct served {
    std::shared_ptr<tcp::socket> sock;
    bool finished = false;
  };
  std::vector<std::shared_ptr<served>> sockets;

  template <class Stream> void serve(Stream& stream) {
    beast::flat_buffer buffer;
    for (;;) {
      bh::request<bh::string_body> req;
      beast::error_code ec;
      bh::read(stream, buffer, req, ec);
      if (ec)
        return;
      received_request r;
      r.method = std::string{req.method_string()};
      r.target = std::string{req.target()};
      for (const auto& f : req) {
        std::string n{f.name_string()};
        std::transform(n.begin(), n.end(), n.begin(), ::tolower);
        // A repeated field is combined as RFC 9110 does ("a, b"), so tests can see it.
        auto [it, added] = r.headers.emplace(n, std::string{f.value()});
        if (!added)
          it->second.append(", ").append(f.value());
      }
      r.body = req.body();
      auto answer = handle(r);
      {
        std::lock_guard guard{mtx};
        seen.push_back(std::move(r));
      }
      cv.notify_all();
      if (answer.delay.count() > 0) {
        auto until = std::chrono::steady_clock::now() + answer.delay;
        while (!stopping && std::chrono::steady_clock::now() < until)
          std::this_thread::sleep_for(std::chrono::milliseconds{10});
      }
      if (answer.hang_up || stopping)
        return;
      bh::response<bh::string_body> res{static_cast<bh::status>(answer.status), 11};
      for (auto& [k, v] : answer.headers)
        res.set(k, v);
      res.body() = answer.body;
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      bh::write(stream, res, ec);
      if (ec || !req.keep_alive() || answer.close_after)
        return;
    }
  }
};

receiver::receiver(behaviour b, std::optional<test_certificate> cert)
    : impl_(std::make_shared<impl>()) {
  impl_->handle = std::move(b);
  if (cert) {
    impl_->tls.emplace(ssl::context::tls_server);
    impl_->tls->use_certificate_chain_file(cert->cert_file);
    impl_->tls->use_private_key_file(cert->key_file, ssl::context::pem);
  }
  tcp::endpoint ep{net::ip::make_address("127.0.0.1"), 0};
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(net::socket_base::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();
  impl_->accept_thread = std::thread{[this, i = impl_] {
    for (;;) {
      auto sock = std::make_shared<tcp::socket>(i->ioc);
      beast::error_code ec;
      i->acceptor.accept(*sock, ec);
      if (ec || i->stopping)
        return;
      ++connections_;
      std::lock_guard guard{i->mtx};
      auto entry = std::make_shared<impl::served>();
      entry->sock = sock;
      i->sockets.push_back(entry);
      i->workers.emplace_back([i, sock, entry] {
        if (i->tls) {
          beast::ssl_stream<tcp::socket&> s{*sock, *i->tls};
          beast::error_code hs;
          s.handshake(ssl::stream_base::server, hs);
          if (!hs)
            i->serve(s);
        } else {
          i->serve(*sock);
        }
        {
          std::lock_guard done{i->mtx};
          entry->finished = true;
        }
        beast::error_code ignored;
        sock->shutdown(tcp::socket::shutdown_both, ignored);
        sock->close(ignored);
      });
    }
  }};
}

receiver::~receiver() {
  impl_->stopping = true;
  beast::error_code ec;
  // Wake the blocking accept with a connection of our own, then stop.
  {
    tcp::socket poke{impl_->ioc};
    poke.connect({net::ip::make_address("127.0.0.1"), port_}, ec);
  }
  impl_->accept_thread.join();
  {
    // Wake workers blocked in a read; each closes its own socket.
    std::lock_guard guard{impl_->mtx};
    for (auto& s : impl_->sockets)
      if (!s->finished)
        ::shutdown(s->sock->native_handle(), SHUT_RDWR);
  }
  for (auto& w : impl_->workers)
    w.join();
}

std::vector<received_request> receiver::requests() const {
  std::lock_guard guard{impl_->mtx};
  return impl_->seen;
}

std::size_t receiver::wait_for(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock{impl_->mtx};
  impl_->cv.wait_for(lock, timeout, [&] { return impl_->seen.size() >= n; });
  return impl_->seen.size();
}

} // namespace hookd::test
