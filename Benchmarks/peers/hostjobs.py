# Tractor for Swift — structured concurrency for process actors.
# SPDX-License-Identifier: Apache-2.0
"""The jobs of the benchmark across hosts on Dask's side (hosts.py), importable by name on every Dask worker.

`count_primes_compiled` runs the same trial division as Swift's `countPrimes(in:)` (and as workloads.is_prime),
compiled from C_SOURCE into a shared library that hosts.py builds and names in TRACTOR_BENCH_PRIMES_LIB, so that
the primes row compares the two schedulers on the same machine code rather than CPython against Swift.
"""

import ctypes
import os

from workloads import count_primes_in, noop  # noqa: F401  (re-exported for the workers)

LIBRARY_VARIABLE = "TRACTOR_BENCH_PRIMES_LIB"

C_SOURCE = r"""
long count_primes(long lower, long upper) {
    long count = 0;
    for (long n = lower; n < upper; n++) {
        if (n < 2) continue;
        if (n % 2 == 0) { if (n == 2) count++; continue; }
        int prime = 1;
        for (long divisor = 3; divisor * divisor <= n; divisor += 2) {
            if (n % divisor == 0) { prime = 0; break; }
        }
        count += prime;
    }
    return count;
}
"""

_library = None


def count_primes_compiled(bounds):
    """The number of primes in [bounds[0], bounds[1]), by the compiled trial division."""
    global _library
    if _library is None:
        library = ctypes.CDLL(os.environ[LIBRARY_VARIABLE])
        library.count_primes.restype = ctypes.c_long
        library.count_primes.argtypes = [ctypes.c_long, ctypes.c_long]
        _library = library
    return _library.count_primes(bounds[0], bounds[1])
