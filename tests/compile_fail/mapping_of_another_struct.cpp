// expect: manydb: T::mapping\(\) maps the members of another struct
#include "manydb/schema/model.hpp"

struct Other {
  std::int64_t id = 0;
};
struct Bad {
  std::int64_t id = 0;
  static constexpr auto mapping() {
    using namespace manydb::schema;
    return table("bad", column("id", &Other::id, primary_key));
  }
};

int main() { return static_cast<int>(manydb::schema::table_info<Bad>().columns.size()); }
