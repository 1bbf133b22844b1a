// expect: manydb: every column of a table must be a member pointer of the same struct
#include "manydb/schema/model.hpp"

struct Other {
  std::int64_t id = 0;
};
struct Bad {
  std::int64_t id = 0;
  static constexpr auto mapping() {
    using namespace manydb::schema;
    return table("bad", column("id", &Bad::id, primary_key), column("other", &Other::id));
  }
};

int main() { return static_cast<int>(manydb::schema::table_info<Bad>().columns.size()); }
