#include "cli/master_key.hpp"

#include "cli/secret_file.hpp"

namespace hookd::cli {

expected<master_key> load_master_key(const std::filesystem::path& data_dir,
                                     const std::string& key_file, const char* env_value) {
  master_key out;
  std::string text;
  std::string source;
  if (env_value != nullptr && *env_value != '\0') {
    text = env_value;
    source = "HOOKD_MASTER_KEY";
  } else {
    out.file = key_file.empty() ? data_dir / "master.key" : std::filesystem::path{key_file};
    std::function<std::string()> make;
    if (key_file.empty())
      make = [] { return secret_box::format_key(secret_box::generate()); };
    auto file = load_secret_file(out.file, 1, make);
    if (!file)
      return file.error();
    text = std::move(file->value);
    out.generated = file->created;
    source = out.file.string();
  }
  auto key = secret_box::parse_key(text);
  if (!key)
    return make_error_info(ec::bad_configuration,
                           source + " must hold a master key: base64 of exactly 32 bytes");
  out.box = std::make_shared<const secret_box>(*key);
  return out;
}

} // namespace hookd::cli
