# Tractor for Swift — the two commands of the quick start, and the development tasks behind them.
#
#   make run    builds the primes example in release mode and runs it
#   make test   builds everything (failing on any compiler warning in this package) and runs the whole test suite
#   make test-chaos   the chaos suite at a larger scale, CHAOS_RUNS times in a row (soak: kills under load)
#   make test-repeat  runs the process-spawning suites REPEAT times (default 20) and reports which runs failed
#   make fuzz   fuzzes the wire decoders with libFuzzer for FUZZ_SECONDS (default 300)
#   make docs   builds the DocC catalogs of TractorRuntime and TractorPool into .build/docs, failing on any warning
#   make bench-codec   runs the MessagePack codec benchmarks (Benchmarks/, package-benchmark)
#   make bench-pool    runs the process pool benchmarks (map throughput, submit round trip, primes scaling, start-up)
#   make bench-hosts   runs the benchmarks of actors on another host (a network namespace over a veth pair; root)
#   make bench-compare runs the pool and runtime benchmarks and the same workloads on Python's process pools, prints
#                      one table and writes Benchmarks/RESULTS.md (under 10 minutes on 2 cores)
#   make bench-dask    pools across hosts: Tractor against dask.distributed on two network-namespace hosts (as root;
#                      skipped otherwise), prints a table and writes its section of Benchmarks/RESULTS.md
#   make bench-check   runs every suite and checks it against the thresholds checked in for this toolchain
#   make static-libstdcxx  links libstdc++.a into Benchmarks/.build/static-libstdc++, where the lean benchmark peers
#                      find it (bench-pool, bench-runtime and bench-workers run it first)
#
# Each installs what it needs when it is missing (libhwloc-dev, libnuma-dev, Python's msgspec) and does nothing
# more when everything is already there.

SHELL := /bin/bash
SWIFT ?= swift
PYTHON ?= python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BUILD_LOG := .build/tractor-build.log

.PHONY: run test test-chaos test-repeat deps pydeps build-tests docs fuzz bench bench-codec bench-runtime bench-pool bench-hosts \
	static-libstdcxx \
	bench-compare bench-workers bench-dask trace-round-trip \
	bench-check bench-thresholds clean

run: deps
	$(SWIFT) run -c release primes

# Tests run one at a time: many of them spawn process trees and then check that no descriptor leaked and no child is
# left, which only means something when nothing else spawns beside them.
test: deps pydeps build-tests
	$(SWIFT) test --skip-build --no-parallel

# The chaos suite as a soak: workers killed at random under CHAOS_SCALE times the load of `make test`, CHAOS_RUNS
# runs in a row, each with a fresh seed (printed with any failure; TRACTOR_CHAOS_SEED=N replays one).
CHAOS_SCALE ?= 5
CHAOS_RUNS ?= 3
test-chaos: deps pydeps build-tests
	@for run in $$(seq $(CHAOS_RUNS)); do \
		echo "== chaos run $$run of $(CHAOS_RUNS) (scale $(CHAOS_SCALE))"; \
		TRACTOR_CHAOS_SCALE=$(CHAOS_SCALE) $(SWIFT) test --skip-build --no-parallel \
			--filter 'ChaosTests|PoolFaultInjectionTests' || exit 1; \
	done

# Flakes: the suites that spawn processes, REPEAT times; the runs that failed are listed at the end, with their logs
# kept in .build/test-repeat/.
REPEAT ?= 20
SPAWNING_SUITES ?= PoolSpawningTests|SpawningTests
test-repeat: deps pydeps build-tests
	@mkdir -p .build/test-repeat; failed=""; \
	for run in $$(seq $(REPEAT)); do \
		if $(SWIFT) test --skip-build --no-parallel --filter '$(SPAWNING_SUITES)' >.build/test-repeat/run-$$run.log 2>&1; \
		then echo "run $$run: passed"; else echo "run $$run: FAILED (.build/test-repeat/run-$$run.log)"; failed="$$failed $$run"; fi; \
	done; \
	if [ -n "$$failed" ]; then echo "failed runs:$$failed of $(REPEAT)"; exit 1; else echo "all $(REPEAT) runs passed"; fi

# System libraries: hwloc (topology, binding) and libnuma (memory policy).
deps:
	@if ! dpkg -s libhwloc-dev libnuma-dev >/dev/null 2>&1; then \
		echo "Installing libhwloc-dev and libnuma-dev..."; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq libhwloc-dev libnuma-dev >/dev/null; \
	fi

# Python packages for the interoperability tests (msgspec encodes and decodes MessagePack on the Python side).
pydeps:
	@if ! $(PYTHON) -c 'import msgspec' >/dev/null 2>&1; then \
		echo "Installing msgspec for the Python interoperability tests..."; \
		$(PYTHON) -m pip install -q --disable-pip-version-check msgspec 2>/dev/null || \
		$(PYTHON) -m pip install -q --disable-pip-version-check --break-system-packages msgspec; \
	fi

# Builds the package and its tests; a compiler warning in this package's own sources fails the build.
build-tests:
	@mkdir -p .build
	@bash -o pipefail -c "$(SWIFT) build --build-tests 2>&1 | tee $(BUILD_LOG)"
	@if grep -E "^$(CURDIR)/(Sources|Tests|examples)/.*: warning:" $(BUILD_LOG) | sort -u | grep .; then \
		echo "error: the build has compiler warnings (listed above); this package builds with zero warnings."; \
		exit 1; \
	fi

# DocC: the symbol graphs of the built modules (TractorPool's with the TractorRuntime API it re-exports, so that its
# pages can link to it), then one archive per catalog. `docc` and `swift-symbolgraph-extract` ship with the toolchain.
# DocumentationTests does the same from the test build.
DOCS := .build/docs

docs: deps
	$(SWIFT) build --target TractorPool
	@set -e; bin=$$($(SWIFT) build --show-bin-path); triple=$$(basename "$$(dirname "$$(readlink -f "$$bin")")"); \
	for module in TractorRuntime TractorPool; do \
		rm -rf $(DOCS)/$$module.symbols $(DOCS)/$$module.doccarchive; mkdir -p $(DOCS)/$$module.symbols; \
		swift-symbolgraph-extract -module-name $$module -target $$triple -I "$$bin/Modules" \
			-Xcc -fmodule-map-file="$$bin/CTractorLinux.build/module.modulemap" \
			-Xcc -fmodule-map-file=Sources/CHwloc/module.modulemap -Xcc -fmodule-map-file=Sources/CNuma/module.modulemap \
			-minimum-access-level public -experimental-allowed-reexported-modules=TractorRuntime \
			-output-dir $(DOCS)/$$module.symbols; \
		docc convert Sources/$$module/$$module.docc --additional-symbol-graph-dir $(DOCS)/$$module.symbols \
			--output-path $(DOCS)/$$module.doccarchive --fallback-display-name $$module \
			--fallback-bundle-identifier $$module --warnings-as-errors; \
		echo "$(DOCS)/$$module.doccarchive"; \
	done

# libFuzzer over the frame decoder, Message.decode, MessagePackValue and the Codable decoder (Sources/tractor-fuzz).
# Built in its own scratch path. `--sanitize` links libFuzzer's main and the address sanitizer, but only
# `-Xswiftc -sanitize=...` instruments the Swift modules for coverage, and dead stripping would drop those coverage
# counters again: without both, the fuzzer runs blind. The corpus grows in fuzz-corpus/; a crashing input is saved
# as crash-* here (replay it with `swift run tractor-fuzz crash-...`).
FUZZ_SECONDS ?= 300
FUZZ_CORPUS ?= fuzz-corpus
FUZZ_BUILD := .build-fuzz

fuzz:
	$(SWIFT) build -c release --product tractor-fuzz --scratch-path $(FUZZ_BUILD) \
		--sanitize fuzzer --sanitize address -Xswiftc -sanitize=fuzzer,address -Xswiftc -DTRACTOR_FUZZING \
		--disable-dead-strip
	@mkdir -p $(FUZZ_CORPUS)
	$(FUZZ_BUILD)/release/tractor-fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=10 \
		-print_final_stats=1 $(FUZZ_CORPUS)

# Benchmarks: a nested package on package-benchmark (malloc counts through its MallocInterposer trait).
BENCH := cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark

bench-codec:
	$(BENCH) --target Codec

# The runtime's actors run bench-worker (and, for one spawn figure, bench-worker-static), built first next to the
# benchmark binaries.
bench-runtime: deps static-libstdcxx
	cd Benchmarks && $(SWIFT) build -c release --product bench-worker
	cd Benchmarks && $(SWIFT) build -c release --product bench-worker-static
	$(BENCH) --target Portals

# The pool's workers run pool-worker, built first next to the benchmark binaries.
bench-pool: deps static-libstdcxx
	cd Benchmarks && $(SWIFT) build -c release --product pool-worker
	cd Benchmarks && $(SWIFT) build -c release --product pool-worker-static
	cd Benchmarks && $(SWIFT) build -c release --product floor-peer
	cd Benchmarks && $(SWIFT) build -c release --product floor-peer-static
	$(BENCH) --target Pool

# Actors on another host: a network namespace with a host agent (pool-worker) whose actors run bench-worker, and the
# floor of the same path (floor-peer over TCP). Needs root; without it the suite says so and measures nothing.
bench-hosts: deps
	cd Benchmarks && $(SWIFT) build -c release --product bench-worker
	cd Benchmarks && $(SWIFT) build -c release --product pool-worker
	cd Benchmarks && $(SWIFT) build -c release --product floor-peer
	$(BENCH) --target Hosts

# The lean peers (bench-worker-static, pool-worker-static, floor-peer-static) link the C++ standard library's static
# archive, found through a folder that holds only a link to it (see Benchmarks/Package.swift). The toolchain's clang
# says where the archive is.
STATIC_LIBSTDCXX := Benchmarks/.build/static-libstdc++
static-libstdcxx:
	@archive=$$("$$(dirname "$$(command -v $(SWIFT))")/clang" -print-file-name=libstdc++.a); \
	case "$$archive" in /*) ;; *) echo "error: no libstdc++.a next to the toolchain's clang (install libstdc++-dev)"; exit 1;; esac; \
	mkdir -p $(STATIC_LIBSTDCXX) && ln -sf "$$archive" $(STATIC_LIBSTDCXX)/libstdc++.a

bench: bench-workers
	$(BENCH)

# Where a round trip's time goes, point by point (RoundTripTrace): a pool's `submit` and a `portal.run`, each traced
# in one run of its benchmark, in every process, then tabled by Benchmarks/peers/round_trip_trace.py.
TRACE_DIR := Benchmarks/.build/round-trip-trace
trace-round-trip: bench-workers
	cd Benchmarks && $(SWIFT) build -c release --product Pool
	cd Benchmarks && $(SWIFT) build -c release --product Portals
	rm -rf $(TRACE_DIR) && mkdir -p $(TRACE_DIR)/submit $(TRACE_DIR)/portal
	TRACTOR_ROUND_TRIP_TRACE=$(abspath $(TRACE_DIR))/submit Benchmarks/.build/release/Pool \
		--filter 'Pool submit round trip' > /dev/null
	@echo "== Pool submit round trip"
	$(PYTHON) Benchmarks/peers/round_trip_trace.py $(TRACE_DIR)/submit
	TRACTOR_ROUND_TRIP_TRACE=$(abspath $(TRACE_DIR))/portal Benchmarks/.build/release/Portals \
		--filter '^portal.run round trip$$' > /dev/null
	@echo "== portal.run round trip"
	$(PYTHON) Benchmarks/peers/round_trip_trace.py $(TRACE_DIR)/portal

# Every process the suites spawn: the workers (each also linked with -static-stdlib) and the floor's peers.
bench-workers: deps static-libstdcxx
	cd Benchmarks && $(SWIFT) build -c release --product bench-worker
	cd Benchmarks && $(SWIFT) build -c release --product bench-worker-static
	cd Benchmarks && $(SWIFT) build -c release --product pool-worker
	cd Benchmarks && $(SWIFT) build -c release --product pool-worker-static
	cd Benchmarks && $(SWIFT) build -c release --product floor-peer
	cd Benchmarks && $(SWIFT) build -c release --product floor-peer-static

# Our suites and the Python peers (ProcessPoolExecutor, multiprocessing.Pool, loky, mpire; the script puts loky and
# mpire in Benchmarks/peers/.venv itself) on the same workloads, in one run, as one table.
bench-compare: deps
	$(PYTHON) Benchmarks/peers/compare.py

# Pools across hosts beside dask.distributed (Benchmarks/peers/hosts.py): two network namespaces on a bridge of the
# run's own, an agent or a Dask worker in each; Dask comes from PyPI into Benchmarks/peers/.venv-hosts. Needs root.
bench-dask: deps
	$(PYTHON) Benchmarks/peers/hosts.py

# Thresholds: p90 per benchmark and metric, per toolchain (allocation counts move between runtime versions), in
# Benchmarks/Thresholds/<major.minor>/. Each suite declares its tolerances; a regression or an improvement beyond them
# fails bench-check. After an intended change, run bench-thresholds and commit the new files.
TOOLCHAIN := $(shell $(SWIFT) --version 2>/dev/null | sed -nE 's/.*Swift version ([0-9]+\.[0-9]+).*/\1/p' | head -1)
THRESHOLDS := $(CURDIR)/Benchmarks/Thresholds/$(TOOLCHAIN)

# The primes ratios (pool vs concurrentPerform) are figures to report, not regression gates: skipped here. So are the
# Floor suite (the machine's own cost, which no change here moves) and the Hosts suite (root only, over a veth pair).
BENCH_GATES := --skip ".*vs concurrentPerform.*" --skip-target "^(Floor|Hosts)$$"
bench-check: bench-workers
	$(BENCH) thresholds check --path $(THRESHOLDS) --no-progress $(BENCH_GATES)

bench-thresholds: bench-workers
	$(BENCH) thresholds update --path $(THRESHOLDS) --no-progress $(BENCH_GATES)
	@# package-benchmark (1.38.1) writes a benchmark's file with the spaces of its name turned into underscores, but
	@# `thresholds check` reads it under the name as it is: rename them so (no benchmark name here has an underscore).
	@cd $(THRESHOLDS) && for file in *_*.p90.json; do if [ -e "$$file" ]; then mv -f "$$file" "$${file//_/ }"; fi; done

clean:
	rm -rf .build $(FUZZ_BUILD) Benchmarks/.build Benchmarks/.bench-output
