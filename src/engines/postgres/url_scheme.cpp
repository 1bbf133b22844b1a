// How a postgresql URL is spelled: its schemes (SQLAlchemy's driver suffixes included) and the
// query parameters docs/configuration.md documents for it.
#include "engines/postgres/factory.hpp"

namespace manydb::engines::postgres {

namespace {
constexpr std::string_view kSchemes[] = {"postgresql", "postgres", "postgresql+psycopg2",
                                         "postgresql+psycopg", "postgresql+pg8000"};
constexpr std::string_view kParams[] = {
    "connect_timeout", "sslmode", "host",   "application_name", "charset",        "client_encoding",
    "sslrootcert",     "sslcert", "sslkey", "options",          "allow_sql_ascii"};
}  // namespace

const UrlScheme url_scheme{.backend = Backend::postgresql,
                           .schemes = kSchemes,
                           .params = kParams,
                           .takes_file_path = false,
                           .default_port = 5432};

}  // namespace manydb::engines::postgres
