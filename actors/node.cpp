#include "actors/node.hpp"

#include "actors/log_writer.hpp"
#include "actors/logging.hpp"
#include "actors/retention.hpp"
#include "actors/router.hpp"
#include "actors/state_reader.hpp"
#include "domain/defaults.hpp"
#include "http/client/delivery_client.hpp"
#include "storage/config_reader.hpp"

#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

namespace hookd {

expected<std::unique_ptr<node>> node::start(caf::actor_system& sys, node_config cfg,
                                            const clock& time) {
  std::unique_ptr<node> self{new node(sys)};
  storage::database_options dopts;
  dopts.secrets = cfg.secrets;
  auto db = storage::database::open(cfg.data_dir / "db", std::move(dopts));
  if (!db)
    return db.error();
  self->db_ = std::move(*db);
  auto store = storage::log_store::open(*self->db_);
  if (!store)
    return store.error();
  log_writer_config wcfg;
  wcfg.store = std::move(*store);
  wcfg.time = &time;
  wcfg.max_commit_events =
      cfg.max_commit_events > 0 ? cfg.max_commit_events : defaults::max_commit_events;
  wcfg.keep_attempts = cfg.keep_attempts;
  wcfg.delivery_sync_interval = cfg.delivery_sync_interval;
  self->counters_ = cfg.counters ? cfg.counters : std::make_shared<metrics>();
  wcfg.counters = self->counters_;
  auto head = wcfg.store->head();
  storage::config_reader config{*self->db_};
  auto hooks = config.list_all_webhooks();
  if (!hooks)
    return hooks.error();
  auto limits = std::make_shared<application_limiter>();
  for (std::string after;;) {
    auto page = config.list_tenants(after, 1000);
    if (!page)
      return page.error();
    for (const auto& t : *page)
      limits->set_limit(t.id, t.application_deliveries_per_minute);
    if (page->size() < 1000)
      break;
    after = page->back().id;
  }
  if (cfg.detach_writer) {
    self->writer_ = sys.spawn<caf::detached>(log_writer, std::move(wcfg));
    self->reader_ = sys.spawn<caf::detached>(state_reader, self->db_.get());
  } else {
    self->writer_ = sys.spawn(log_writer, std::move(wcfg));
    self->reader_ = sys.spawn(state_reader, self->db_.get());
  }
  router_config rcfg;
  rcfg.webhooks = std::move(*hooks);
  self->policy_ = cfg.policy;
  self->stop_grace_ = cfg.tuning.stop_grace;
  if (cfg.transport) {
    self->transport_ = cfg.transport;
  } else {
    http::delivery_client_config ccfg;
    ccfg.policy = cfg.policy;
    ccfg.max_per_origin = cfg.max_per_origin;
    self->transport_ = std::make_shared<http::delivery_client>(std::move(ccfg));
  }
  rcfg.transport = self->transport_;
  rcfg.time = &time;
  rcfg.circuit_threshold = cfg.circuit_threshold;
  rcfg.writer = self->writer_;
  rcfg.reader = self->reader_;
  rcfg.position = head.seq;
  rcfg.tick_interval = cfg.tick_interval;
  rcfg.tuning = cfg.tuning;
  // A webhook actor with a change to save ticks itself; the router's ticks move idle cursors.
  if (rcfg.tuning.snapshot_delay.count() == 0)
    rcfg.tuning.snapshot_delay = cfg.tick_interval;
  rcfg.counters = self->counters_;
  rcfg.application_limits = std::move(limits);
  self->router_ = sys.spawn(hookd::router, std::move(rcfg));
  caf::anon_send(self->writer_, atom::subscribe_v,
                 caf::actor_cast<batch_subscriber_actor>(self->router_));
  acme_watcher_setup acme;
  acme.config = std::move(cfg.acme);
  acme.db = self->db_.get();
  acme.writer = self->writer_;
  acme.time = &time;
  // It reads files: detached, like the other actors that block (on the test coordinator too,
  // where the writer is not, it runs on the scheduler like everything else).
  self->acme_ = cfg.detach_writer ? sys.spawn<caf::detached>(acme_watcher, std::move(acme))
                                  : sys.spawn(acme_watcher, std::move(acme));
  caf::anon_send(self->writer_, atom::subscribe_v,
                 caf::actor_cast<batch_subscriber_actor>(self->acme_));
  retention_config keep;
  keep.keep = cfg.retention;
  keep.interval = cfg.retention_interval;
  keep.db = self->db_.get();
  keep.writer = self->writer_;
  keep.time = &time;
  // Its passes read and compact (blocking): detached, like the other actors that block.
  self->retention_ = cfg.detach_writer ? sys.spawn<caf::detached>(hookd::retention, std::move(keep))
                                       : sys.spawn(hookd::retention, std::move(keep));
  self->running_ = true;
  HOOKD_INFO("node: started; log head at seq {}", head.seq);
  return self;
}

node::~node() {
  stop();
}

void node::stop() {
  if (!running_)
    return;
  running_ = false;
  caf::scoped_actor waiter{sys_};
  // Every webhook actor hands its records and snapshot to the writer (its messages to the
  // writer are queued before its answer)...
  waiter->request(router_, stop_grace_ + std::chrono::seconds{10}, atom::stop_v)
      .receive([](bool) {},
               [](caf::error& err) {
                 HOOKD_WARN("node: webhook actors did not all stop: {}", to_string(err));
               });
  // The ACME watcher starts nothing new; an outcome it was appending is appended again after
  // a restart (its watch stays open until the outcome is committed).
  waiter->send_exit(acme_, caf::exit_reason::user_shutdown);
  waiter->wait_for(acme_);
  acme_ = nullptr;
  // A pass in progress either committed its deletion or did not: nothing half-done.
  waiter->send_exit(retention_, caf::exit_reason::user_shutdown);
  waiter->wait_for(retention_);
  retention_ = nullptr;
  // ...then the writer commits what is staged, and quits.
  waiter->send_exit(writer_, caf::exit_reason::user_shutdown);
  waiter->wait_for(writer_);
  writer_ = nullptr;
  waiter->send_exit(router_, caf::exit_reason::user_shutdown);
  waiter->wait_for(router_);
  router_ = nullptr;
  waiter->send_exit(reader_, caf::exit_reason::user_shutdown);
  waiter->wait_for(reader_);
  reader_ = nullptr;
  transport_->stop();
  db_.reset();
  HOOKD_INFO("node: stopped");
}

} // namespace hookd
