#pragma once
// What the bench/micro files that keep, per engine, a Database and a raw side on its
// connections share: the cases by engine name, and their teardown.
#include <cstdio>
#include <exception>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>

namespace bench_cases {

// Case has `engine`, `db` (std::optional<manydb::Database>) and `raw` (a smart pointer).
template <class Case>
class ByEngine {
 public:
  explicit ByEngine(std::string what) : what_(std::move(what)) {}

  Case& add(const std::string& engine) {
    Case& c = all_[engine];
    c.engine = engine;
    return c;
  }

  Case& find(const std::string& engine) {
    auto it = all_.find(engine);
    if (it == all_.end()) throw std::runtime_error(what_ + ": engine " + engine + " is not set up");
    return it->second;
  }

  // The raw side goes first: its statements live on the connections the Database closes.
  void tear_down(const std::string& engine) {
    auto it = all_.find(engine);
    if (it == all_.end()) return;
    Case& c = it->second;
    c.raw.reset();
    if (c.db) {
      try {
        c.db->drop_all();
      } catch (const std::exception& e) {
        std::fprintf(stderr, "micro_bench: %s could not drop its tables on %s: %s\n", what_.c_str(),
                     engine.c_str(), e.what());
      }
    }
    all_.erase(it);
  }

 private:
  std::string what_;
  std::map<std::string, Case> all_;
};

}  // namespace bench_cases
