#include "tests/support/child_process.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdexcept>
#include <sys/wait.h>
#include <tuple>
#include <unistd.h>

namespace hookd::test {

namespace {

// The exit status `waitpid` reported, as a shell would show it.
int exit_status(int status) {
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

// A child running `args` (the binary first) with `env` added, its stdout piped to the parent
// and its stderr to `stderr_path` when set (else the parent's). Returns the pid and the read
// end of the pipe.
std::pair<pid_t, int> spawn_child(std::vector<std::string> args,
                                  const std::map<std::string, std::string>& env,
                                  const std::string& stderr_path = {}) {
  int fds[2];
  if (::pipe(fds) != 0)
    throw std::runtime_error("pipe failed");
  auto pid = ::fork();
  if (pid < 0)
    throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    if (!stderr_path.empty()) {
      int fd = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0)
        ::dup2(fd, STDERR_FILENO);
    }
    for (const auto& [k, v] : env)
      ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  return {pid, fds[0]};
}

} // namespace

command_result run_command(const std::string& binary, const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& env) {
  std::vector<std::string> all{binary};
  all.insert(all.end(), args.begin(), args.end());
  char err_path[] = "/tmp/hookd-test-stderr-XXXXXX";
  int err_fd = ::mkstemp(err_path);
  if (err_fd < 0)
    throw std::runtime_error("mkstemp failed");
  auto [pid, out] = spawn_child(std::move(all), env, err_path);
  command_result result;
  char buf[4096];
  for (ssize_t n; (n = ::read(out, buf, sizeof(buf))) > 0;)
    result.out.append(buf, static_cast<std::size_t>(n));
  ::close(out);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.status = exit_status(status);
  for (ssize_t n; (n = ::read(err_fd, buf, sizeof(buf))) > 0;)
    result.err.append(buf, static_cast<std::size_t>(n));
  ::close(err_fd);
  ::unlink(err_path);
  if (!result.err.empty())
    std::fwrite(result.err.data(), 1, result.err.size(), stderr);
  return result;
}

hookd_process::hookd_process(const std::string& binary, const std::string& data,
                             std::map<std::string, std::string> env,
                             std::vector<std::string> extra_args, std::string stderr_path) {
  std::vector<std::string> args{binary,     "serve",       "--data",      data,
                                "--listen", "127.0.0.1:0", "--log-level", "info"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::tie(pid_, out_fd_) = spawn_child(std::move(args), env, stderr_path);
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
  return exit_status(status);
}

} // namespace hookd::test
