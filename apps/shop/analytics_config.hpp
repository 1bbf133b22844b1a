#pragma once
// The [analytics] table of the shop's TOML file: how page views are queued, logged to disk and
// batched (docs/shop.md, "Page views"). Every key is optional.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace shop {

struct AnalyticsConfig {
  bool page_views = true;        // false: record nothing (the benchmark's baseline)
  std::size_t batch_size = 500;  // the queue is logged once this many wait (and a record,
                                 // hence a transaction, holds at most this many)...
  std::chrono::milliseconds flush_interval{200};   // ...or once the oldest has waited this long
  std::size_t queue_capacity = 100'000;            // past it, views are dropped
  std::string spill_dir = "data/page-view-spill";  // the log's folder, relative to the cwd
  std::uint64_t spill_max_bytes = std::uint64_t{1} << 30;  // past it, views are dropped
  std::chrono::milliseconds stop_timeout{5000};            // SIGTERM: write the log this long

  // Reads [analytics] from the TOML file at `path` (no table: the defaults). Throws
  // manydb::ConfigError naming file:line:column and the key for a bad value or unknown key.
  static AnalyticsConfig from_toml_file(const std::string& path);
  static AnalyticsConfig from_toml_string(std::string_view text, std::string_view source);
};

}  // namespace shop
