#include "manydb/migrate/migrations.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "manydb/core/errors.hpp"
#include "manydb/migrate/sql_script.hpp"

namespace manydb::migrate {
namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError("migrations: cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// NNNN_name.sql or NNNN_name.<dialect>.sql -> a step without its text.
Step step_of_file_name(const std::filesystem::path& path) {
  const std::string file = path.filename().string();
  std::string stem = file.substr(0, file.size() - 4);  // without ".sql"
  Step step;
  if (const auto dot = stem.find('.'); dot != std::string::npos) {
    step.dialect = stem.substr(dot + 1);
    stem.resize(dot);
    if (step.dialect != "sqlite" && step.dialect != "postgresql" && step.dialect != "mariadb") {
      throw ConfigError("migrations: " + path.string() +
                        ": the dialect must be sqlite, postgresql or mariadb");
    }
  }
  const auto digits = std::find_if_not(stem.begin(), stem.end(),
                                       [](unsigned char c) { return std::isdigit(c) != 0; });
  if (digits == stem.begin() || digits == stem.end() || *digits != '_' ||
      digits - stem.begin() > 18) {
    throw ConfigError("migrations: " + path.string() + ": the name must be NNNN_name.sql");
  }
  step.version = std::stoll(std::string(stem.begin(), digits));
  step.name = std::string(digits + 1, stem.end());
  step.source = path.string();
  return step;
}

}  // namespace

Migrations Migrations::from_directory(const std::filesystem::path& dir) {
  Migrations migrations;
  if (!std::filesystem::is_directory(dir)) return migrations;
  for (const auto& bind_dir : std::filesystem::directory_iterator(dir)) {
    if (!bind_dir.is_directory()) continue;
    const std::string bind = bind_dir.path().filename().string();
    for (const auto& entry : std::filesystem::directory_iterator(bind_dir.path())) {
      if (!entry.is_regular_file() || entry.path().extension() != ".sql") continue;
      Step step = step_of_file_name(entry.path());
      auto text = parse_step_file(read_file(entry.path()), step.source);
      step.up = std::move(text.up);
      step.down = std::move(text.down);
      migrations.add(bind, std::move(step));
    }
  }
  return migrations;
}

Migrations& Migrations::add(std::string_view bind, Step step) {
  if (step.version <= 0) {
    throw ConfigError("migrations: " + step.source + ": the version must be positive");
  }
  auto& variants = steps_[std::string(bind)][step.version];
  if (const auto it = variants.find(step.dialect); it != variants.end()) {
    throw ConfigError("migrations: bind " + std::string(bind) + ": two steps of version " +
                      std::to_string(step.version) + (step.dialect.empty() ? "" : " for ") +
                      step.dialect + ": " + it->second.source + " and " + step.source);
  }
  const std::string dialect = step.dialect;
  variants.emplace(dialect, std::move(step));
  return *this;
}

std::vector<const Step*> Migrations::steps(std::string_view bind, std::string_view dialect) const {
  std::vector<const Step*> out;
  const auto it = steps_.find(bind);
  if (it == steps_.end()) return out;
  for (const auto& [version, variants] : it->second) {
    auto own = variants.find(std::string(dialect));
    if (own == variants.end()) own = variants.find("");
    if (own != variants.end()) out.push_back(&own->second);
  }
  return out;
}

std::vector<std::string> Migrations::binds() const {
  std::vector<std::string> out;
  for (const auto& [bind, steps] : steps_) out.push_back(bind);
  return out;
}

std::int64_t Migrations::highest_version(std::string_view bind) const {
  const auto it = steps_.find(bind);
  return it == steps_.end() || it->second.empty() ? 0 : it->second.rbegin()->first;
}

}  // namespace manydb::migrate
