#include "actors/node.hpp"

#include "actors/log_writer.hpp"
#include "actors/logging.hpp"
#include "domain/defaults.hpp"

#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

namespace hookd {

expected<std::unique_ptr<node>> node::start(caf::actor_system& sys, node_config cfg,
                                            const clock& time) {
  std::unique_ptr<node> self{new node(sys)};
  auto db = storage::database::open(cfg.data_dir / "db");
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
  auto head = wcfg.store->head();
  if (cfg.detach_writer)
    self->writer_ = sys.spawn<caf::detached>(log_writer, std::move(wcfg));
  else
    self->writer_ = sys.spawn(log_writer, std::move(wcfg));
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
  // The writer commits what is staged before it quits; wait for it, then close the database.
  caf::scoped_actor waiter{sys_};
  waiter->send_exit(writer_, caf::exit_reason::user_shutdown);
  waiter->wait_for(writer_);
  writer_ = nullptr;
  db_.reset();
  HOOKD_INFO("node: stopped");
}

} // namespace hookd
