// expect: manydb: an index covers an unmapped member
#include "manydb/schema/model.hpp"

struct Bad {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::int64_t unmapped = 0;
  static constexpr auto mapping() {
    using namespace manydb::schema;
    return table("bad", column("id", &Bad::id, primary_key), column("user_id", &Bad::user_id))
        .index("ix_bad", &Bad::user_id, &Bad::unmapped);
  }
};

int main() { return static_cast<int>(manydb::schema::table_info<Bad>().indexes.size()); }
