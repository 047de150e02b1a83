#include "cli/secret_file.hpp"

#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace hookd::cli {

expected<secret_file> load_secret_file(const std::filesystem::path& file, std::size_t min_size,
                                       const std::function<std::string()>& make) {
  secret_file out;
  struct stat st {};
  if (::stat(file.c_str(), &st) == 0) {
    if ((st.st_mode & 077) != 0)
      return make_error_info(ec::bad_configuration,
                             file.string() + " is readable by other users; chmod 600 it");
    std::ifstream in{file};
    std::getline(in, out.value);
    if (out.value.size() < min_size)
      return make_error_info(ec::bad_configuration, file.string() + " holds no valid value");
    return out;
  }
  if (!make)
    return make_error_info(ec::bad_configuration, file.string() + " does not exist");
  std::error_code err;
  std::filesystem::create_directories(file.parent_path(), err);
  if (err)
    return make_error_info(ec::bad_configuration,
                           "cannot create " + file.parent_path().string() + ": " + err.message());
  out.value = make();
  out.created = true;
  // Create with 0600 from the start: the secret must never exist with wider permissions.
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return make_error_info(ec::bad_configuration, "cannot create " + file.string());
  auto line = out.value + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok)
    return make_error_info(ec::bad_configuration, "cannot write " + file.string());
  return out;
}

} // namespace hookd::cli
