#pragma once
// Statements for one round trip, and whether COMMIT ends them. An engine that pipelines
// (Dialect::pipelines()) sends them, with a BEGIN it has not sent yet and the COMMIT, as one
// packet and then reads every answer; the others run them one after another. Either way each
// statement's rows reach its reader, in order.
#include <cstddef>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include "manydb/core/value.hpp"
#include "manydb/driver/cursor.hpp"

namespace manydb {

class Batch {
 public:
  using Reader = std::function<void(Cursor&)>;
  struct Step {
    std::string_view sql;  // '?' placeholders
    std::span<const Value> params;
    Reader read;  // may be empty
  };

  // `sql` and `params` are not copied: they must outlive the batch's run.
  Batch& add(std::string_view sql, std::span<const Value> params, Reader read = {}) {
    steps_.push_back({sql, params, std::move(read)});
    return *this;
  }
  // COMMIT after the last statement (Transaction::commit_with sets it).
  Batch& commit_at_end(bool commit = true) {
    commit_ = commit;
    return *this;
  }

  std::span<const Step> steps() const { return steps_; }
  std::size_t size() const { return steps_.size(); }
  bool commits() const { return commit_; }

 private:
  std::vector<Step> steps_;
  bool commit_ = false;
};

}  // namespace manydb
