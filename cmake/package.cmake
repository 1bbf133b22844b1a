# `make package` (the `package` target): one Debian package, manydb, with what `cmake --install`
# puts: the library, its headers, its CMake and pkg-config files, the command line and its man
# page, under /usr.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME manydb)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "manydb developers <manydb@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "C++20 library for one service over many databases (SQLite, PostgreSQL, MariaDB)")
set(CPACK_PACKAGE_DESCRIPTION
    "manydb lets one service work with many databases at once: a default database plus named\n\
binds, each SQLite, PostgreSQL or MariaDB/MySQL, with typed errors, connection pools and\n\
configuration from code, TOML or the environment. The package holds the library, its\n\
headers, its CMake package and pkg-config file, and the manydb command line.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# The command line (and a shared libmanydb) without their debug sections; a static archive is
# left whole.
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_SECTION libdevel)
# The runtime libraries of the command line (and of a shared libmanydb), found by
# dpkg-shlibdeps in the local dpkg database: no network. (The command line finds a shared
# libmanydb of the package through its RUNPATH, tools/manydb/CMakeLists.txt.)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# A static libmanydb.a is linked by its users together with what it links: their -dev packages.
if(NOT BUILD_SHARED_LIBS)
  get_property(_debian_dev GLOBAL PROPERTY MANYDB_LINK_DEBIAN_DEV)
  list(JOIN _debian_dev ", " CPACK_DEBIAN_PACKAGE_DEPENDS)
endif()
# The headers under manydb/cli/ mount manydb's commands on an application's CLI11 command line.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS libcli11-dev)
include(CPack)
