#include "actors/file_events.hpp"

#include "actors/logging.hpp"

#include <array>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

namespace hookd {

file_events::file_events(callback on_change) : on_change_(std::move(on_change)) {
  inotify_fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (inotify_fd_ < 0 || wake_fd_ < 0) {
    HOOKD_WARN("file events: inotify is not available; falling back to polling");
    if (inotify_fd_ >= 0)
      ::close(inotify_fd_);
    inotify_fd_ = -1;
    return;
  }
  thread_ = std::thread{[this] { run(); }};
}

file_events::~file_events() {
  if (thread_.joinable()) {
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
    thread_.join();
  }
  if (inotify_fd_ >= 0)
    ::close(inotify_fd_);
  if (wake_fd_ >= 0)
    ::close(wake_fd_);
}

bool file_events::watch(const std::filesystem::path& file) {
  if (!ok())
    return false;
  auto folder = file.parent_path().empty() ? std::filesystem::path{"."} : file.parent_path();
  std::lock_guard lock{mtx_};
  files_.insert(file.lexically_normal().string());
  int wd = inotify_add_watch(inotify_fd_, folder.c_str(),
                             IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY);
  if (wd < 0)
    return false;
  folders_[wd] = folder;
  return true;
}

void file_events::run() {
  alignas(inotify_event) std::array<char, 16384> buf{};
  while (true) {
    std::array<pollfd, 2> fds{pollfd{inotify_fd_, POLLIN, 0}, pollfd{wake_fd_, POLLIN, 0}};
    if (::poll(fds.data(), fds.size(), -1) < 0)
      continue; // EINTR
    if (fds[1].revents != 0)
      return;
    auto n = ::read(inotify_fd_, buf.data(), buf.size());
    if (n <= 0)
      continue;
    std::set<std::string> changed;
    {
      std::lock_guard lock{mtx_};
      for (char* p = buf.data(); p < buf.data() + n;) {
        auto* ev = reinterpret_cast<inotify_event*>(p);
        p += sizeof(inotify_event) + ev->len;
        auto folder = folders_.find(ev->wd);
        if (folder == folders_.end() || ev->len == 0)
          continue;
        auto path = (folder->second / ev->name).lexically_normal().string();
        if (files_.count(path) != 0)
          changed.insert(path);
      }
    }
    for (const auto& path : changed)
      on_change_(path);
  }
}

} // namespace hookd
