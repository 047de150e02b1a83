#include "cli/admin_token.hpp"

#include "domain/api_key.hpp"

#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace hookd::cli {

expected<admin_token> load_admin_token(const std::filesystem::path& data_dir,
                                       const char* env_value) {
  admin_token out;
  if (env_value != nullptr && *env_value != '\0') {
    out.value = env_value;
    if (out.value.size() < 16)
      return make_error_info(ec::bad_configuration,
                             "HOOKD_ADMIN_TOKEN must be at least 16 characters");
    return out;
  }
  out.file = data_dir / "admin.token";
  struct stat st {};
  if (::stat(out.file.c_str(), &st) == 0) {
    if ((st.st_mode & 077) != 0)
      return make_error_info(ec::bad_configuration,
                             out.file.string() + " is readable by other users; chmod 600 it");
    std::ifstream in{out.file};
    std::getline(in, out.value);
    if (out.value.size() < 16)
      return make_error_info(ec::bad_configuration, out.file.string() + " holds no valid token");
    return out;
  }
  std::error_code err;
  std::filesystem::create_directories(data_dir, err);
  if (err)
    return make_error_info(ec::bad_configuration,
                           "cannot create " + data_dir.string() + ": " + err.message());
  out.value = make_admin_token();
  out.generated = true;
  // Create with 0600 from the start: the token must never exist with wider permissions.
  int fd = ::open(out.file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return make_error_info(ec::bad_configuration, "cannot create " + out.file.string());
  auto line = out.value + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok)
    return make_error_info(ec::bad_configuration, "cannot write " + out.file.string());
  return out;
}

} // namespace hookd::cli
