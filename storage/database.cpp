#include "storage/database.hpp"

#include "storage/byte_codec.hpp"
#include "storage/records.hpp"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <vector>

namespace hookd::storage {

namespace {

constexpr std::array<std::string_view, column_count> names{
    "events",        "event_ids",  "tenant_events", "idempotency", "tenants",
    "api_keys",      "audit",      "event_types",   "meta",        "webhooks",
    "webhook_names", "attempts",   "deliveries",    "snapshots",   "counters",
    "sources",       "source_ids", "source_state",  "jobs",        "job_queue",
};

// std::array value-initialises missing entries: a column added to the enum but not named here
// would silently share an unnamed column family. Refuse to compile instead.
constexpr bool all_named() {
  for (auto n : names)
    if (n.empty())
      return false;
  return true;
}
static_assert(all_named(), "every storage::column needs a name in `names`");

rocksdb::ColumnFamilyOptions column_options() {
  rocksdb::ColumnFamilyOptions opts;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10, false));
  opts.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  opts.compression = rocksdb::kNoCompression;
  // Room to keep accepting writes while a memtable flushes, instead of stalling ingestion.
  opts.max_write_buffer_number = 4;
  opts.level0_slowdown_writes_trigger = 30;
  opts.level0_stop_writes_trigger = 48;
  return opts;
}

} // namespace

std::string_view column_name(column c) noexcept {
  return names[static_cast<std::size_t>(c)];
}

error_info from_status(const rocksdb::Status& status, std::string_view what) {
  auto code = ec::storage_io;
  if (status.IsCorruption())
    code = ec::storage_corruption;
  else if (status.IsInvalidArgument() || status.IsNotSupported())
    code = ec::storage_corruption; // A foreign or incompatible database.
  return make_error_info(code, std::string{what} + ": " + status.ToString());
}

expected<std::unique_ptr<database>> database::open(const std::filesystem::path& dir,
                                                   database_options opts) {
  std::unique_ptr<database> self{new database};
  self->path_ = dir;
  self->read_only_ = opts.read_only;
  self->secrets_ = std::move(opts.secrets);
  rocksdb::DBOptions db_opts;
  db_opts.create_if_missing = !opts.read_only;
  db_opts.create_missing_column_families = !opts.read_only;
  db_opts.paranoid_checks = true;
  // Large WAL writes are one write per group commit; keep the WAL in one file per memtable.
  db_opts.max_total_wal_size = 512ULL << 20;
  db_opts.keep_log_file_num = 4;
  db_opts.IncreaseParallelism(2);
  // Write SST and compaction output back to disk in 1 MiB steps: a 64 MiB flush written in one
  // burst queues ahead of the WAL fsyncs that acknowledge ingestion and shows up as ack tail
  // latency (measured: p99 86 ms without, see docs/benchmarks.md).
  db_opts.bytes_per_sync = 1 << 20;
  std::error_code fs_err;
  if (!opts.read_only) {
    std::filesystem::create_directories(dir, fs_err);
    if (fs_err)
      return make_error_info(ec::storage_io,
                             "cannot create data folder " + dir.string() + ": " + fs_err.message());
  } else if (!std::filesystem::exists(dir / "CURRENT", fs_err)) {
    return make_error_info(ec::storage_io, "no hookd database in " + dir.string());
  }
  // Open every column family that exists (RocksDB requires it), plus ours.
  std::vector<std::string> existing;
  auto list = rocksdb::DB::ListColumnFamilies(db_opts, dir.string(), &existing);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, column_options());
  for (auto n : names)
    descriptors.emplace_back(std::string{n}, column_options());
  if (list.ok()) {
    for (const auto& n : existing) {
      bool known = n == rocksdb::kDefaultColumnFamilyName;
      for (auto ours : names)
        known = known || n == ours;
      if (!known)
        descriptors.emplace_back(n, column_options());
    }
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status st;
  if (opts.read_only) {
    // Read-only open fails on missing column families: open only those that exist.
    std::vector<rocksdb::ColumnFamilyDescriptor> present;
    for (auto& d : descriptors)
      for (const auto& n : existing)
        if (d.name == n)
          present.push_back(d);
    if (present.size() != descriptors.size())
      return make_error_info(ec::schema_mismatch,
                             "the database in " + dir.string() + " lacks hookd's column families");
    st = rocksdb::DB::OpenForReadOnly(db_opts, dir.string(), present, &handles, &raw);
  } else {
    st = rocksdb::DB::Open(db_opts, dir.string(), descriptors, &handles, &raw);
  }
  if (!st.ok())
    return from_status(st, "opening " + dir.string());
  self->db_.reset(raw);
  // handles[0] is the default column family; ours follow in enum order.
  for (std::size_t i = 0; i < column_count; ++i)
    self->handles_[i] = handles[i + 1];
  self->extra_handles_.push_back(handles[0]);
  for (std::size_t i = column_count + 1; i < handles.size(); ++i)
    self->extra_handles_.push_back(handles[i]);
  // Schema version: written at creation, checked on every open.
  std::string value;
  auto meta = self->handle(column::meta);
  st = raw->Get(rocksdb::ReadOptions{}, meta, std::string{meta_key::schema_version}, &value);
  if (st.IsNotFound()) {
    std::unique_ptr<rocksdb::Iterator> it{raw->NewIterator({}, self->handle(column::events))};
    it->SeekToFirst();
    if (it->Valid() || opts.read_only)
      return make_error_info(ec::storage_corruption,
                             "the database in " + dir.string() + " has no schema version");
    std::string encoded;
    byte_writer{encoded}.u32(schema_version);
    rocksdb::WriteOptions wo;
    wo.sync = true;
    st = raw->Put(wo, meta, std::string{meta_key::schema_version}, encoded);
    if (!st.ok())
      return from_status(st, "writing the schema version");
  } else if (!st.ok()) {
    return from_status(st, "reading the schema version");
  } else {
    byte_reader r{value};
    auto found = r.u32();
    if (!r.ok() || !r.at_end())
      return make_error_info(ec::storage_corruption, "the stored schema version is unreadable");
    if (found != schema_version)
      return make_error_info(ec::schema_mismatch,
                             "the database has schema version " + std::to_string(found) +
                                 "; this hookd reads version " + std::to_string(schema_version));
  }
  if (auto checked = self->check_master_key(); !checked)
    return checked.error();
  return self;
}

expected<void> database::check_master_key() {
  constexpr std::string_view check_plaintext = "hookd master key check";
  if (!secrets_) {
    if (read_only_)
      return {};
    return make_error_info(ec::bad_configuration,
                           "a master key is required to open the database for writing");
  }
  auto check = get(column::meta, meta_key::master_key_check, "the master key check");
  if (!check)
    return check.error();
  if (*check) {
    if (secrets_->open(**check, meta_key::master_key_check) != check_plaintext)
      return make_error_info(ec::bad_configuration,
                             "the master key does not open this database's secrets: check "
                             "HOOKD_MASTER_KEY or the master key file");
    return {};
  }
  if (read_only_)
    return {};
  // The first open with a master key: seal the secrets an earlier version stored in clear,
  // and the check, in one synced batch.
  rocksdb::WriteBatch wb;
  std::unique_ptr<rocksdb::Iterator> it{db_->NewIterator({}, handle(column::webhooks))};
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto w =
        decode_webhook(std::string_view{it->value().data(), it->value().size()}, secrets_.get());
    if (!w)
      return w.error();
    wb.Put(handle(column::webhooks), it->key(), encode(*w, *secrets_));
  }
  if (!it->status().ok())
    return from_status(it->status(), "reading webhooks");
  wb.Put(handle(column::meta), std::string{meta_key::master_key_check},
         secrets_->seal(check_plaintext, meta_key::master_key_check));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  if (auto st = db_->Write(wo, &wb); !st.ok())
    return from_status(st, "sealing secrets");
  return {};
}

database::~database() {
  if (!db_)
    return;
  for (auto h : handles_)
    if (h != nullptr)
      db_->DestroyColumnFamilyHandle(h);
  for (auto h : extra_handles_)
    db_->DestroyColumnFamilyHandle(h);
  if (!read_only_)
    db_->SyncWAL();
  db_->Close();
}

expected<std::optional<std::string>> database::get(column c, std::string_view key,
                                                   std::string_view what) const {
  std::string value;
  auto st =
      db_->Get(rocksdb::ReadOptions{}, handle(c), rocksdb::Slice{key.data(), key.size()}, &value);
  if (st.IsNotFound())
    return std::optional<std::string>{};
  if (!st.ok())
    return from_status(st, std::string{"reading "} + std::string{what});
  return std::optional{std::move(value)};
}

forward_reader::forward_reader(const database& db, column c, std::string_view what)
    : it_(db.db()->NewIterator(rocksdb::ReadOptions{}, db.handle(c))), what_(what) {}

forward_reader::~forward_reader() = default;

expected<std::optional<std::string_view>> forward_reader::at(std::string_view key) {
  rocksdb::Slice target{key.data(), key.size()};
  // A few steps forward before seeking again: consecutive keys are the common case.
  constexpr int steps = 4;
  int stepped = 0;
  if (positioned_)
    while (it_->Valid() && it_->key().compare(target) < 0 && stepped < steps) {
      it_->Next();
      ++stepped;
    }
  if (!positioned_ || (it_->Valid() && it_->key().compare(target) < 0)) {
    it_->Seek(target);
    positioned_ = true;
  }
  if (!it_->status().ok())
    return from_status(it_->status(), "reading " + what_);
  if (!it_->Valid() || it_->key().compare(target) != 0)
    return std::optional<std::string_view>{};
  return std::optional{std::string_view{it_->value().data(), it_->value().size()}};
}

expected<void> database::checkpoint(const std::filesystem::path& dir) const {
  std::error_code err;
  if (std::filesystem::exists(dir, err))
    return make_error_info(ec::conflict, dir.string() + " exists");
  std::filesystem::create_directories(dir.parent_path(), err);
  if (err)
    return make_error_info(ec::storage_io,
                           "cannot create " + dir.parent_path().string() + ": " + err.message());
  rocksdb::Checkpoint* raw = nullptr;
  if (auto s = rocksdb::Checkpoint::Create(db_.get(), &raw); !s.ok())
    return from_status(s, "starting a checkpoint");
  std::unique_ptr<rocksdb::Checkpoint> cp{raw};
  // Flushes the memtables first (log_size_for_flush 0), so the copy needs no WAL replay.
  if (auto s = cp->CreateCheckpoint(dir.string(), 0); !s.ok())
    return from_status(s, "writing a checkpoint to " + dir.string());
  return {};
}

uint64_t database::disk_size() const {
  uint64_t total = 0;
  std::error_code err;
  for (const auto& entry : std::filesystem::directory_iterator(path_, err))
    if (entry.is_regular_file(err))
      total += entry.file_size(err);
  return total;
}

} // namespace hookd::storage
