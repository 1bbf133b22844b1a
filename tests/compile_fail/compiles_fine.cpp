// expect: COMPILES
// The control case: the same shape as the failing files, correct, so a broken harness shows.
#include "manydb/schema/model.hpp"

struct Good {
  std::int64_t id = 0;
  static constexpr auto mapping() {
    using namespace manydb::schema;
    return table("good", column("id", &Good::id, primary_key));
  }
};

int main() { return static_cast<int>(manydb::schema::table_info<Good>().columns.size()); }
