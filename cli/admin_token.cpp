#include "cli/admin_token.hpp"

#include "cli/secret_file.hpp"
#include "domain/api_key.hpp"

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
  auto file = load_secret_file(out.file, 16, [] { return make_admin_token(); });
  if (!file)
    return file.error();
  out.value = std::move(file->value);
  out.generated = file->created;
  return out;
}

} // namespace hookd::cli
