#!/usr/bin/env bash
# Usage: install_test.sh cmake|deb SOURCE_DIR BUILD_DIR WORK_DIR VERSION CXX GENERATOR [LAUNCHER]
#
# manydb as its users get it, from the build tree as it is (nothing rebuilt but the consumer):
#   cmake  `cmake --install` into WORK_DIR/prefix, then consumer/ configured out of the tree
#          with find_package(manydb) and -DCMAKE_PREFIX_PATH, built and run;
#   deb    the Debian package built (cpack), unpacked with dpkg -x into WORK_DIR/root, then
#          consumer/main.cpp built by g++ with pkg-config's flags and run; the command line
#          and its man page checked.
# Both check that the installed headers are include/manydb's, and nothing of src/.
set -euo pipefail
mode=$1 source=$2 build=$3 work=$4 version=$5 cxx=$6 generator=$7 launcher=${8:-}

fail() { echo "FAIL: $*" >&2; exit 1; }

# The installed headers are exactly the public ones, and each "..." include among them
# resolves inside the installed tree (none reaches into src/ or the build tree).
check_headers() { # PREFIX
  local prefix=$1
  diff <(cd "$source/include" && find manydb -type f | sort) \
       <(cd "$prefix/include" && find . -type f | sed 's|^\./||' | sort) ||
    fail "the installed headers differ from include/manydb (< source, > installed)"
  local header inc
  while IFS= read -r header; do
    while IFS= read -r inc; do
      [ -f "$prefix/include/$inc" ] || fail "$header includes \"$inc\", not installed"
    done < <(sed -n 's/^#include "\(.*\)".*/\1/p' "$header")
  done < <(find "$prefix/include" -name '*.hpp')
}

# The consumer writes two rows to a SQLite file in a fresh directory and reads them back.
check_consumer() { # PROGRAM
  local data="$work/data" expected actual
  rm -rf "$data" && mkdir -p "$data"
  expected=$(printf 'note 1 first\nnote 2 second\nmanydb %s' "$version")
  actual=$("$1" "$data") || fail "the consumer failed: $actual"
  [ "$actual" = "$expected" ] || fail "the consumer printed:
$actual
expected:
$expected"
  [ -s "$data/consumer.db" ] || fail "the consumer wrote no $data/consumer.db"
}

check_cmake_install() {
  local prefix="$work/prefix"
  cmake --install "$build" --prefix "$prefix" >"$work/install.log"
  check_headers "$prefix"
  local libdir
  libdir=$(dirname "$(find "$prefix" -name 'libmanydb.*' -print -quit)")
  [ -f "$libdir/cmake/manydb/manydbConfig.cmake" ] || fail "no manydbConfig.cmake in $libdir"
  [ -f "$libdir/cmake/manydb/manydbConfigVersion.cmake" ] || fail "no manydbConfigVersion.cmake"
  [ -f "$libdir/pkgconfig/manydb.pc" ] || fail "no manydb.pc in $libdir/pkgconfig"
  cmake -S "$source/tests/install/consumer" -B "$work/consumer" -G "$generator" \
    -DCMAKE_CXX_COMPILER="$cxx" ${launcher:+-DCMAKE_CXX_COMPILER_LAUNCHER="$launcher"} \
    -DCMAKE_PREFIX_PATH="$prefix" -DMANYDB_EXPECTED_VERSION="$version" \
    >"$work/consumer-configure.log" 2>&1 ||
    fail "the consumer did not configure: $(cat "$work/consumer-configure.log")"
  grep -qx "manydb_DIR:PATH=$libdir/cmake/manydb" "$work/consumer/CMakeCache.txt" ||
    fail "find_package(manydb) found another: $(grep manydb_DIR "$work/consumer/CMakeCache.txt")"
  cmake --build "$work/consumer" >"$work/consumer-build.log" ||
    fail "the consumer did not build: $(cat "$work/consumer-build.log")"
  check_consumer "$work/consumer/consumer"
}

check_deb() {
  cpack --config "$build/CPackConfig.cmake" -B "$work/deb" >"$work/cpack.log" ||
    fail "cpack failed: $(cat "$work/cpack.log")"
  local deb root="$work/root"
  deb=$(find "$work/deb" -maxdepth 1 -name 'manydb_*.deb' -print -quit)
  [ -n "$deb" ] || fail "cpack made no manydb_*.deb: $(cat "$work/cpack.log")"
  dpkg-deb -f "$deb" Version | grep -qx "$version" || fail "the package's version is not $version"
  dpkg -x "$deb" "$root"
  check_headers "$root/usr"
  local pc
  pc=$(find "$root/usr" -name manydb.pc -print -quit)
  [ -n "$pc" ] || fail "the package has no manydb.pc"
  local flags
  flags=$(PKG_CONFIG_PATH="$(dirname "$pc")" pkg-config --cflags --libs manydb)
  [[ $flags == *"$root/"* ]] || fail "pkg-config gave flags outside the unpacked package: $flags"
  # shellcheck disable=SC2086 # the flags are words
  $launcher "$cxx" -std=c++20 -Wall -Wextra -Werror "$source/tests/install/consumer/main.cpp" \
    -o "$work/consumer" $flags || fail "the consumer did not build with: $flags"
  # A shared libmanydb, when the build is one: the program has no RPATH to the unpacked tree.
  LD_LIBRARY_PATH="$(dirname "$(dirname "$pc")")" check_consumer "$work/consumer"
  if [ -e "$build/tools/manydb/manydb" ]; then
    [ "$("$root/usr/bin/manydb" --version)" = "manydb $version" ] ||
      fail "the packaged manydb --version says: $("$root/usr/bin/manydb" --version)"
    zcat "$root/usr/share/man/man1/manydb.1.gz" | grep -q '^\.TH MANYDB 1' ||
      fail "no man page manydb(1) in the package"
  fi
}

rm -rf "$work" && mkdir -p "$work"
case $mode in
  cmake) check_cmake_install ;;
  deb) check_deb ;;
  *) fail "unknown mode $mode" ;;
esac
# Passed: the trees (a few hundred MB with a static library's debug info) go, the logs stay.
find "$work" -mindepth 1 -maxdepth 1 ! -name '*.log' -exec rm -rf {} +
echo "ok: $mode"
