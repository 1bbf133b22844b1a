#pragma once
// The binds registry: one Engine per bind name. Every read or write picks its engine here, so
// read replicas and tenants can later be routed in this one place.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "manydb/config/database_config.hpp"
#include "manydb/pool/engine.hpp"

namespace manydb {

class Binds {
 public:
  // Parses every URL up front (a bad one throws ConfigError naming the bind and where it was
  // set); connects to none of them.
  explicit Binds(const DatabaseConfig& config);

  // Throws ConfigError listing the known binds when `name` is not one of them.
  Engine& engine(std::string_view name);
  bool contains(std::string_view name) const { return engines_.contains(name); }
  std::vector<std::string> names() const;

 private:
  std::map<std::string, std::unique_ptr<Engine>, std::less<>> engines_;
};

}  // namespace manydb
