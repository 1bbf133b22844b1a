# The engines: every folder under src/engines with a CMakeLists.txt is one. The folder declares
# its option (manydb_engine_option) and, when it is on, adds itself (manydb_add_engine); the
# driver layer's registry then lists it (the generated builtin_engines.cpp). An engine left out
# keeps only its URL description, so that its URLs get an error saying how to build it in.
#
# What the engines need is also what an installed static libmanydb.a needs at link time: each
# engine names it for the CMake package (a line of manydbConfig.cmake), for pkg-config (a
# module) and for Debian (a -dev package); install.cmake and package.cmake read those lists.

# MANYDB_WITH_<NAME>, ON by default. MANYDB_ENGINE_<NAME>, its first name, is still accepted:
# given with -D, it sets MANYDB_WITH_<NAME> and leaves the cache.
macro(manydb_engine_option name title)
  if(DEFINED CACHE{MANYDB_ENGINE_${name}})
    set(MANYDB_WITH_${name} ${MANYDB_ENGINE_${name}} CACHE BOOL "Build the ${title} engine" FORCE)
    unset(MANYDB_ENGINE_${name} CACHE)
  endif()
  option(MANYDB_WITH_${name} "Build the ${title} engine" ON)
  if(NOT MANYDB_WITH_${name})
    get_filename_component(_folder ${CMAKE_CURRENT_SOURCE_DIR} NAME)
    target_sources(manydb PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/url_scheme.cpp)
    set_property(GLOBAL APPEND_STRING PROPERTY MANYDB_ENGINE_INCLUDES
                 "#include \"engines/${_folder}/factory.hpp\"\n")
    set_property(GLOBAL APPEND_STRING PROPERTY MANYDB_LEFT_OUT_ENGINES
                 "      {&engines::${_folder}::url_scheme, \"${title}\", \"MANYDB_WITH_${name}\"},\n")
  endif()
endmacro()

# manydb_add_engine(<folder> <backend> <link targets...>
#                   CMAKE_PACKAGE <line of manydbConfig.cmake that defines the targets>
#                   PKG_CONFIG <module> DEBIAN_DEV <package>)
function(manydb_add_engine folder backend)
  cmake_parse_arguments(PARSE_ARGV 2 arg "" "CMAKE_PACKAGE;PKG_CONFIG;DEBIAN_DEV" "")
  file(GLOB _engine_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  target_sources(manydb PRIVATE ${_engine_sources})
  target_link_libraries(manydb PRIVATE ${arg_UNPARSED_ARGUMENTS})
  set_property(GLOBAL APPEND_STRING PROPERTY MANYDB_ENGINE_INCLUDES
               "#include \"engines/${folder}/factory.hpp\"\n")
  set_property(GLOBAL APPEND_STRING PROPERTY MANYDB_ENGINE_ENTRIES
               "      {Backend::${backend}, &engines::${folder}::dialect, &engines::${folder}::connect},\n")
  set_property(GLOBAL APPEND_STRING PROPERTY MANYDB_ENGINE_URL_SCHEMES
               "      &engines::${folder}::url_scheme,\n")
  set_property(GLOBAL APPEND PROPERTY MANYDB_ENGINE_NAMES ${folder})
  set_property(GLOBAL APPEND PROPERTY MANYDB_LINK_CMAKE_PACKAGES "${arg_CMAKE_PACKAGE}")
  set_property(GLOBAL APPEND PROPERTY MANYDB_LINK_PKG_CONFIG ${arg_PKG_CONFIG})
  set_property(GLOBAL APPEND PROPERTY MANYDB_LINK_DEBIAN_DEV ${arg_DEBIAN_DEV})
endfunction()

file(GLOB _engine_lists CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/engines/*/CMakeLists.txt)
foreach(_engine_list ${_engine_lists})
  get_filename_component(_engine_dir ${_engine_list} DIRECTORY)
  add_subdirectory(${_engine_dir})
endforeach()

foreach(_part MANYDB_ENGINE_INCLUDES MANYDB_ENGINE_ENTRIES MANYDB_ENGINE_URL_SCHEMES
              MANYDB_LEFT_OUT_ENGINES)
  get_property(${_part} GLOBAL PROPERTY ${_part})
endforeach()
configure_file(src/engines/builtin_engines.cpp.in
               ${CMAKE_CURRENT_BINARY_DIR}/generated/builtin_engines.cpp @ONLY)
target_sources(manydb PRIVATE ${CMAKE_CURRENT_BINARY_DIR}/generated/builtin_engines.cpp)
