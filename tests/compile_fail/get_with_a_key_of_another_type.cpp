// expect: invalid conversion from .*const char\*.* to .*primary_key_type<Product>
// get<T> takes the type of T's primary-key member, not any Value.
#include "manydb/manydb.hpp"

struct Product {
  std::int64_t id = 0;
  static constexpr auto mapping() {
    using namespace manydb::schema;
    return table("product", column("id", &Product::id, primary_key));
  }
};

void lookup(manydb::Session& s) { s.get<Product>("x"); }

int main() { return 0; }
