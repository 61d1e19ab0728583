# The two commands: `make run` and `make test`. Everything else is a convenience.
PRESET ?= release
BUILD  := build/$(PRESET)
CONF   ?= etc/nanomq.conf
JOBS   ?= $(shell nproc)

.PHONY: all deps build run test test-unit test-system asan tsan fuzz fuzz-smoke bench docs format clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/build.ninja:
	cmake --preset $(PRESET)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# Build in release mode and run the broker in the foreground with etc/nanomq.conf.
run: build
	$(BUILD)/nanomq start --conf $(CONF)

# Build and run every test: unit, conformance, system, and a short bounded fuzz run.
test: build
	@$(MAKE) --no-print-directory fuzz-smoke
	cd $(BUILD) && ctest --output-on-failure -j 2

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -L 'unit|conformance' -j $(JOBS)

test-system: build
	cd $(BUILD) && ctest --output-on-failure -L system

asan:
	$(MAKE) test PRESET=debug

# ThreadSanitizer: a report stops the broker with status 66, which fails the system tests.
tsan:
	TSAN_OPTIONS="halt_on_error=1 exitcode=66" $(MAKE) test PRESET=tsan

fuzz: deps
	cmake --preset fuzz && cmake --build build/fuzz -j $(JOBS) --target fuzzers
	build/fuzz/tests/fuzz/fuzz_decoder -max_total_time=$${FUZZ_SECONDS:-600} tests/fuzz/corpus/decoder

# A short, bounded run of every harness; part of `make test`.
fuzz-smoke: deps
	@cmake --preset fuzz >/dev/null && cmake --build build/fuzz -j $(JOBS) --target fuzzers
	@bash scripts/fuzz-smoke.sh build/fuzz

bench: build
	/usr/bin/python3 bench/run.py --nmq $(BUILD)/nanomq --cli $(BUILD)/nanomq_cli

# docs/configuration.md, generated from the key table (a unit test checks it is current).
docs: build
	NMQ_UPDATE_DOCS=1 $(BUILD)/tests/unit_config --gtest_filter='ConfigurationDoc.*'

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf build
