# Tractor for Swift — structured concurrency for process actors.
# SPDX-License-Identifier: Apache-2.0
"""The workloads of the comparison, shared by every Python peer and by the driver.

`SPEC` is the one statement of the inputs: item counts, chunk sizes, the primes range and its expected count, the
cancellation workload. The Swift suites (Benchmarks/Benchmarks/Pool) use the same numbers; compare.py checks that
the Swift benchmarks it reads are the ones named here.

The job functions live in this module, not in the runner, so that every start method can import them by name
(loky starts its workers by fork+exec and unpickles functions by module path).
"""

import time

SPEC = {
    # No-op map throughput: the same item counts and chunk sizes as the Swift suite (`Pool no-op map, ...`).
    # `None` is the library's own default: Tractor sizes chunks from measured job time, multiprocessing.Pool and
    # mpire split the input into a fixed number of chunks, ProcessPoolExecutor and loky have no automatic size (their
    # default is 1, the chunk-1 row).
    "map": [
        {"label": "chunk 1", "chunk": 1, "items": 10_000},
        {"label": "chunk 100", "chunk": 100, "items": 200_000},
        {"label": "chunk 1000", "chunk": 1_000, "items": 200_000},
        {"label": "auto-chunked", "chunk": None, "items": 200_000},
    ],
    # Single submit round trips, one at a time: submit a no-op, wait for its result.
    "submit": {"count": 2_000},
    # Count primes below `limit` in `pieces` equal ranges, one range per task (chunk size 1); the result must be
    # `expected`. Trial division by 2 and by the odd numbers up to the square root, as Swift's `countPrimes(in:)`.
    "primes": {"limit": 1_000_000, "pieces": 64, "expected": 78_498},
    # Open a pool, run one no-op, close the pool (every worker exited): `count` times per run.
    "startup": {"count": 8},
    # A map of `jobs` sleeps of `milliseconds` each, chunk size 1, cancelled once its first result is in; the figure
    # is the time from the cancel request until the pool has stopped (every worker exited).
    "cancel": {"jobs": 1_000, "milliseconds": 50},
}


def noop(value):
    """Returns its input: the cheapest job there is."""
    return value


def sleep_ms(milliseconds):
    """Sleeps for the given milliseconds and returns them."""
    time.sleep(milliseconds / 1000)
    return milliseconds


def is_prime(n):
    """Trial division by 2, then by the odd numbers whose square is at most n."""
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    divisor = 3
    while divisor * divisor <= n:
        if n % divisor == 0:
            return False
        divisor += 2
    return True


def count_primes(lower, upper):
    """The number of primes in [lower, upper)."""
    count = 0
    for n in range(lower, upper):
        if is_prime(n):
            count += 1
    return count


def count_primes_in(bounds):
    """`count_primes` over a (lower, upper) pair: the one-argument form the executors' `map` calls."""
    return count_primes(bounds[0], bounds[1])


def primes_ranges(limit, pieces):
    """[0, limit) in `pieces` ranges, split as the Swift suite splits it."""
    return [(piece * limit // pieces, (piece + 1) * limit // pieces) for piece in range(pieces)]
