#include "manydb/tx/finish_branch.hpp"

#include <algorithm>
#include <thread>

#include "manydb/core/errors.hpp"
#include "manydb/driver/connection.hpp"

namespace manydb {

BranchEnd finish_branch(Connection& connection, const std::string& xid, bool commit,
                        std::chrono::milliseconds patience) {
  constexpr std::chrono::milliseconds kPoll{50};
  for (auto waited = std::chrono::milliseconds(0);; waited += kPoll) {
    try {
      commit ? connection.commit_prepared(xid) : connection.rollback_prepared(xid);
      return BranchEnd::finished;
    } catch (const NotFound&) {
      const auto listed = connection.prepared_transactions(xid);
      if (std::find(listed.begin(), listed.end(), xid) == listed.end()) return BranchEnd::gone;
      if (waited >= patience) return BranchEnd::owner_alive;
      std::this_thread::sleep_for(kPoll);
    }
  }
}

}  // namespace manydb
