# Thin wrapper over CMake/CTest. `make test` is the README's test command.
MAKEFLAGS += --no-print-directory
BUILD ?= build
JOBS ?= $(shell nproc)
# Tests run from inside the build tree, so the data path is made absolute.
SLIMLM_DATA ?= ../shared/data
override SLIMLM_DATA := $(abspath $(SLIMLM_DATA))
export SLIMLM_DATA

.PHONY: all deps configure build test demo bench clean

all: build

deps:
	@bash scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release > $(BUILD).configure.log 2>&1 || { cat $(BUILD).configure.log; exit 1; }

build: configure
	@cmake --build $(BUILD) -j$(JOBS)

# Every ctest label (unit, golden, data, fuzz, slow) runs.
test: build
	@ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS) --timeout 900

# The program alone (no tests or benchmarks), then a study on the bundled fixture.
demo: configure
	@cmake --build $(BUILD) -j$(JOBS) --target slimlm
	@./$(BUILD)/slimlm optimize configs/default.yaml

bench: build
	@for b in $(BUILD)/bench/bench_*; do [ -x "$$b" ] && echo "== $$b" && "$$b" --benchmark_min_time=0.2; done

clean:
	rm -rf $(BUILD) $(BUILD).configure.log
