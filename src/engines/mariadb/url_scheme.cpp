// How a mariadb URL is spelled: its schemes (SQLAlchemy's driver suffixes included) and the
// query parameters docs/configuration.md documents for it.
#include "engines/mariadb/factory.hpp"

namespace manydb::engines::mariadb {

namespace {
constexpr std::string_view kSchemes[] = {"mariadb",
                                         "mysql",
                                         "mysql+pymysql",
                                         "mysql+mysqldb",
                                         "mysql+mysqlconnector",
                                         "mariadb+mariadbconnector",
                                         "mariadb+pymysql"};
constexpr std::string_view kParams[] = {
    "connect_timeout", "read_timeout", "write_timeout", "charset", "unix_socket", "host",
    "ssl_mode",        "ssl_ca",       "ssl_cert",      "ssl_key"};
}  // namespace

const UrlScheme url_scheme{.backend = Backend::mariadb,
                           .schemes = kSchemes,
                           .params = kParams,
                           .takes_file_path = false,
                           .default_port = 3306};

}  // namespace manydb::engines::mariadb
