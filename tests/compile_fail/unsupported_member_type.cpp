// expect: manydb: unsupported member type for a column
#include <map>

#include "manydb/schema/model.hpp"

struct Bad {
  std::int64_t id = 0;
  std::map<int, int> tags;
  static constexpr auto mapping() {
    using namespace manydb::schema;
    return table("bad", column("id", &Bad::id, primary_key), column("tags", &Bad::tags));
  }
};

int main() { return static_cast<int>(manydb::schema::table_info<Bad>().columns.size()); }
