#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace hookd {

/// Reports changes to files through inotify, on a thread of its own (its wait blocks, so it
/// stays off CAF's workers). Each watched file's folder is watched, so a file that is replaced
/// by a rename (an atomic write) or created later is still seen. When inotify is not available,
/// `ok()` is false and nothing is reported: callers poll on their own timer anyway.
class file_events {
 public:
  /// Called with the path of a watched file that was written, created or renamed into place.
  /// Runs on the event thread.
  using callback = std::function<void(const std::string& path)>;

  /// Starts the event thread.
  explicit file_events(callback on_change);
  /// Stops and joins the event thread.
  ~file_events();
  file_events(const file_events&) = delete;
  file_events& operator=(const file_events&) = delete;

  /// True when inotify works on this system.
  bool ok() const noexcept { return inotify_fd_ >= 0; }
  /// Starts reporting changes to `file` (its folder must exist; false otherwise). Thread-safe.
  bool watch(const std::filesystem::path& file);

 private:
  void run();
  callback on_change_;
  int inotify_fd_ = -1;
  int wake_fd_ = -1;
  std::mutex mtx_;
  std::map<int, std::filesystem::path> folders_;
  std::set<std::string> files_;
  std::thread thread_;
};

} // namespace hookd
