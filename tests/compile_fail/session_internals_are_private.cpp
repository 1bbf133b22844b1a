// expect: manydb::Session::begin_alone.* is private within this context
// What Query<T> needs from the session is not part of its public API.
#include "manydb/manydb.hpp"

void misuse(manydb::Session& s) { s.begin_alone("default"); }

int main() { return 0; }
