#pragma once
// Test support for applications built on manydb (docs/testing.md), with no test framework
// needed: the transactional test, the statement counter and throwaway databases. The
// GoogleTest fixture and assertions are in <manydb/testing/gtest.hpp>.
#include "manydb/testing/statement_counter.hpp"
#include "manydb/testing/throwaway_databases.hpp"
#include "manydb/testing/transactional_test.hpp"
