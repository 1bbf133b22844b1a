#include <libpq-fe.h>

#include <string>

#include "raw_orders.hpp"

namespace ceiling {
namespace {

struct Result {
  PGresult* res;
  ~Result() { PQclear(res); }
};

PGconn* connect(const manydb::Url& url) {
  const std::string host = url.param("host", url.host);
  const std::string port = std::to_string(url.port_or_default());
  const char* keys[] = {"host", "port", "dbname", "user", "password", nullptr};
  const char* values[] = {host.c_str(),     port.c_str(),         url.database.c_str(),
                          url.user.c_str(), url.password.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, 0);
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    throw std::runtime_error("connect to " + url.redacted() + ": " + message);
  }
  return conn;
}

void check(PGconn* conn, const Result& r, ExecStatusType want, const char* what) {
  if (PQresultStatus(r.res) != want) {
    throw std::runtime_error(std::string(what) + ": " + PQerrorMessage(conn));
  }
}

void exec(PGconn* conn, const char* sql) {
  Result r{PQexec(conn, sql)};
  check(conn, r, PGRES_COMMAND_OK, sql);
}

void prepare(PGconn* conn, const char* name, const char* sql) {
  Result r{PQprepare(conn, name, sql, 0, nullptr)};
  check(conn, r, PGRES_COMMAND_OK, sql);
}

class PostgresOrders final : public RawOrders {
 public:
  PostgresOrders(const manydb::Url& products, const manydb::Url& orders)
      : products_(connect(products)), orders_(connect(orders)) {
    prepare(products_, "take",
            R"(UPDATE "product" SET "stock" = "stock" - 1 WHERE "id" = $1 AND "stock" >= 1)"
            R"( RETURNING "price")");
    prepare(orders_, "order",
            R"(INSERT INTO "order" ("user_id", "total_amount", "status") VALUES ($1, $2, $3))"
            R"( RETURNING "id")");
    prepare(orders_, "item",
            R"(INSERT INTO "order_item" ("order_id", "product_id", "quantity", "price"))"
            R"( VALUES ($1, $2, 1, $3))");
  }
  ~PostgresOrders() override {
    PQfinish(products_);
    PQfinish(orders_);
  }

  bool place(const OrderLine& line) override {
    const std::string product = std::to_string(line.product_id);
    const std::string user = std::to_string(line.user_id);
    std::string price;
    exec(products_, "BEGIN");
    {
      const char* params[] = {product.c_str()};
      Result r{PQexecPrepared(products_, "take", 1, params, nullptr, nullptr, 0)};
      check(products_, r, PGRES_TUPLES_OK, "take");
      if (PQntuples(r.res) != 1) {
        exec(products_, "ROLLBACK");
        return false;
      }
      price = PQgetvalue(r.res, 0, 0);  // passed on as text, as it came
    }
    exec(products_, "COMMIT");
    exec(orders_, "BEGIN");
    std::string order_id;
    {
      const char* params[] = {user.c_str(), price.c_str(), "pending"};
      Result r{PQexecPrepared(orders_, "order", 3, params, nullptr, nullptr, 0)};
      check(orders_, r, PGRES_TUPLES_OK, "order");
      order_id = PQgetvalue(r.res, 0, 0);
    }
    {
      const char* params[] = {order_id.c_str(), product.c_str(), price.c_str()};
      Result r{PQexecPrepared(orders_, "item", 3, params, nullptr, nullptr, 0)};
      check(orders_, r, PGRES_COMMAND_OK, "item");
    }
    exec(orders_, "COMMIT");
    return true;
  }

 private:
  PGconn* products_;
  PGconn* orders_;
};

}  // namespace

std::unique_ptr<RawOrders> postgres_orders(const manydb::Url& products, const manydb::Url& orders) {
  return std::make_unique<PostgresOrders>(products, orders);
}

}  // namespace ceiling
