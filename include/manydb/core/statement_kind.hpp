#pragma once
// What a raw SQL statement does, told from its first keyword alone (no parsing): enough to
// know whether running it twice can change anything.
#include <string_view>

namespace manydb {

// True for a statement that only reads: its first keyword, after whitespace and comments, is
// SELECT, SHOW, VALUES, TABLE, DESCRIBE, DESC or EXPLAIN without ANALYZE. False for anything
// else, WITH included (a PostgreSQL WITH may hold an INSERT or a DELETE), and for what it
// cannot tell. SELECT ... INTO a new table (PostgreSQL) counts as a read; run twice, its second
// run fails as the table exists, so nothing is written twice.
bool reads_only(std::string_view sql);

}  // namespace manydb
