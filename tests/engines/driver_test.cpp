// Driver behaviour, written once and run on SQLite, PostgreSQL and MariaDB.
#include <algorithm>
#include <limits>
#include <optional>

#include "engine_fixture.hpp"

namespace manydb::testing {
namespace {

class Driver : public EngineTest {
 protected:
  // A table with one column of every type, created through the dialect's own type names.
  std::string typed_table() {
    const auto name = table("typed");
    const auto& d = admin_->dialect();
    admin_->execute_script(
        "CREATE TABLE " + d.quote_identifier(name) + " (id " +
        std::string(d.autoincrement_primary_key()) + ", b " + d.type_name(ValueType::boolean) +
        ", i " + d.type_name(ValueType::int64) + ", r " + d.type_name(ValueType::real) + ", t " +
        d.type_name(ValueType::text) + ", v " + d.type_name(ValueType::text, 80) + ", bl " +
        d.type_name(ValueType::blob) + ", ts " + d.type_name(ValueType::timestamp) + ")");
    return d.quote_identifier(name);
  }
};

TEST_P(Driver, EveryTypeRoundTrips) {
  const auto t = typed_table();
  auto c = connect();
  const Blob bytes{std::byte{0}, std::byte{1}, std::byte{0xff}, std::byte{0}};
  const auto ts = Timestamp::parse("2026-11-23 12:00:00.123456");
  const std::string insert =
      "INSERT INTO " + t + " (b, i, r, t, v, bl, ts) VALUES (?, ?, ?, ?, ?, ?, ?)";
  c->execute(insert,
             {true, std::numeric_limits<std::int64_t>::max(), 0.1, "héllo ✓ 日本", "", bytes, ts});
  c->execute(insert, {false, std::numeric_limits<std::int64_t>::min(), -2.5e300, "'quoted' \"x\"",
                      "v", Blob{}, Timestamp{0}});
  c->execute(insert, {nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr});

  auto& rows = c->query("SELECT b, i, r, t, v, bl, ts FROM " + t + " ORDER BY id");
  ASSERT_TRUE(rows.next());
  EXPECT_EQ(rows.get<bool>(0), true);
  EXPECT_EQ(rows.get<std::int64_t>(1), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(rows.get<double>(2), 0.1);
  EXPECT_EQ(rows.get<std::string>(3), "héllo ✓ 日本");
  EXPECT_EQ(rows.get<std::string>(4), "");
  EXPECT_EQ(rows.get<Blob>(5), bytes);
  EXPECT_EQ(rows.get<Timestamp>(6), ts);
  ASSERT_TRUE(rows.next());
  EXPECT_EQ(rows.get<bool>(0), false);
  EXPECT_EQ(rows.get<std::int64_t>(1), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(rows.get<double>(2), -2.5e300);
  EXPECT_EQ(rows.get<std::string>(3), "'quoted' \"x\"");
  EXPECT_EQ(rows.get<Blob>(5), Blob{});
  EXPECT_EQ(rows.get<Timestamp>(6), Timestamp{0});
  ASSERT_TRUE(rows.next());
  for (std::size_t i = 0; i < 7; ++i) EXPECT_TRUE(rows.is_null(i)) << i;
  EXPECT_EQ(rows.get<std::optional<std::int64_t>>(1), std::nullopt);
  EXPECT_EQ(rows.get<std::optional<std::string>>(3), std::nullopt);
  EXPECT_EQ(rows.get_value(6), Value());
  EXPECT_FALSE(rows.next());
}

// copy_rows: on PostgreSQL every type through COPY's text format, the characters it escapes
// too, and a failure (a taken key) thrown with the connection still usable; elsewhere refused.
TEST_P(Driver, CopyRowsCarriesEveryTypeWhereTheEngineHasCopy) {
  const auto t = typed_table();
  auto c = connect();
  const std::string copy = "COPY " + t + " (id, b, i, r, t, v, bl, ts) FROM STDIN";
  const Blob bytes{std::byte{0}, std::byte{'\\'}, std::byte{0xff}, std::byte{'\n'}};
  const auto ts = Timestamp::parse("2026-11-23 12:00:00.123456");
  const std::string tricky = "tab\there\nnew line\r\\N back\\slash héllo ✓";
  std::vector<Value> rows;
  const auto add = [&](std::initializer_list<Value> row) { rows.insert(rows.end(), row); };
  add({1, true, std::numeric_limits<std::int64_t>::max(), 0.1, tricky, "", bytes, ts});
  add({2, false, std::numeric_limits<std::int64_t>::min(), -2.5e300, "\\N", "v", Blob{},
       Timestamp{0}});
  add({3, nullptr, nullptr, std::numeric_limits<double>::infinity(), nullptr, nullptr, nullptr,
       nullptr});
  if (!c->dialect().copies_rows()) {
    EXPECT_THROW(c->copy_rows(copy, 8, rows), ProgrammingError);
    return;
  }
  c->copy_rows(copy, 8, rows);
  auto& r = c->query("SELECT b, i, r, t, v, bl, ts FROM " + t + " ORDER BY id");
  ASSERT_TRUE(r.next());
  EXPECT_EQ(r.get<bool>(0), true);
  EXPECT_EQ(r.get<std::int64_t>(1), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(r.get<double>(2), 0.1);
  EXPECT_EQ(r.get<std::string>(3), tricky);
  EXPECT_EQ(r.get<std::string>(4), "");  // empty, not NULL
  EXPECT_EQ(r.get<Blob>(5), bytes);
  EXPECT_EQ(r.get<Timestamp>(6), ts);
  ASSERT_TRUE(r.next());
  EXPECT_EQ(r.get<std::int64_t>(1), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(r.get<double>(2), -2.5e300);
  EXPECT_EQ(r.get<std::string>(3), "\\N");  // the text, not a NULL
  EXPECT_EQ(r.get<Blob>(5), Blob{});
  ASSERT_TRUE(r.next());
  EXPECT_TRUE(r.is_null(0));
  EXPECT_EQ(r.get<double>(2), std::numeric_limits<double>::infinity());
  for (std::size_t i : {3u, 4u, 5u, 6u}) EXPECT_TRUE(r.is_null(i)) << i;
  EXPECT_FALSE(r.next());
  // Many chunks: a megabyte and more, each flushed as the server takes it.
  std::vector<Value> many;
  for (std::int64_t id = 100; id < 20'100; ++id) {
    many.insert(many.end(), {id, true, id, 0.5, std::string(40, 'x'), "v", bytes, ts});
  }
  c->copy_rows(copy, 8, many);
  auto& n = c->query("SELECT count(*), max(i) FROM " + t + " WHERE id >= 100");
  ASSERT_TRUE(n.next());
  EXPECT_EQ(n.get<std::int64_t>(0), 20'000);
  EXPECT_EQ(n.get<std::int64_t>(1), 20'099);
  while (n.next()) {
  }
  // A key taken already, in the first row or in the first of a megabyte (the server's error
  // then comes while rows are still being sent): the COPY fails whole, the connection goes on.
  for (const auto again : {std::span<const Value>(rows).first(8), std::span<const Value>(many)}) {
    c->begin();
    EXPECT_THROW(c->copy_rows(copy, 8, again), UniqueViolation);
    c->rollback();
  }
  EXPECT_THROW(c->copy_rows(copy, 8, std::span(rows).first(7)), ProgrammingError);
  EXPECT_THROW(c->copy_rows("SELECT 1", 8, rows), ProgrammingError);
  EXPECT_EQ(c->query("SELECT count(*) FROM " + t).next(), true);
}

TEST_P(Driver, NaturalValuesOfColumns) {
  const auto t = typed_table();
  auto c = connect();
  c->execute("INSERT INTO " + t + " (b, i, r, t, bl, ts) VALUES (?, ?, ?, ?, ?, ?)",
             {true, 7, 1.5, "x", to_blob("ab"), Timestamp{1'000'000}});
  const auto result = read_all(c->query("SELECT i, r, t, bl, ts FROM " + t));
  ASSERT_EQ(result.rows.size(), 1u);
  EXPECT_EQ(result.columns, (std::vector<std::string>{"i", "r", "t", "bl", "ts"}));
  EXPECT_EQ(result.rows[0][0], Value(7));
  EXPECT_EQ(result.rows[0][1], Value(1.5));
  EXPECT_EQ(result.rows[0][2], Value("x"));
  EXPECT_EQ(result.rows[0][3], Value(to_blob("ab")));
  EXPECT_EQ(result.rows[0][4], Value(Timestamp{1'000'000}));
}

TEST_P(Driver, TypeAndNullMismatchesAreClearErrors) {
  const auto t = typed_table();
  auto c = connect();
  c->execute("INSERT INTO " + t + " (i, t) VALUES (?, ?)", {5, "five"});
  auto& rows = c->query("SELECT t, i, r FROM " + t);
  ASSERT_TRUE(rows.next());
  try {
    rows.get_int64(0);
    FAIL() << "text read as int64";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("('t')"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("int64"), std::string::npos) << e.what();
  }
  EXPECT_THROW(rows.get_text(1), DataError);
  try {
    rows.get<double>(2);
    FAIL() << "NULL read as double";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("is NULL"), std::string::npos) << e.what();
  }
  EXPECT_THROW(rows.get_int64(9), DataError);
}

TEST_P(Driver, ReadFillsVariablesWithTheChecksOfGet) {
  const auto t = typed_table();
  auto c = connect();
  const std::string insert = "INSERT INTO " + t + " (i, r, t, v) VALUES (?, ?, ?, ?)";
  c->execute(insert, {7, 1.5, "a text longer than the small-string buffer", nullptr});
  c->execute(insert, {8, 2, "short", "v"});
  std::int64_t i = 0;
  double r = 0;
  std::string text = "previous contents";
  std::optional<std::string> v = "previous";
  auto& rows = c->query("SELECT i, r, t, v FROM " + t + " ORDER BY id");
  ASSERT_TRUE(rows.next());
  rows.read(i, r, text, v);
  EXPECT_EQ(i, 7);
  EXPECT_EQ(r, 1.5);
  EXPECT_EQ(text, "a text longer than the small-string buffer");
  EXPECT_EQ(v, std::nullopt);
  ASSERT_TRUE(rows.next());
  rows.read(i, r, text, v);  // the same variables again: strings are assigned in place
  EXPECT_EQ(i, 8);
  EXPECT_EQ(r, 2.0);
  EXPECT_EQ(text, "short");
  EXPECT_EQ(v, "v");
  int narrow = 0;
  rows.read_into(0, narrow);
  EXPECT_EQ(narrow, 8);
  std::string wrong;
  EXPECT_THROW(rows.read(wrong), DataError);  // an integer is not text
  EXPECT_FALSE(rows.next());
}

// SQLite hands out pointers into its current row, which die when the statement steps on.
TEST_P(Driver, ValuesOfAFinishedRowAreNotReadable) {
  if (backend() != Backend::sqlite) GTEST_SKIP() << "checked where rows are decoded into cells";
  const auto t = typed_table();
  auto c = connect();
  c->execute("INSERT INTO " + t + " (i) VALUES (?)", {1});
  auto& rows = c->query("SELECT i FROM " + t);
  EXPECT_THROW(rows.get_int64(0), DataError);  // before next()
  ASSERT_TRUE(rows.next());
  EXPECT_EQ(rows.get_int64(0), 1);
  EXPECT_EQ(rows.get<double>(0), 1.0);  // an integer widens to double
  EXPECT_FALSE(rows.next());
  EXPECT_THROW(rows.get_int64(0), DataError);
  std::int64_t i = 0;
  EXPECT_THROW(rows.read(i), DataError);
}

TEST_P(Driver, AlternatingStatementsUseTheirOwnPreparedStatements) {
  const auto t = typed_table();
  auto c = connect();
  for (int n = 0; n < 3; ++n) c->execute("INSERT INTO " + t + " (i) VALUES (?)", {n});
  const std::uint64_t prepared_before = c->prepare_count();
  // More statements than the connection's short list of recent ones, round after round.
  for (int round = 0; round < 3; ++round) {
    for (int k = 0; k < 6; ++k) {
      auto& rows =
          c->query("SELECT i + " + std::to_string(k) + " FROM " + t + " WHERE i = ?", {round});
      ASSERT_TRUE(rows.next());
      EXPECT_EQ(rows.get_int64(0), round + k);
    }
  }
  EXPECT_EQ(c->prepare_count() - prepared_before, 6u);
}

TEST_P(Driver, RowsAffectedCountsMatchedRows) {
  const auto t = typed_table();
  auto c = connect();
  for (int i = 0; i < 5; ++i) c->execute("INSERT INTO " + t + " (i) VALUES (?)", {i % 2});
  // Setting a value to what it already is still counts the row, on every engine.
  EXPECT_EQ(c->execute("UPDATE " + t + " SET i = ? WHERE i = ?", {1, 1}), 2);
  EXPECT_EQ(c->execute("UPDATE " + t + " SET i = ? WHERE i = ?", {7, 0}), 3);
  EXPECT_EQ(c->execute("UPDATE " + t + " SET i = ? WHERE i = ?", {7, 42}), 0);
  EXPECT_EQ(c->execute("DELETE FROM " + t + " WHERE i = ?", {7}), 3);
}

TEST_P(Driver, GeneratedKeysThroughReturning) {
  const auto t = typed_table();
  auto c = connect();
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 3; ++i) {
    auto& rows = c->query("INSERT INTO " + t + " (i) VALUES (?) RETURNING id", {i});
    ASSERT_TRUE(rows.next());
    ids.push_back(rows.get_int64(0));
    EXPECT_FALSE(rows.next());
  }
  EXPECT_LT(ids[0], ids[1]);
  EXPECT_LT(ids[1], ids[2]);
  auto& check = c->query("SELECT i FROM " + t + " WHERE id = ?", {ids[2]});
  ASSERT_TRUE(check.next());
  EXPECT_EQ(check.get_int64(0), 2);
  // Without RETURNING, SQLite and MariaDB report the key of the last INSERT; PostgreSQL has
  // no such thing and says so.
  c->execute("INSERT INTO " + t + " (i) VALUES (?)", {3});
  if (backend() == Backend::postgresql) {
    EXPECT_THROW(c->last_insert_id(), ProgrammingError);
  } else {
    EXPECT_EQ(c->last_insert_id(), ids[2] + 1);
  }
}

// The Values of an initializer list are gone once query() returns, before the rows are read:
// the rows must not depend on them, whether the statement reads (its WHERE is evaluated as it
// steps) or writes (SQLite binds a writing statement's text without a copy).
TEST_P(Driver, RowsOutliveTheirParameters) {
  const auto t = typed_table();
  auto c = connect();
  const std::string a(100, 'a');
  const std::string b(100, 'b');
  const auto overwrite_freed_memory = [] {
    std::vector<std::string> noise(64, std::string(100, 'z'));
    return noise.size();
  };
  std::vector<std::string> got;
  auto& inserted = c->query("INSERT INTO " + t + " (t) VALUES (?), (?) RETURNING t",
                            {std::string(a), std::string(b)});
  EXPECT_EQ(overwrite_freed_memory(), 64u);
  while (inserted.next()) got.emplace_back(inserted.get_text(0));
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{a, b}));

  got.clear();
  // No ORDER BY: a sort would compare every row in the first step, while the parameters live.
  auto& selected =
      c->query("SELECT t FROM " + t + " WHERE t = ? OR t = ?", {std::string(a), std::string(b)});
  EXPECT_EQ(overwrite_freed_memory(), 64u);
  while (selected.next()) got.emplace_back(selected.get_text(0));
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{a, b}));
}

TEST_P(Driver, TransactionsAndSavepoints) {
  const auto t = typed_table();
  auto c = connect();
  auto count = [&] {
    auto& rows = c->query("SELECT count(*) FROM " + t);
    rows.next();
    return rows.get_int64(0);
  };
  c->begin();
  EXPECT_TRUE(c->in_transaction());
  c->execute("INSERT INTO " + t + " (i) VALUES (1)");
  c->rollback();
  EXPECT_FALSE(c->in_transaction());
  EXPECT_EQ(count(), 0);

  c->begin();
  c->execute("INSERT INTO " + t + " (i) VALUES (1)");
  c->savepoint("sp1");
  c->execute("INSERT INTO " + t + " (i) VALUES (2)");
  c->rollback_to_savepoint("sp1");
  c->savepoint("sp2");
  c->execute("INSERT INTO " + t + " (i) VALUES (3)");
  c->release_savepoint("sp2");
  c->commit();
  EXPECT_FALSE(c->in_transaction());
  auto& rows = c->query("SELECT i FROM " + t + " ORDER BY i");
  std::vector<std::int64_t> seen;
  while (rows.next()) seen.push_back(rows.get_int64(0));
  EXPECT_EQ(seen, (std::vector<std::int64_t>{1, 3}));
  EXPECT_THROW(c->savepoint("bad name"), ConfigError);
}

TEST_P(Driver, ConstraintViolationsAreTyped) {
  const auto parent = table("parent");
  const auto child = table("child");
  const auto& d = admin_->dialect();
  const auto p = d.quote_identifier(parent), ch = d.quote_identifier(child);
  admin_->execute_script("CREATE TABLE " + p + " (id " + d.type_name(ValueType::int64) +
                         " PRIMARY KEY, email " + d.type_name(ValueType::text, 100) +
                         " NOT NULL UNIQUE, qty " + d.type_name(ValueType::int64) +
                         " CHECK (qty >= 0))");
  admin_->execute_script("CREATE TABLE " + ch + " (id " + d.type_name(ValueType::int64) +
                         " PRIMARY KEY, parent_id " + d.type_name(ValueType::int64) +
                         " REFERENCES " + p + " (id))");
  auto c = connect("users");
  c->execute("INSERT INTO " + p + " (id, email, qty) VALUES (?, ?, ?)", {1, "a@x", 1});
  try {
    c->execute("INSERT INTO " + p + " (id, email, qty) VALUES (?, ?, ?)", {2, "a@x", 1});
    FAIL() << "duplicate accepted";
  } catch (const UniqueViolation& e) {
    EXPECT_EQ(e.bind(), "users");
    EXPECT_FALSE(e.code().empty());
    EXPECT_NE(std::string(e.what()).find("bind 'users'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(c->execute("INSERT INTO " + p + " (id, email, qty) VALUES (?, ?, ?)", {1, "b@x", 1}),
               UniqueViolation);
  EXPECT_THROW(
      c->execute("INSERT INTO " + p + " (id, email, qty) VALUES (?, ?, ?)", {3, nullptr, 1}),
      NotNullViolation);
  EXPECT_THROW(
      c->execute("INSERT INTO " + p + " (id, email, qty) VALUES (?, ?, ?)", {4, "c@x", -1}),
      CheckViolation);
  EXPECT_THROW(c->execute("INSERT INTO " + ch + " (id, parent_id) VALUES (?, ?)", {1, 99}),
               ForeignKeyViolation);
  EXPECT_THROW(c->execute("SELECT nope FROM " + p), ProgrammingError);
  EXPECT_THROW(c->execute("SELECT * FROM " + p + " WHERE id = ?", {1, 2}), ProgrammingError);
  // The connection is still usable after every error.
  EXPECT_EQ(c->execute("UPDATE " + p + " SET qty = ? WHERE id = ?", {5, 1}), 1);
}

TEST_P(Driver, RepeatedQueryIsPreparedOnce) {
  auto c = connect();
  const auto server_before = server_prepare_count(*c);
  const auto ours_before = c->prepare_count();
  for (int i = 0; i < 20; ++i) {
    auto& rows = c->query("SELECT ? + 1", {i});
    ASSERT_TRUE(rows.next());
  }
  EXPECT_EQ(c->prepare_count() - ours_before, 1u);
  // The server's own counter agrees: one new statement for twenty executions.
  EXPECT_EQ(server_prepare_count(*c) - server_before, 1);
}

TEST_P(Driver, ScriptsRunSeveralStatements) {
  const auto t = admin_->dialect().quote_identifier(table("script"));
  auto c = connect();
  c->execute_script("CREATE TABLE " + t + " (x " + c->dialect().type_name(ValueType::int64) +
                    "); INSERT INTO " + t + " (x) VALUES (1); INSERT INTO " + t +
                    " (x) VALUES (2)");
  auto& rows = c->query("SELECT sum(x) FROM " + t);
  ASSERT_TRUE(rows.next());
  EXPECT_EQ(rows.get<double>(0), 3.0);
}

TEST_P(Driver, AHalfReadCursorDoesNotBlockTheNextStatement) {
  const auto t = typed_table();
  auto c = connect();
  for (int i = 0; i < 3; ++i) c->execute("INSERT INTO " + t + " (i) VALUES (?)", {i});
  auto& first = c->query("SELECT i FROM " + t + " ORDER BY i");
  ASSERT_TRUE(first.next());
  EXPECT_EQ(c->execute("UPDATE " + t + " SET i = i + 10"), 3);
  auto& again = c->query("SELECT min(i) FROM " + t);
  ASSERT_TRUE(again.next());
  EXPECT_EQ(again.get_int64(0), 10);
}

// Prepared statements whose columns are all of these types get their rows in binary format;
// each must read as its text form did, and the types left in text must keep reading too.
TEST_P(Driver, PostgresTypesReadTheSameFromBinaryResults) {
  if (backend() != Backend::postgresql) GTEST_SKIP() << "PostgreSQL's own types and wire format";
  auto c = connect();
  auto& rows = c->query(
      "SELECT (-32768)::int2, (-2)::int4, (-3)::int8, 2147483647::int4, (-1.5)::float8, "
      "'x'::varchar, 'ab'::char(3), 'n'::name, true, false, '\\x00ff'::bytea, "
      "DATE '1969-12-31', TIMESTAMP '2026-11-25 01:02:03.000004', "
      "TIMESTAMPTZ '2026-11-25 01:02:03.000004+02', 1::int2, 0::int8, ''::text");
  ASSERT_TRUE(rows.next());
  EXPECT_EQ(rows.get<std::int64_t>(0), -32768);
  EXPECT_EQ(rows.get<std::int64_t>(1), -2);
  EXPECT_EQ(rows.get<std::int64_t>(2), -3);
  EXPECT_EQ(rows.get<std::int64_t>(3), 2147483647);
  EXPECT_EQ(rows.get<double>(3), 2147483647.0);
  EXPECT_EQ(rows.get<double>(4), -1.5);
  EXPECT_EQ(rows.get<std::string>(5), "x");
  EXPECT_EQ(rows.get<std::string>(6), "ab ");  // character(n) is blank-padded
  EXPECT_EQ(rows.get<std::string>(7), "n");
  EXPECT_EQ(rows.get<bool>(8), true);
  EXPECT_EQ(rows.get<bool>(9), false);
  EXPECT_EQ(rows.get<Blob>(10), (Blob{std::byte{0}, std::byte{0xff}}));
  EXPECT_EQ(rows.get<Timestamp>(11), Timestamp{-86'400'000'000});
  EXPECT_EQ(rows.get<Timestamp>(12), Timestamp::parse("2026-11-25 01:02:03.000004"));
  EXPECT_EQ(rows.get<Timestamp>(13), Timestamp::parse("2026-11-24 23:02:03.000004"));
  EXPECT_EQ(rows.get<bool>(14), true);  // 0/1 integers read as booleans, as on other engines
  EXPECT_EQ(rows.get<bool>(15), false);
  EXPECT_EQ(rows.get<std::string>(16), "");
  EXPECT_EQ(rows.get_value(0), Value(-32768));
  EXPECT_THROW(rows.get<bool>(1), DataError);         // -2 is no boolean
  EXPECT_THROW(rows.get<std::string>(2), DataError);  // an integer is not text
  // Kept in text: a real reads as the decimal it shows, numeric exactly.
  auto& texts = c->query("SELECT 0.1::float4, 12.25::numeric, 7::int8");
  ASSERT_TRUE(texts.next());
  EXPECT_EQ(texts.get<double>(0), 0.1);
  EXPECT_EQ(texts.get<double>(1), 12.25);
  EXPECT_EQ(texts.get<std::int64_t>(2), 7);
  auto& beyond = c->query("SELECT 'infinity'::timestamp, '-infinity'::date, '5874897-12-31'::date");
  ASSERT_TRUE(beyond.next());
  EXPECT_THROW(beyond.get<Timestamp>(0), DataError);
  EXPECT_THROW(beyond.get<Timestamp>(1), DataError);
  EXPECT_THROW(beyond.get<Timestamp>(2), DataError);  // past what microseconds in an int64 hold
}

INSTANTIATE_TEST_SUITE_P(Engines, Driver, ::testing::ValuesIn(engine_cases()), engine_case_name);

}  // namespace
}  // namespace manydb::testing
