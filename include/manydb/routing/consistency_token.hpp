#pragma once
// Read-your-writes across sessions, threads and processes: per bind, the primary's position
// after a commit. A session opened with a token reads each of its binds from a replica only
// once that replica has replayed the token's position there (docs/replicas.md).
//
// Text form: "bind=position;bind=position", binds in name order, positions in the engine's own
// notation ("orders=0/30242E0;users=0-1-7"). It holds no secret and fits an HTTP header.
#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace manydb {

class ConsistencyToken {
 public:
  ConsistencyToken() = default;
  // Throws InvalidToken naming what is wrong; "" is the empty token. Only the shape is checked
  // here: Binds::check_token knows which binds exist and how their engines write positions.
  static ConsistencyToken parse(std::string_view text);
  std::string to_string() const;

  bool empty() const { return positions_.empty(); }
  // The position a read of `bind` must see; empty when the token asks nothing of the bind.
  std::string_view position(std::string_view bind) const;
  void set(std::string_view bind, std::string position);
  const std::map<std::string, std::string, std::less<>>& positions() const { return positions_; }

  friend bool operator==(const ConsistencyToken&, const ConsistencyToken&) = default;

 private:
  std::map<std::string, std::string, std::less<>> positions_;
};

}  // namespace manydb
