# Tractor for Swift — structured concurrency for process actors.
# SPDX-License-Identifier: Apache-2.0
"""Runs the comparison workloads on Python's process pools and prints their figures as JSON.

Peers: concurrent.futures.ProcessPoolExecutor, multiprocessing.Pool, loky and mpire, each with its default start
method and the same worker count. loky and mpire come from PyPI into Benchmarks/peers/.venv, which this script
creates and fills on its first run, then re-executes itself inside it.

    python3 Benchmarks/peers/peers.py --workers 2 [--repeats 3] [--peers ppe,mp] [--workloads map,submit] [--out f]

Every figure is the median of `--repeats` runs (or, for latencies, of every sample of every run), and every run
checks its results: the values a map returns, the prime count, the submitted value coming back.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
VENV = os.path.join(HERE, ".venv")
# Pinned so that a fresh clone measures what RESULTS.md measured.
REQUIREMENTS = ["loky==3.7.0", "mpire==2.10.2"]


# MARK: - Environment


def ensure_venv():
    """Creates Benchmarks/peers/.venv with the pinned peers when missing, and re-executes this script in it."""
    python = os.path.join(VENV, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        return
    if not os.path.exists(python):
        print(f"peers: creating {VENV} and installing {' '.join(REQUIREMENTS)} from PyPI", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    probe = subprocess.run([python, "-c", "import loky, mpire"], capture_output=True)
    if probe.returncode != 0:
        subprocess.run(
            [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", *REQUIREMENTS], check=True
        )
    os.execv(python, [python, os.path.abspath(__file__), *sys.argv[1:]])


# MARK: - Peers

sys.path.insert(0, HERE)
import workloads  # noqa: E402  (after the path is set)
from workloads import SPEC  # noqa: E402


class Peer:
    """One pool library behind a common face: open, map, submit, worker pids, cancel-and-stop."""

    name = ""
    # Whether `map` has an automatic chunk size of its own (chunk=None).
    has_auto_chunk = False
    cancel_semantics = ""

    def __init__(self, workers):
        self.workers = workers

    def open(self):
        raise NotImplementedError

    def close(self, pool):
        raise NotImplementedError

    def map(self, pool, function, items, chunk):
        raise NotImplementedError

    def imap(self, pool, function, items, chunk):
        """An iterator over the results in input order, started at once."""
        raise NotImplementedError

    def submit(self, pool, function, value):
        raise NotImplementedError

    def pids(self, pool):
        raise NotImplementedError

    def stop_now(self, pool):
        """Stops the pool as fast as the library allows while a map is still running (see `cancel_semantics`)."""
        raise NotImplementedError


class ProcessPoolExecutorPeer(Peer):
    name = "ProcessPoolExecutor"
    cancel_semantics = (
        "shutdown(wait=True, cancel_futures=True): queued futures are cancelled; jobs already running, and those "
        "already handed to the call queue (workers + 1), run to completion"
    )

    def open(self):
        import concurrent.futures

        return concurrent.futures.ProcessPoolExecutor(max_workers=self.workers)

    def close(self, pool):
        pool.shutdown(wait=True)

    def map(self, pool, function, items, chunk):
        return list(pool.map(function, items, chunksize=chunk or 1))

    def imap(self, pool, function, items, chunk):
        return pool.map(function, items, chunksize=chunk or 1)

    def submit(self, pool, function, value):
        return pool.submit(function, value).result()

    def pids(self, pool):
        return list(pool._processes.keys())

    def stop_now(self, pool):
        pool.shutdown(wait=True, cancel_futures=True)


class LokyPeer(ProcessPoolExecutorPeer):
    name = "loky"
    cancel_semantics = "shutdown(wait=True, kill_workers=True): the workers are killed, running jobs with them"

    def open(self):
        import loky

        return loky.ProcessPoolExecutor(max_workers=self.workers)

    def stop_now(self, pool):
        pool.shutdown(wait=True, kill_workers=True)


class MultiprocessingPoolPeer(Peer):
    name = "multiprocessing.Pool"
    has_auto_chunk = True
    cancel_semantics = "terminate() then join(): the workers get SIGTERM, running jobs die with them"

    def open(self):
        import multiprocessing

        return multiprocessing.Pool(self.workers)

    def close(self, pool):
        pool.close()
        pool.join()

    def map(self, pool, function, items, chunk):
        return pool.map(function, items, chunksize=chunk)

    def imap(self, pool, function, items, chunk):
        return pool.imap(function, items, chunksize=chunk or 1)

    def submit(self, pool, function, value):
        return pool.apply_async(function, (value,)).get()

    def pids(self, pool):
        return [process.pid for process in pool._pool]

    def stop_now(self, pool):
        pool.terminate()
        pool.join()


class MpirePeer(Peer):
    name = "mpire"
    has_auto_chunk = True
    cancel_semantics = "terminate(): the workers are interrupted, then killed if they do not stop"

    def open(self):
        import mpire

        # keep_alive: the workers outlive one map, as every other pool's do (mpire's default restarts them per map).
        pool = mpire.WorkerPool(n_jobs=self.workers, keep_alive=True)
        pool.__enter__()
        return pool

    def close(self, pool):
        pool.stop_and_join()
        pool.__exit__(None, None, None)

    @staticmethod
    def _arguments(items):
        # mpire unpacks an argument that is a tuple into several; wrap each item so the function gets it whole.
        return [(item,) for item in items] if items and isinstance(items[0], tuple) else items

    def map(self, pool, function, items, chunk):
        return pool.map(function, self._arguments(items), chunk_size=chunk)

    def imap(self, pool, function, items, chunk):
        return pool.imap(function, self._arguments(items), chunk_size=chunk or 1)

    def submit(self, pool, function, value):
        return pool.apply_async(function, (value,)).get()

    def pids(self, pool):
        return [worker.pid for worker in pool._workers]

    def stop_now(self, pool):
        pool.terminate()


PEERS = {
    "ppe": ProcessPoolExecutorPeer,
    "mp": MultiprocessingPoolPeer,
    "loky": LokyPeer,
    "mpire": MpirePeer,
}


# MARK: - Workloads


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def warm_up(peer, pool):
    """Starts every worker and runs a few jobs on each."""
    values = list(range(peer.workers * 64))
    check(peer.map(pool, workloads.noop, values, 1) == values, "warm-up map returned wrong values")


def run_map(peer, repeats):
    """No-op map throughput at each chunk size, in items per second, the pool opened and warmed up beforehand."""
    results = {}
    for case in SPEC["map"]:
        label, chunk, count = case["label"], case["chunk"], case["items"]
        if chunk is None and not peer.has_auto_chunk:
            results[label] = {"skipped": "no automatic chunk size (the default is 1: see chunk 1)"}
            continue
        items = list(range(count))
        pool = peer.open()
        try:
            warm_up(peer, pool)
            rates = []
            for _ in range(repeats):
                start = time.perf_counter()
                values = peer.map(pool, workloads.noop, items, chunk)
                elapsed = time.perf_counter() - start
                check(len(values) == count and values[0] == 0 and values[-1] == count - 1, f"map {label}: bad values")
                check(values == items, f"map {label}: values out of order or wrong")
                rates.append(count / elapsed)
        finally:
            peer.close(pool)
        results[label] = {"items": count, "chunk": chunk, "items_per_s": statistics.median(rates), "runs": rates}
    return results


def percentile(samples, fraction):
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def run_submit(peer, repeats):
    """Single submit round trips (submit a no-op, wait for it): p50 and p99 over every sample, in microseconds."""
    count = SPEC["submit"]["count"]
    pool = peer.open()
    samples = []
    try:
        warm_up(peer, pool)
        for _ in range(repeats):
            for index in range(count):
                start = time.perf_counter()
                value = peer.submit(pool, workloads.noop, index)
                samples.append(time.perf_counter() - start)
                check(value == index, "submit returned the wrong value")
    finally:
        peer.close(pool)
    return {
        "count": len(samples),
        "p50_us": percentile(samples, 0.50) * 1e6,
        "p99_us": percentile(samples, 0.99) * 1e6,
    }


def run_primes(peer, repeats, worker_counts):
    """Count primes over the shared ranges with 1 and with all workers: seconds (median) and the count."""
    spec = SPEC["primes"]
    ranges = workloads.primes_ranges(spec["limit"], spec["pieces"])
    results = {}
    for workers in worker_counts:
        one = type(peer)(workers)
        pool = one.open()
        try:
            warm_up(one, pool)
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                counts = one.map(pool, workloads.count_primes_in, ranges, 1)
                times.append(time.perf_counter() - start)
                check(sum(counts) == spec["expected"], f"count-primes: {sum(counts)} != {spec['expected']}")
        finally:
            one.close(pool)
        results[str(workers)] = {"seconds": statistics.median(times), "runs": times}
    return results


def run_startup(peer, repeats):
    """Open a pool, run one no-op, close it (every worker exited): milliseconds, median, to the first result and to
    the end of the close."""
    times, firsts = [], []
    for index in range(SPEC["startup"]["count"] * repeats):
        start = time.perf_counter()
        pool = peer.open()
        value = peer.submit(pool, workloads.noop, index)
        firsts.append(time.perf_counter() - start)
        peer.close(pool)
        times.append(time.perf_counter() - start)
        check(value == index, "start-up: wrong value")
    return {"ms": statistics.median(times) * 1e3, "first_ms": statistics.median(firsts) * 1e3, "runs": len(times)}


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still answers kill(0); it is gone for this purpose once it is not running.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def run_cancel(peer, repeats):
    """A map of 1,000 × 50 ms sleeps, chunk size 1, stopped once its first result is in: milliseconds from the stop
    request until the library's stop call returns, and whether every worker had exited by then."""
    spec = SPEC["cancel"]
    times = []
    all_exited = True
    for _ in range(repeats):
        pool = peer.open()
        warm_up(peer, pool)
        pids = peer.pids(pool)
        results = peer.imap(pool, workloads.sleep_ms, [spec["milliseconds"]] * spec["jobs"], 1)
        check(next(iter(results)) == spec["milliseconds"], "cancel: wrong first result")
        start = time.perf_counter()
        peer.stop_now(pool)
        times.append(time.perf_counter() - start)
        all_exited = all_exited and not any(pid_alive(pid) for pid in pids)
        try:
            peer.close(pool)
        except Exception:  # noqa: BLE001  (closing a stopped pool may complain; it is stopped either way)
            pass
    return {"ms": statistics.median(times) * 1e3, "runs": times, "workers_exited": all_exited,
            "semantics": peer.cancel_semantics}


def memory_of(pid):
    """VmRSS and Pss of a process, in bytes."""
    values = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                values["rss"] = int(line.split()[1]) * 1024
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    values["pss"] = int(line.split()[1]) * 1024
    except FileNotFoundError:
        pass
    return values


def run_rss(peer, repeats):
    """Resident memory of an idle worker, after a warm-up map, in MiB: median over workers and runs (RSS, and PSS,
    which divides pages shared with the parent and siblings)."""
    rss, pss = [], []
    for _ in range(repeats):
        pool = peer.open()
        try:
            warm_up(peer, pool)
            time.sleep(0.2)
            for pid in peer.pids(pool):
                values = memory_of(pid)
                rss.append(values["rss"] / 2**20)
                if "pss" in values:
                    pss.append(values["pss"] / 2**20)
        finally:
            peer.close(pool)
    return {"rss_mib": statistics.median(rss), "pss_mib": statistics.median(pss) if pss else None}


WORKLOADS = {
    "map": run_map,
    "submit": run_submit,
    "primes": None,  # needs the worker counts
    "startup": run_startup,
    "cancel": run_cancel,
    "rss": run_rss,
}


def run_one(key, workload, arguments):
    """One workload on one peer, in this process."""
    peer = PEERS[key](arguments.workers)
    if workload == "primes":
        counts = sorted({1, arguments.workers})
        return run_primes(peer, arguments.primes_repeats or arguments.repeats, counts)
    return WORKLOADS[workload](peer, arguments.repeats)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, required=True, help="worker count (the Swift pool's: physical cores)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per figure (the median is reported)")
    parser.add_argument("--primes-repeats", type=int, default=None, help="runs of count-primes (default --repeats)")
    parser.add_argument("--peers", default=",".join(PEERS), help="comma-separated: " + ", ".join(PEERS))
    parser.add_argument("--workloads", default=",".join(WORKLOADS), help="comma-separated: " + ", ".join(WORKLOADS))
    parser.add_argument("--out", help="write the JSON here as well as to standard output")
    parser.add_argument("--no-venv", action="store_true", help="run with this interpreter, as it is")
    parser.add_argument("--one", metavar="PEER:WORKLOAD", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if not arguments.no_venv:
        ensure_venv()

    if arguments.one:
        key, workload = arguments.one.split(":")
        print(json.dumps(run_one(key, workload, arguments)))
        return

    from importlib.metadata import version

    report = {
        "python": platform.python_version(),
        "versions": {name: version(name) for name in ("loky", "mpire")},
        "workers": arguments.workers,
        "repeats": arguments.repeats,
        "spec": SPEC,
        "peers": {},
    }
    for key in arguments.peers.split(","):
        figures = {"name": PEERS[key].name}
        for workload in arguments.workloads.split(","):
            # Each workload of each peer in a fresh interpreter: nothing one leaves behind (a grown heap that forked
            # workers would inherit, threads, a resource tracker) weighs on the next.
            began = time.perf_counter()
            command = [sys.executable, os.path.abspath(__file__), "--no-venv", "--one", f"{key}:{workload}",
                       "--workers", str(arguments.workers), "--repeats", str(arguments.repeats)]
            if arguments.primes_repeats:
                command += ["--primes-repeats", str(arguments.primes_repeats)]
            result = subprocess.run(command, capture_output=True, text=True)
            if result.returncode != 0:
                sys.stderr.write(result.stderr)
                raise SystemExit(f"peers: {PEERS[key].name} {workload} failed ({result.returncode})")
            figures[workload] = json.loads(result.stdout.strip().splitlines()[-1])
            print(f"peers: {PEERS[key].name} {workload} done in {time.perf_counter() - began:.1f} s", file=sys.stderr)
        report["peers"][key] = figures
    text = json.dumps(report, indent=2)
    if arguments.out:
        with open(arguments.out, "w") as out:
            out.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
