// How a sqlite URL is spelled: its schemes (SQLAlchemy's driver suffixes included) and the
// query parameters docs/configuration.md documents for it.
#include "engines/sqlite/factory.hpp"

namespace manydb::engines::sqlite {

namespace {
constexpr std::string_view kSchemes[] = {"sqlite", "sqlite3", "sqlite+pysqlite"};
constexpr std::string_view kParams[] = {"busy_timeout", "journal_mode", "synchronous", "begin",
                                        "foreign_keys", "mode",         "charset"};
}  // namespace

const UrlScheme url_scheme{.backend = Backend::sqlite,
                           .schemes = kSchemes,
                           .params = kParams,
                           .takes_file_path = true,
                           .default_port = 0};

}  // namespace manydb::engines::sqlite
