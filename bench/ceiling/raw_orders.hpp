#pragma once
// One POST /orders' writes through a raw C API: the stock transaction on the products
// database (the guarded decrement, RETURNING the price), then the order transaction on the
// orders database, each committed (and so synced)
// on its own, with statements prepared once per connection.
#include <cstdint>
#include <memory>
#include <stdexcept>

#include "manydb/core/url.hpp"

namespace ceiling {

struct OrderLine {
  std::int64_t user_id;
  std::int64_t product_id;  // its price comes back from the stock decrement, as in the shop
};

class RawOrders {
 public:
  virtual ~RawOrders() = default;
  // false when the stock guard matched no row (the loop counts it as a failed order).
  virtual bool place(const OrderLine& line) = 0;
};

// Both URLs on the same engine: SQLite files or PostgreSQL databases.
std::unique_ptr<RawOrders> sqlite_orders(const manydb::Url& products, const manydb::Url& orders);
std::unique_ptr<RawOrders> postgres_orders(const manydb::Url& products, const manydb::Url& orders);

}  // namespace ceiling
