#include "manydb/routing/binds.hpp"

#include "manydb/core/errors.hpp"

namespace manydb {

namespace {
PoolOptions pool_options(const PoolSettings& s) {
  PoolOptions o;
  o.size = s.size.value_or(o.size);
  o.max_overflow = s.max_overflow.value_or(o.max_overflow);
  o.acquire_timeout = s.acquire_timeout.value_or(o.acquire_timeout);
  o.ping_after_idle = s.ping_after_idle.value_or(o.ping_after_idle);
  o.connect_timeout = s.connect_timeout.value_or(o.connect_timeout);
  o.statement_timeout = s.statement_timeout.value_or(o.statement_timeout);
  o.reconnect_interval = s.reconnect_interval.value_or(o.reconnect_interval);
  return o;
}
}  // namespace

Binds::Binds(const DatabaseConfig& config) {
  for (const auto& [name, bind] : config.binds) {
    Url url;
    try {
      url = Url::parse(bind.url);
    } catch (const ConfigError& e) {
      throw ConfigError("bind '" + name + "' (" + bind.origin + "): " + e.what(), name);
    }
    auto engine = std::make_unique<Engine>(name, std::move(url), pool_options(bind.pool));
    engine->metrics().log_statements_slower_than(bind.slow_query ? bind.slow_query
                                                                 : config.slow_query);
    engines_.emplace(name, std::move(engine));
  }
}

Engine& Binds::engine(std::string_view name) {
  if (auto it = engines_.find(name); it != engines_.end()) return *it->second;
  std::string known;
  for (const auto& [n, e] : engines_) known.append(known.empty() ? "" : ", ").append(n);
  throw ConfigError("unknown bind '" + std::string(name) +
                        "' (configured: " + (known.empty() ? "none" : known) + ")",
                    std::string(name));
}

std::vector<std::string> Binds::names() const {
  std::vector<std::string> out;
  for (const auto& [n, e] : engines_) out.push_back(n);
  return out;
}

}  // namespace manydb
