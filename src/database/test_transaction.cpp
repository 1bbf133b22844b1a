#include "manydb/database/test_transaction.hpp"

#include <cstdio>
#include <utility>

#include "manydb/core/errors.hpp"

namespace manydb {

TestTransaction::TestTransaction(std::vector<Engine*> engines) {
  engines_.reserve(engines.size());
  try {
    for (Engine* engine : engines) {
      engine->pool().pin();
      engines_.push_back(engine);
    }
  } catch (...) {
    for (Engine* engine : engines_) engine->pool().unpin();
    throw;
  }
}

TestTransaction::TestTransaction(TestTransaction&& other) noexcept
    : engines_(std::exchange(other.engines_, {})) {}

TestTransaction& TestTransaction::operator=(TestTransaction&& other) noexcept {
  if (this != &other) {
    try {
      end();
    } catch (const Error& e) {
      std::fprintf(stderr, "manydb: %s\n", e.what());
    }
    engines_ = std::exchange(other.engines_, {});
  }
  return *this;
}

TestTransaction::~TestTransaction() {
  try {
    end();
  } catch (const Error& e) {
    std::fprintf(stderr, "manydb: %s\n", e.what());
  }
}

void TestTransaction::end() {
  std::string escaped;
  for (Engine* engine : std::exchange(engines_, {})) {
    if (!engine->pool().unpin()) escaped += (escaped.empty() ? "'" : ", '") + engine->bind() + "'";
  }
  if (!escaped.empty()) {
    throw ProgrammingError("the test transaction of bind(s) " + escaped +
                           " was committed by a statement inside it (MariaDB commits at DDL): "
                           "what the test wrote there stays in the database");
  }
}

std::vector<std::string> TestTransaction::binds() const {
  std::vector<std::string> names;
  for (const Engine* engine : engines_) names.push_back(engine->bind());
  return names;
}

}  // namespace manydb
