#pragma once
// The rows of one PGresult, in text format or, for prepared statements whose columns all have
// a binary decoder here, in binary format.
#include <libpq-fe.h>

#include <memory>
#include <vector>

#include "manydb/driver/cursor.hpp"

namespace manydb::engines::postgres {

struct ResultDeleter {
  void operator()(PGresult* res) const { PQclear(res); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

class PgCursor final : public Cursor {
 public:
  // Takes ownership of `res`; the previous result is freed.
  void reset(ResultPtr res);
  // Whether every column of a described statement has a type read here from binary format.
  static bool decodes_binary(const PGresult* description);

  bool next() override;
  std::size_t column_count() const override;
  std::string_view column_name(std::size_t i) const override;
  bool is_null(std::size_t i) const override;
  std::int64_t rows_affected() const override;

 protected:
  std::int64_t read_int64(std::size_t i) const override;
  double read_double(std::size_t i) const override;
  bool read_bool(std::size_t i) const override;
  std::string_view read_text(std::size_t i) const override;
  Blob read_blob(std::size_t i) const override;
  Timestamp read_timestamp(std::size_t i) const override;
  Value read_value(std::size_t i) const override;

 private:
  enum class Kind { boolean, integer, floating, numeric, text, bytea, timestamp, other };
  Kind kind(std::size_t i) const;
  static Kind kind_of(Oid type);
  std::string_view raw(std::size_t i) const;
  // raw(i), or the DataError when there is no current row or the value is NULL.
  std::string_view present(std::size_t i, std::string_view wanted) const;
  [[noreturn]] void absent(std::size_t i, std::string_view wanted) const;
  std::string held(std::size_t i) const;
  Timestamp binary_timestamp(std::size_t i, std::string_view bytes) const;

  ResultPtr res_;
  std::vector<Kind> kinds_;  // per column, read once per result rather than once per value
  int rows_ = 0;
  int row_ = -1;
  bool binary_ = false;  // one format for all columns: libpq asks for one per statement
};

}  // namespace manydb::engines::postgres
