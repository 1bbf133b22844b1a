#include "analytics_config.hpp"

#include <toml++/toml.h>

#include <fstream>
#include <sstream>

#include "manydb/core/errors.hpp"

namespace shop {

namespace {

using manydb::ConfigError;

std::string where(const toml::source_region& region) {
  std::string out = region.path ? std::string(*region.path) : std::string("<config>");
  return out + ":" + std::to_string(region.begin.line) + ":" + std::to_string(region.begin.column);
}

[[noreturn]] void bad(const toml::node& node, std::string_view key, std::string_view what) {
  throw ConfigError(where(node.source()) + ": [analytics] " + std::string(key) + " " +
                    std::string(what));
}

std::int64_t at_least(const toml::node& node, std::string_view key, std::int64_t minimum) {
  const auto* value = node.as_integer();
  if (!value || value->get() < minimum) {
    bad(node, key, "must be an integer >= " + std::to_string(minimum));
  }
  return value->get();
}

void read_key(AnalyticsConfig& config, std::string_view key, const toml::node& node) {
  using std::chrono::milliseconds;
  if (key == "page_views") {
    if (!node.as_boolean()) bad(node, key, "must be true or false");
    config.page_views = node.as_boolean()->get();
  } else if (key == "batch_size") {
    config.batch_size = static_cast<std::size_t>(at_least(node, key, 1));
  } else if (key == "flush_interval_ms") {
    config.flush_interval = milliseconds(at_least(node, key, 1));
  } else if (key == "queue_capacity") {
    config.queue_capacity = static_cast<std::size_t>(at_least(node, key, 1));
  } else if (key == "spill_dir") {
    if (!node.as_string() || node.as_string()->get().empty()) {
      bad(node, key, "must be a non-empty string (a folder)");
    }
    config.spill_dir = node.as_string()->get();
  } else if (key == "spill_max_mb") {
    config.spill_max_bytes = static_cast<std::uint64_t>(at_least(node, key, 1)) << 20;
  } else if (key == "stop_timeout_ms") {
    config.stop_timeout = milliseconds(at_least(node, key, 0));
  } else {
    throw ConfigError(where(node.source()) + ": unknown key '" + std::string(key) +
                      "' in [analytics] (known: page_views, batch_size, flush_interval_ms, "
                      "queue_capacity, spill_dir, spill_max_mb, stop_timeout_ms)");
  }
}

}  // namespace

AnalyticsConfig AnalyticsConfig::from_toml_string(std::string_view text, std::string_view source) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    throw ConfigError(where(e.source()) + ": " + std::string(e.description()));
  }
  AnalyticsConfig config;
  const auto* node = root.get("analytics");
  if (!node) return config;
  const auto* table = node->as_table();
  if (!table) throw ConfigError(where(node->source()) + ": [analytics] must be a table");
  for (const auto& [key, value] : *table) read_key(config, key.str(), value);
  if (config.batch_size > config.queue_capacity) {
    throw ConfigError(std::string(source) + ": [analytics] batch_size (" +
                      std::to_string(config.batch_size) + ") must not exceed queue_capacity (" +
                      std::to_string(config.queue_capacity) + ")");
  }
  return config;
}

AnalyticsConfig AnalyticsConfig::from_toml_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError("cannot read configuration file '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  return from_toml_string(text.str(), path);
}

}  // namespace shop
