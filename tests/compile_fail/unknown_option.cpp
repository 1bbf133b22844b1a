// expect: manydb: unknown column option
#include "manydb/schema/model.hpp"

struct Bad {
  std::int64_t id = 0;
  static constexpr auto mapping() {
    using namespace manydb::schema;
    return table("bad", column("id", &Bad::id, primary_key, 42));
  }
};

int main() { return static_cast<int>(manydb::schema::table_info<Bad>().columns.size()); }
