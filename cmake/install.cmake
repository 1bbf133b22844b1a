# `cmake --install`: the public headers (include/manydb, never src/), the library, the CMake
# package (manydbConfig.cmake, manydbConfigVersion.cmake, manydb::manydb) and manydb.pc; the
# command line and its man page install themselves (tools/manydb).
include(CMakePackageConfigHelpers)
set(MANYDB_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/manydb)

install(DIRECTORY include/manydb DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.hpp")
install(TARGETS manydb EXPORT manydbTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT manydbTargets NAMESPACE manydb:: DESTINATION ${MANYDB_CMAKE_DIR})

# A static archive needs, at the consumer's link, what the engines and the core link; a shared
# library carries them itself (its DT_NEEDED).
get_property(MANYDB_ENGINE_NAMES GLOBAL PROPERTY MANYDB_ENGINE_NAMES)
get_property(_cmake_packages GLOBAL PROPERTY MANYDB_LINK_CMAKE_PACKAGES)
get_property(_pkg_config GLOBAL PROPERTY MANYDB_LINK_PKG_CONFIG)
list(JOIN _pkg_config " " _pkg_config)
if(BUILD_SHARED_LIBS)
  # Not even Requires.private: pkg-config would then want their -dev packages for --cflags,
  # and no public header includes them.
  set(MANYDB_CONFIG_LINK_DEPENDENCIES "")
  set(MANYDB_PC_REQUIRES "")
else()
  list(JOIN _cmake_packages "\n" MANYDB_CONFIG_LINK_DEPENDENCIES)
  # Requires, not Requires.private: `pkg-config --libs manydb` alone must link the archive.
  set(MANYDB_PC_REQUIRES "${_pkg_config}")
endif()

configure_package_config_file(cmake/manydbConfig.cmake.in
                              ${CMAKE_CURRENT_BINARY_DIR}/generated/manydbConfig.cmake
                              INSTALL_DESTINATION ${MANYDB_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/generated/manydbConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/generated/manydbConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/generated/manydbConfigVersion.cmake
        DESTINATION ${MANYDB_CMAKE_DIR})

set(_pc_dir ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
file(RELATIVE_PATH MANYDB_PC_TO_PREFIX /prefix/${_pc_dir} /prefix)
string(REGEX REPLACE "/$" "" MANYDB_PC_TO_PREFIX "${MANYDB_PC_TO_PREFIX}")
configure_file(cmake/manydb.pc.in ${CMAKE_CURRENT_BINARY_DIR}/generated/manydb.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/generated/manydb.pc DESTINATION ${_pc_dir})
