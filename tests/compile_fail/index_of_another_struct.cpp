// expect: manydb: an index covers data members of the table's own struct
#include "manydb/schema/model.hpp"

struct Other {
  std::int64_t user_id = 0;
};
struct Bad {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  static constexpr auto mapping() {
    using namespace manydb::schema;
    return table("bad", column("id", &Bad::id, primary_key), column("user_id", &Bad::user_id))
        .index("ix_bad", &Other::user_id);
  }
};

int main() { return static_cast<int>(manydb::schema::table_info<Bad>().indexes.size()); }
