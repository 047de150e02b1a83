#include "tests/support/child_process.hpp"

#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

namespace hookd::test {

hookd_process::hookd_process(const std::string& binary, const std::string& data,
                             std::map<std::string, std::string> env,
                             std::vector<std::string> extra_args, std::string stderr_path) {
  int fds[2];
  if (::pipe(fds) != 0)
    throw std::runtime_error("pipe failed");
  pid_ = ::fork();
  if (pid_ < 0)
    throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    if (!stderr_path.empty()) {
      int fd = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0)
        ::dup2(fd, STDERR_FILENO);
    }
    for (auto& [k, v] : env)
      ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<std::string> args{binary,     "serve",       "--data",      data,
                                  "--listen", "127.0.0.1:0", "--log-level", "info"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  out_fd_ = fds[0];
  auto& out = out_;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{20};
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{out_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0)
      continue;
    char buf[256];
    auto n = ::read(out_fd_, buf, sizeof(buf));
    if (n <= 0)
      break;
    out.append(buf, static_cast<std::size_t>(n));
    auto pos = out.find("listening on 127.0.0.1:");
    auto eol = pos == std::string::npos ? pos : out.find('\n', pos);
    if (eol != std::string::npos) {
      port_ = static_cast<uint16_t>(std::stoi(out.substr(pos + 23, eol - pos - 23)));
      return;
    }
  }
}

hookd_process::~hookd_process() {
  if (pid_ > 0)
    stop(SIGKILL);
}

int hookd_process::stop(int signal) {
  if (pid_ <= 0)
    return -1;
  ::kill(pid_, signal);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  if (out_fd_ >= 0)
    ::close(out_fd_);
  out_fd_ = -1;
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

} // namespace hookd::test
