# The two commands: `make run` and `make test`. Everything else is for developers.
SHELL := /bin/bash
BUILD ?= build
JOBS ?= $(shell nproc)
PORT ?= 8080
QUICK ?=
ENV_FILE := $(BUILD)/db.env
CMAKE_FLAGS ?=
TARGETS ?=
KILLS ?= 1000

.PHONY: run test test-sanitize test-tsan build deps db-up db-down bench bench-move chaos format clean package

deps:
	@scripts/install-deps

build: deps
	@cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) $(if $(TARGETS),--target $(TARGETS))

# The shop on its SQLite default (config/shop.toml, files under data/): seeded when empty.
run: build
	@scripts/run-shop $(BUILD) $(PORT)

test: build
	@scripts/with-db $(ENV_FILE) ctest --test-dir $(BUILD) -j $(JOBS) --output-on-failure

# The library and engine tests, and the fault tests (the library's and the shop's, servers
# killed and hung under load), under AddressSanitizer + UBSan.
test-sanitize: deps
	@$(MAKE) --no-print-directory test-labels BUILD=build-asan \
	  CMAKE_FLAGS="-DMANYDB_SANITIZE=address $(SANITIZED_ONLY)" TARGETS="$(SANITIZED_TARGETS)"

test-tsan: deps
	@$(MAKE) --no-print-directory test-labels BUILD=build-tsan \
	  CMAKE_FLAGS="-DMANYDB_SANITIZE=thread $(SANITIZED_ONLY)" TARGETS="$(SANITIZED_TARGETS)"

# What the sanitizer passes run (labels unit, engines, faults), and so all they build: the shop's
# other test programs, the examples and the benchmarks are left out.
SANITIZED_ONLY := -DMANYDB_BUILD_BENCH=OFF -DMANYDB_BUILD_TOOLS=OFF -DMANYDB_BUILD_EXAMPLES=OFF
SANITIZED_TARGETS := unit_tests engine_tests replica_tests fault_tests shop_fault_tests

test-labels: build
	@scripts/with-db $(ENV_FILE) ctest --test-dir $(BUILD) -j $(JOBS) -L 'unit|engines|faults' \
	  --output-on-failure

db-up: deps
	@scripts/db-up $(ENV_FILE)

db-down:
	@scripts/db-down $(ENV_FILE)

bench: deps
	@scripts/install-deps --bench && $(MAKE) --no-print-directory build CMAKE_FLAGS="-DCMAKE_BUILD_TYPE=Release"
	@QUICK=$(QUICK) scripts/with-db $(ENV_FILE) scripts/bench $(BUILD)

# A table move's backfill of 1,000,000 rows under load, against the raw copy (issue 23).
bench-move: deps
	@scripts/install-deps --bench && $(MAKE) --no-print-directory build CMAKE_FLAGS="-DCMAKE_BUILD_TYPE=Release"
	@scripts/with-db $(ENV_FILE) scripts/bench-move $(BUILD)

# The random-kill test of POST /orders (issue 19) on the sqlite, servers and mixed layouts:
# KILLS SIGKILLs of the shop under order load each, then the invariants; the results are
# appended to docs/reliability.md (tests/shop/chaos_test.py). Fails when any kill broke them.
chaos: build
	@scripts/with-db $(ENV_FILE) tests/shop/chaos_test.py $(BUILD) sqlite,servers,mixed $(KILLS) \
	  --report docs/reliability.md

# The Debian package (docs/install.md): the library, its headers, CMake and pkg-config files,
# the manydb command line and its man page, as $(BUILD)/manydb_<version>_<arch>.deb.
package: build
	@cmake --build $(BUILD) --target package

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	rm -rf build build-asan build-tsan
