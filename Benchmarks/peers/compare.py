# Tractor for Swift — structured concurrency for process actors.
# SPDX-License-Identifier: Apache-2.0
"""Runs our benchmark suites and the Python peers on the same workloads, and prints one table.

    make bench-compare                    # from the repository root
    python3 Benchmarks/peers/compare.py [--repeats 3] [--skip-build] [--no-write]

Steps, all in one run: build bench-worker and pool-worker (each also linked with -static-stdlib) and the floor's peers
(release), read the worker count from `pool-worker topology --json` (one worker per physical core of the allowed
CPUs, the Swift pool's default placement), run the `Pool`, `Portals` and `Floor` suites (and `Hosts`, as root) with package-benchmark (raw
samples exported as histogramSamples, in nanoseconds), run Benchmarks/peers/peers.py with the same worker count, then print the table and write Benchmarks/RESULTS.md.

Every figure is a median: the p50 of package-benchmark's samples for ours, the median of repeated runs (or of every
sample, for latencies) for the peers. Every workload checks its results on both sides (preconditions in Swift,
assertions in peers.py).
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BENCHMARKS = os.path.dirname(HERE)
OUTPUT = os.path.join(BENCHMARKS, ".bench-output")
SWIFT_OUTPUT = os.path.join(OUTPUT, "swift")
RESULTS = os.path.join(BENCHMARKS, "RESULTS.md")
HOSTS_MARKER = "<!-- The section below is written by `make bench-dask` (Benchmarks/peers/hosts.py). -->"

sys.path.insert(0, HERE)
from workloads import SPEC  # noqa: E402

PEER_KEYS = ["ppe", "mp", "loky", "mpire"]
PEER_NAMES = {"ppe": "ProcessPoolExecutor", "mp": "multiprocessing.Pool", "loky": "loky", "mpire": "mpire"}


# MARK: - Running


def run(command, cwd=BENCHMARKS, capture=False):
    """Runs a command at low priority (the machine is shared), failing loudly."""
    print(f"compare: $ {' '.join(command)}", file=sys.stderr)
    result = subprocess.run(["nice", "-n", "5", *command], cwd=cwd, text=True, capture_output=capture)
    if result.returncode != 0:
        if capture:
            sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"compare: command failed ({result.returncode}): {' '.join(command)}")
    return result.stdout if capture else ""


def link_static_libstdcxx():
    """The folder through which the lean peers link `libstdc++.a` (see Benchmarks/Package.swift)."""
    clang = os.path.join(os.path.dirname(shutil.which("swift") or "swift"), "clang")
    archive = run([clang, "-print-file-name=libstdc++.a"], capture=True).strip()
    if not os.path.isabs(archive):
        raise SystemExit("compare: no libstdc++.a next to the toolchain's clang (install libstdc++-dev)")
    folder = os.path.join(BENCHMARKS, ".build", "static-libstdc++")
    os.makedirs(folder, exist_ok=True)
    link = os.path.join(folder, "libstdc++.a")
    if os.path.lexists(link):
        os.remove(link)
    os.symlink(archive, link)


def build():
    link_static_libstdcxx()
    for product in ("bench-worker", "bench-worker-static", "pool-worker", "pool-worker-static", "floor-peer",
                    "floor-peer-static"):
        run(["swift", "build", "-c", "release", "--product", product])


def worker_count():
    """The Swift pool's default worker count: one per physical core of the allowed CPUs."""
    report = json.loads(run([os.path.join(BENCHMARKS, ".build", "release", "pool-worker"), "topology", "--json"],
                            capture=True))
    return len(report["placements"]["per-core"])


def hosts_available():
    """Whether the Hosts suite can run: it makes a network namespace, a bridge and a veth pair, which needs root."""
    return os.geteuid() == 0 and shutil.which("ip") is not None


def run_swift_suites():
    shutil.rmtree(SWIFT_OUTPUT, ignore_errors=True)
    os.makedirs(SWIFT_OUTPUT)
    suites = "Pool|Portals|Floor|Hosts" if hosts_available() else "Pool|Portals|Floor"
    run([
        "swift", "package", "--allow-writing-to-package-directory", "benchmark",
        "--target", f"^({suites})$",
        "--format", "histogramSamples", "--time-units", "nanoseconds",
        "--path", SWIFT_OUTPUT, "--no-progress",
    ])


def run_peers(workers, repeats, peers):
    out = os.path.join(OUTPUT, "peers.json")
    command = [sys.executable, os.path.join(HERE, "peers.py"), "--workers", str(workers), "--repeats", str(repeats),
               "--peers", ",".join(peers), "--out", out]
    run(command, capture=True)
    with open(out) as file:
        return json.load(file)


# MARK: - Reading package-benchmark's samples


def samples(target, name, metric):
    """The raw samples package-benchmark exported for one benchmark and metric, sorted."""
    cleaned = name.replace("/", "_").replace(" ", "_")
    path = os.path.join(SWIFT_OUTPUT, f"Current_run.{target}.{cleaned}.{metric}.histogram.samples.tsv")
    if not os.path.exists(path):
        raise SystemExit(f"compare: no samples for '{name}' ({metric}) at {path}: did the benchmark run and pass?")
    with open(path) as file:
        lines = file.read().split("\n")
    values = sorted(int(line) for line in lines[1:] if line.strip())
    if not values:
        raise SystemExit(f"compare: no samples in {path}")
    return values


def p(values, fraction):
    return values[min(len(values) - 1, max(0, round(fraction * (len(values) - 1))))]


def median_ns(target, name, metric="wallClock"):
    return p(samples(target, name, metric), 0.5)


# MARK: - The table


class Row:
    """One line of the table: a workload, its unit, our figure, each peer's, which way is better, and a target."""

    def __init__(self, workload, unit, ours, peers=None, higher_is_better=True, target=None, target_text="",
                 digits=None):
        self.workload = workload
        self.unit = unit
        self.ours = ours
        self.peers = peers or {}
        self.higher_is_better = higher_is_better
        self.target = target
        self.target_text = target_text
        self.digits = digits

    def ratio(self):
        """Ours against the best peer, oriented so that above 1 means ours is better."""
        figures = [value for value in self.peers.values() if isinstance(value, (int, float))]
        if not figures or self.ours is None:
            return None
        if self.higher_is_better:
            return self.ours / max(figures)
        return min(figures) / self.ours

    def target_status(self):
        if self.target is None:
            return self.target_text
        met = self.ours >= self.target if self.higher_is_better else self.ours <= self.target
        return f"{self.target_text}: {'met' if met else 'not met'}"


def number(value, digits=None):
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if digits is not None:
        return f"{value:,.{digits}f}"
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:,.1f}"
    if magnitude >= 1:
        return f"{value:,.2f}"
    return f"{value:,.3f}"


def build_rows(peers, workers):
    rows = []
    figures = peers["peers"]

    def peer_values(extract):
        values = {}
        for key in PEER_KEYS:
            if key not in figures:
                continue
            try:
                values[key] = extract(figures[key])
            except (KeyError, TypeError):
                values[key] = None
        return values

    # The machine's floor, from the same run (the Floor suite: no framework, the C library and Swift's standard
    # library alone), and the goals stated against it.
    floor_round_trip = p(samples("Floor", "Floor ping-pong round trip", "Round_trip_(ns)"), 0.5) / 1e3
    floor_spawn = median_ns("Floor", "Floor spawn 2 peers to first reply, dynamic") / 1e6
    floor_spawn_static = median_ns("Floor", "Floor spawn 2 peers to first reply, static stdlib") / 1e6
    floor_spawn_reap = median_ns("Floor", "Floor spawn, one round trip, reap") / 1e6
    floor_spawn_reap_static = median_ns("Floor", "Floor spawn, one round trip, reap, static stdlib") / 1e6
    floor_rss = p(samples("Floor", "Floor peer memory idle, dynamic", "Peer_RSS_idle_(KiB)"), 0.5) / 1024
    floor_rss_static = p(samples("Floor", "Floor peer memory idle, static stdlib", "Peer_RSS_idle_(KiB)"), 0.5) / 1024
    rows.append(Row("floor: blocking ping-pong round trip between two bare processes, p50", "µs", floor_round_trip,
                    higher_is_better=False))
    rows.append(Row("floor: spawn 2 bare Swift processes to first reply", "ms", floor_spawn, higher_is_better=False))
    rows.append(Row("floor: the same, linked with -static-stdlib", "ms", floor_spawn_static, higher_is_better=False))
    rows.append(Row("floor: spawn a bare process, one round trip, reap it", "ms", floor_spawn_reap,
                    higher_is_better=False))
    rows.append(Row("floor: the same, linked with -static-stdlib", "ms", floor_spawn_reap_static,
                    higher_is_better=False))
    rows.append(Row("floor: idle bare Swift process RSS", "MiB", floor_rss, higher_is_better=False))
    rows.append(Row("floor: the same, linked with -static-stdlib", "MiB", floor_rss_static, higher_is_better=False))

    # Start-up.
    # To the first result (as the floor's spawn ends with the first replies), and with the pool closed afterwards.
    for suffix, label in [("", f"{workers} workers"), (", static-stdlib workers", f"{workers} -static-stdlib workers")]:
        name = "Pool start-up to first result" + suffix
        rows.append(Row(
            f"pool start-up to first result ({label})", "ms",
            median_ns("Pool", name, "Start-up_to_first_result_(ns)") / 1e6,
            peer_values(lambda peer: peer["startup"].get("first_ms")), higher_is_better=False, target=6,
            target_text="≤ 6 ms"))
        rows.append(Row(
            "the same, then closed (every worker exited)", "ms", median_ns("Pool", name) / 1e6,
            peer_values(lambda peer: peer["startup"]["ms"]), higher_is_better=False))

    # No-op map throughput.
    targets = {"chunk 1": (200_000, "≥ 200 k/s"), "auto-chunked": (5_000_000, "≥ 5 M/s")}
    for case in SPEC["map"]:
        label, items = case["label"], case["items"]
        ours = items / (median_ns("Pool", f"Pool no-op map, {label}, {items} items") / 1e9)

        def extract(peer, label=label):
            entry = peer["map"][label]
            return "n/a" if "skipped" in entry else entry["items_per_s"]

        target, text = targets.get(label, (None, ""))
        rows.append(Row(f"no-op map, {label} ({items:,} items)", "items/s", ours, peer_values(extract),
                        target=target, target_text=text))

    # Submit round trips.
    submits = samples("Pool", "Pool submit round trip", "Submit_round_trip_(ns)")
    rows.append(Row("single submit round trip, p50", "µs", p(submits, 0.5) / 1e3,
                    peer_values(lambda peer: peer["submit"]["p50_us"]), higher_is_better=False,
                    target=1.25 * floor_round_trip, target_text=f"≤ 1.25 × floor ({1.25 * floor_round_trip:.0f} µs)"))
    rows.append(Row("single submit round trip, p99", "µs", p(submits, 0.99) / 1e3,
                    peer_values(lambda peer: peer["submit"]["p99_us"]), higher_is_better=False,
                    target=1_000, target_text="≤ 1 ms"))

    # Count primes.
    primes = SPEC["primes"]
    label = f"count primes < {primes['limit']:,} ({primes['pieces']} ranges, chunk 1)"
    one_pool = median_ns("Pool", "Count primes, pool (1 worker)") / 1e9
    all_pool = median_ns("Pool", "Count primes, pool (perCore)") / 1e9
    one_thread = median_ns("Pool", "Count primes, in-process (1 thread)") / 1e9
    all_threads = median_ns("Pool", "Count primes, in-process concurrentPerform") / 1e9
    rows.append(Row(f"{label}, pool of 1 worker", "s", one_pool,
                    peer_values(lambda peer: peer["primes"]["1"]["seconds"]), higher_is_better=False, digits=3))
    rows.append(Row(f"{label}, pool of {workers} workers", "s", all_pool,
                    peer_values(lambda peer: peer["primes"][str(workers)]["seconds"]), higher_is_better=False,
                    digits=3))
    rows.append(Row(f"{label}, in-process, 1 thread", "s", one_thread, higher_is_better=False, digits=3))
    rows.append(Row(f"{label}, in-process concurrentPerform", "s", all_threads, higher_is_better=False, digits=3))
    rows.append(Row(f"primes: pool of {workers} ÷ concurrentPerform (speed, from the two medians above)", "%",
                    100 * all_threads / all_pool, digits=1))
    # The same ratio from interleaved pairs (the map, then concurrentPerform, on one warm pool; a ratio per pair), at
    # the comparison's size (a 50 ms job in 64 chunks of under 2 ms, where each chunk's round trip weighs) and at a
    # throughput size (about a second per run, chunks of about 10 ms), which the throughput target is about.
    for size, label_size, target in (("below 1 M in 64 ranges", "< 1,000,000, 64 ranges", None),
                                     ("below 10 M in 256 ranges", "< 10,000,000, 256 ranges (throughput)", 95)):
        ratio = p(samples("Pool", f"Count primes {size}, pool (perCore) vs concurrentPerform",
                          "Pool_vs_concurrentPerform_(per_mille)"), 0.5) / 10
        rows.append(Row(f"primes {label_size}: pool of {workers} ÷ concurrentPerform, interleaved pairs", "%", ratio,
                        target=target, target_text="≥ 95 %" if target else "", digits=1))
    rows.append(Row(f"primes: speed-up, {workers} workers over 1", "×", one_pool / all_pool,
                    peer_values(lambda peer: peer["primes"]["1"]["seconds"] / peer["primes"][str(workers)]["seconds"]),
                    digits=2))

    # Cancellation.
    cancel = SPEC["cancel"]
    rows.append(Row(f"cancel a map of {cancel['jobs']:,} × {cancel['milliseconds']} ms (chunk 1) → pool stopped", "ms",
                    median_ns("Pool", "Pool cancel map of 1000 x 50 ms jobs") / 1e6,
                    peer_values(lambda peer: peer["cancel"]["ms"]), higher_is_better=False))

    # Idle worker memory.
    rss = p(samples("Pool", "Pool worker memory idle", "Worker_RSS_idle_(KiB)"), 0.5) / 1024
    pss = p(samples("Pool", "Pool worker memory idle", "Worker_PSS_idle_(KiB)"), 0.5) / 1024
    rss_static = p(samples("Pool", "Pool worker memory idle, static-stdlib workers", "Worker_RSS_idle_(KiB)"),
                   0.5) / 1024
    rows.append(Row("idle worker RSS", "MiB", rss, peer_values(lambda peer: peer["rss"]["rss_mib"]),
                    higher_is_better=False, target=8, target_text="≤ 8 MiB"))
    rows.append(Row("idle worker RSS, -static-stdlib worker", "MiB", rss_static,
                    peer_values(lambda peer: peer["rss"]["rss_mib"]), higher_is_better=False, target=8,
                    target_text="≤ 8 MiB"))
    rows.append(Row("idle worker PSS (shared pages divided)", "MiB", pss,
                    peer_values(lambda peer: peer["rss"]["pss_mib"]), higher_is_better=False))

    # The runtime (no pool peer has these: the figures stand against the targets).
    for suffix, label in [("", ""), (", static-stdlib worker", ", -static-stdlib worker")]:
        rows.append(Row(f"spawn an actor, run one job, reap it{label}", "ms",
                        median_ns("Portals", "Spawn to first result" + suffix) / 1e6, higher_is_better=False,
                        target=5, target_text="≤ 5 ms"))
    rows.append(Row("portal.run round trip (Int echo)", "µs",
                    median_ns("Portals", "portal.run round trip") / 1e3 / 1_000, higher_is_better=False,
                    target=1.15 * floor_round_trip, target_text=f"≤ 1.15 × floor ({1.15 * floor_round_trip:.0f} µs)"))
    for streams in ("one stream", "8 streams"):
        rows.append(Row(f"stream small messages (100,000 Ints, window 4,096), {streams}", "msgs/s",
                        100_000 / (median_ns("Portals", f"Stream small messages, {streams}") / 1e9),
                        target=1_000_000, target_text="≥ 1 M/s"))
    for streams in ("one stream", "8 streams"):
        rows.append(Row(f"stream 1 MiB messages (64 MiB), {streams}", "GB/s",
                        (64 << 20) / (median_ns("Portals", f"Stream 1 MiB messages, {streams}") / 1e9) / 1e9,
                        target=1.0, target_text="≥ 1 GB/s", digits=2))
    rows += host_rows()
    return rows


def host_rows():
    """Actors on another host (a network namespace over a veth pair, the Hosts suite), against the floor of the same
    path: a bare blocking TCP ping-pong between two processes over the same veth pair."""
    floor_file = "Current_run.Hosts.Remote_floor_TCP_ping-pong_round_trip.Round_trip_(ns).histogram.samples.tsv"
    if not hosts_available() or not os.path.exists(os.path.join(SWIFT_OUTPUT, floor_file)):
        return [Row("hosts rows (namespace over a veth pair)", "—", "skipped: needs root and `ip`")]
    rows = []
    floor = samples("Hosts", "Remote floor TCP ping-pong round trip", "Round_trip_(ns)")
    floor_p50 = p(floor, 0.5) / 1e3
    rows.append(Row("floor: blocking TCP ping-pong over a veth pair between namespaces, p50", "µs", floor_p50,
                    higher_is_better=False))
    rows.append(Row("floor: the same, p99", "µs", p(floor, 0.99) / 1e3, higher_is_better=False))
    remote = samples("Hosts", "Remote portal.run round trip", "Round_trip_(ns)")
    rows.append(Row("portal.run round trip to an actor on another host, p50", "µs", p(remote, 0.5) / 1e3,
                    higher_is_better=False, target=1.5 * floor_p50,
                    target_text=f"≤ 1.5 × veth floor ({1.5 * floor_p50:.0f} µs)"))
    rows.append(Row("portal.run round trip to an actor on another host, p99", "µs", p(remote, 0.99) / 1e3,
                    higher_is_better=False))
    rows.append(Row("stream small messages from another host (100,000 Ints, window 4,096)", "msgs/s",
                    p(samples("Hosts", "Remote stream small messages", "Messages_(k_per_s)"), 0.5) * 1e3))
    rows.append(Row("stream 1 MiB messages from another host (64 MiB)", "GB/s",
                    p(samples("Hosts", "Remote stream 1 MiB messages", "Throughput_(MB_per_s)"), 0.5) / 1e3,
                    target=1.0, target_text="≥ 1 GB/s", digits=2))
    rows.append(Row("start an actor on another host (through its agent) to first result", "ms",
                    p(samples("Hosts", "Remote actor start to first result", "Start_to_first_result_(ns)"), 0.5) / 1e6,
                    higher_is_better=False))
    return rows


def table(rows, peer_keys):
    header = ["workload", "unit", "Tractor"] + [PEER_NAMES[key] for key in peer_keys] + [
        "Tractor ÷ best peer (> 1: ours better)", "target"]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    for row in rows:
        ratio = row.ratio()
        cells = [row.workload, row.unit, number(row.ours, row.digits)]
        cells += [number(row.peers.get(key), row.digits) if row.peers else "—" for key in peer_keys]
        cells += [f"{ratio:.2f}×" if ratio is not None else "—", row.target_status()]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# MARK: - The machine


def machine():
    def output(command):
        try:
            return subprocess.run(command, capture_output=True, text=True).stdout.strip()
        except OSError:
            return "unknown"

    model = "unknown"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "uname": output(["uname", "-a"]),
        "nproc": output(["nproc"]),
        "cpu": model,
        "swift": output(["swift", "--version"]).splitlines()[0] if output(["swift", "--version"]) else "unknown",
        "python": platform.python_version(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def notes(peers):
    semantics = "\n".join(
        f"  - {figures['name']}: {figures['cancel']['semantics']}; every worker had exited when it returned: "
        + ("yes" if figures["cancel"]["workers_exited"] else "no")
        for figures in peers["peers"].values() if "cancel" in figures)
    versions = ", ".join(f"{name} {version}" for name, version in peers["versions"].items())
    return f"""Notes on the workloads (identical inputs on both sides: Benchmarks/peers/workloads.py `SPEC` and
Benchmarks/Benchmarks/Pool):

- Worker count: {peers['workers']} on every side, the Swift pool's default (one worker per physical core of the allowed
  CPUs, pinned). Python peers use their default start method (fork for ProcessPoolExecutor, multiprocessing.Pool and
  mpire; loky's own fork+exec), unpinned. mpire runs with `keep_alive=True` so that its workers outlive one map, as the
  others' do. Python {peers['python']}, {versions}.
- Medians: ours are package-benchmark p50s over its samples (one sample = one map, one primes run, one pool start, one
  cancellation; one submit for the submit latencies); the peers' are medians of {peers['repeats']} runs (of every
  sample for latencies). Every run checks its results: map values in order, the prime count
  ({SPEC['primes']['expected']:,}), each submitted value, the first result before a cancel, workers gone after it.
- Map: "auto-chunked" is each library's own default. Tractor sizes chunks from measured job time; multiprocessing.Pool
  splits the input into 4 × workers chunks; mpire into 64 × workers; ProcessPoolExecutor and loky have no automatic
  size (their default is 1, the chunk-1 row), hence n/a.
- Count primes: trial division by 2 and the odd numbers up to the square root, [0, {SPEC['primes']['limit']:,}) in
  {SPEC['primes']['pieces']} ranges, one range per task. The peers run it in CPython, so that row compares
  interpreters as much as pools; the speed-up row compares the pools' scaling. The "interleaved pairs" rows are
  Tractor's alone: each sample runs `concurrentPerform` over the ranges and the map on a warm pool, twice each,
  alternating, and records the ratio of the better run of each (p50 of 20 samples at 1 M, of 9 at 10 M in 256
  ranges, about a second per run), so that both sides of a sample see the same host and a run slowed by it is
  dropped on either side alike. The throughput target (≥ 95 % of `concurrentPerform`) stands against the 10 M row:
  at 1 M a whole run takes about 50 ms in chunks of under 2 ms, and each chunk's round trip (about 150 µs of CPU
  between the pool's process and the worker, on the two cores the workers compute on) costs 8 to 10 % there.
- Cancellation: the time from the stop request until the library's call returns. Tractor cancels the task that owns
  the pool: running jobs are cancelled inside their workers (cooperatively), then every worker exits and is reaped
  (checked: no worker pid runs afterwards). The peers stop as fast as their API allows:
{semantics}
- Memory: VmRSS and Pss of each idle worker after a warm-up map and 200 ms of rest. Forked Python workers share the
  parent interpreter's pages copy-on-write, so their RSS counts pages the parent also holds; PSS divides shared pages
  among their holders.
- The runtime rows (spawn, portal.run, streams) have no counterpart in these pools; they stand against the targets.
- The host rows run the Hosts suite (root only): a network namespace on this machine, joined by a veth pair to a
  bridge, with a host agent in it; the actors run there and this process is their head, over authenticated TCP. Its
  floor is a bare blocking TCP ping-pong between two processes over the same veth pair.
- The floor rows are the machine's own cost, measured in the same run by the Floor suite without any framework: a
  peer process (the C library and Swift's standard library alone) answering 8-byte messages over a Unix socket pair
  with blocking reads and writes — one wake-up each way. The goals for round trips are ratios to that floor; a
  blocking round trip cannot go under it.
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="runs per peer figure (the median is reported)")
    parser.add_argument("--peers", default=",".join(PEER_KEYS), help="comma-separated: " + ", ".join(PEER_KEYS))
    parser.add_argument("--skip-build", action="store_true", help="use the workers already built")
    parser.add_argument("--skip-swift", action="store_true",
                        help="reuse the Swift samples of the last run (Benchmarks/.bench-output/swift)")
    parser.add_argument("--skip-peers", action="store_true",
                        help="reuse the peers' figures of the last run (Benchmarks/.bench-output/peers.json)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave Benchmarks/RESULTS.md as it is")
    arguments = parser.parse_args()
    peer_keys = arguments.peers.split(",")

    began = time.monotonic()
    load_before = os.getloadavg()
    os.makedirs(OUTPUT, exist_ok=True)
    if not arguments.skip_build:
        build()
    workers = worker_count()
    print(f"compare: {workers} workers (one per physical core)", file=sys.stderr)
    if not arguments.skip_swift:
        run_swift_suites()
    if arguments.skip_peers:
        with open(os.path.join(OUTPUT, "peers.json")) as file:
            peers = json.load(file)
    else:
        peers = run_peers(workers, arguments.repeats, peer_keys)
    rows = build_rows(peers, workers)
    elapsed = time.monotonic() - began
    load = f"load average {load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after (1 min)"

    text = table(rows, peer_keys)
    print(text)
    info = machine()
    print(f"\n{info['cpu']}, {info['nproc']} CPUs; {info['swift']}; Python {info['python']}; "
          f"{workers} workers; {elapsed / 60:.1f} min; {load}")
    if not arguments.no_write:
        # The section `make bench-dask` writes (Benchmarks/peers/hosts.py) stays as it is, at the end.
        kept = ""
        if os.path.exists(RESULTS):
            with open(RESULTS) as results:
                marker = results.read().find(HOSTS_MARKER)
            if marker >= 0:
                with open(RESULTS) as results:
                    kept = "\n" + results.read()[marker:]
        with open(RESULTS, "w") as results:
            results.write(f"""# Benchmark results: Tractor against Python's process pools

Written by `make bench-compare` (Benchmarks/peers/compare.py); the latest run replaces this file. Ours come from
package-benchmark (the `Pool` and `Portals` suites), the peers' from Benchmarks/peers/peers.py, in the same run.

- Machine: {info['cpu']}, {info['nproc']} CPUs (`nproc`), {workers} pool workers
- `uname -a`: {info['uname']}
- Toolchain: {info['swift']}; Python {info['python']}
- Date: {info['date']}; the whole run took {elapsed / 60:.1f} minutes; {load}. The machine is shared: a load
  above its CPU count means something else was running, and the figures are pessimistic and noisy.

{text}

{notes(peers)}{kept}""")
        print(f"compare: wrote {RESULTS}", file=sys.stderr)


if __name__ == "__main__":
    main()
