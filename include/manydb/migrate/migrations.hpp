#pragma once
// The steps of every bind, from a directory of files and from code.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "manydb/migrate/step.hpp"

namespace manydb::migrate {

class Migrations {
 public:
  // Every `<dir>/<bind>/NNNN_name.sql` (and `NNNN_name.<dialect>.sql`, the step's variant for
  // one engine). A missing directory holds no steps. ConfigError naming the file for a name
  // that is not NNNN_name, a file without an up part, or two files of one version and dialect.
  static Migrations from_directory(const std::filesystem::path& dir);

  // Registers a step of `bind`; ConfigError when the bind already has one of this version
  // for the same dialect, or the version is not positive.
  Migrations& add(std::string_view bind, Step step);

  // The steps of `bind` for the engine whose dialect is `dialect`, in version order: for each
  // version its variant for that dialect, else its generic step.
  std::vector<const Step*> steps(std::string_view bind, std::string_view dialect) const;
  std::vector<std::string> binds() const;
  // The highest version of `bind`'s steps, of any dialect; 0 when it has none.
  std::int64_t highest_version(std::string_view bind) const;

 private:
  // bind -> version -> dialect ("" for every engine) -> step
  std::map<std::string, std::map<std::int64_t, std::map<std::string, Step>>, std::less<>> steps_;
};

}  // namespace manydb::migrate
