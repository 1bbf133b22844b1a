#pragma once
// Everything an application needs, in one include.
#include "manydb/core/errors.hpp"
#include "manydb/core/result.hpp"
#include "manydb/core/statement_kind.hpp"
#include "manydb/core/timestamp.hpp"
#include "manydb/core/url.hpp"
#include "manydb/core/value.hpp"
#include "manydb/core/version.hpp"
#include "manydb/database/database.hpp"
#include "manydb/driver/connection.hpp"
#include "manydb/pool/engine.hpp"
#include "manydb/schema/model.hpp"
#include "manydb/session/session.hpp"
