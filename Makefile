# Tractor for Swift — the two commands of the quick start, and the development tasks behind them.
#
#   make run    builds the primes example in release mode and runs it
#   make test   builds everything (failing on any compiler warning in this package) and runs the whole test suite
#
# Each installs what it needs when it is missing (libhwloc-dev, libnuma-dev, Python's msgspec) and does nothing
# more when everything is already there.

SHELL := /bin/bash
SWIFT ?= swift
PYTHON ?= python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BUILD_LOG := .build/tractor-build.log

.PHONY: run test deps pydeps build-tests fuzz bench clean

run: deps
	$(SWIFT) run -c release primes

test: deps pydeps build-tests
	$(SWIFT) test --skip-build

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

clean:
	rm -rf .build
