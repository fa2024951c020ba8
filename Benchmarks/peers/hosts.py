# Tractor for Swift — structured concurrency for process actors.
# SPDX-License-Identifier: Apache-2.0
"""Pools across hosts: Tractor against dask.distributed, on two hosts that are network namespaces of this machine.

    make bench-dask                      # from the repository root, as root
    python3 Benchmarks/peers/hosts.py [--repeats 2] [--skip-build] [--no-write] [--dask-primes compiled|python]

Needs root and `ip` (iproute2): it makes two network namespaces on a bridge of its own (a private range and names
unique to the run, all removed at the end, also on failure or interrupt) and prints why it skips otherwise.

- Ours: `hosts-head` (Benchmarks/Sources/hosts-head) listens on the bridge's address, an agent
  (`pool-worker serve --connect`) joins from each namespace, and the head times a pool over both hosts with one
  worker each: a no-op map of 100,000 items (auto-chunked, and one item per chunk), single submits one at a time,
  and counting the primes below 20,000,000 in 200 ranges, alternated with the same count on a local pool of 2.
- Dask: a `dask scheduler` on the bridge's address and a `dask worker --nworkers 1 --nthreads 1` in each namespace
  (dask[distributed], pinned, installed into Benchmarks/peers/.venv-hosts on the first run); `client.map` of a
  no-op over the same 100,000 items (one task per item, Dask's only kind), the same single submits, and the same
  ranges counted by the same trial division compiled from C (hostjobs.py; `--dask-primes python` runs it in
  CPython instead, for minutes).

Every figure is the median of `--repeats` runs (of every sample, for the submit round trips); every run checks its
results. The table is printed and, unless --no-write, written as the last section of Benchmarks/RESULTS.md.
"""

import argparse
import datetime
import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BENCHMARKS = os.path.dirname(HERE)
OUTPUT = os.path.join(BENCHMARKS, ".bench-output", "hosts")
RESULTS = os.path.join(BENCHMARKS, "RESULTS.md")
VENV = os.path.join(HERE, ".venv-hosts")
# Pinned so that a fresh clone measures what RESULTS.md measured.
REQUIREMENTS = ["dask[distributed]==2026.8.0"]
MARKER = "<!-- The section below is written by `make bench-dask` (Benchmarks/peers/hosts.py). -->"

ITEMS = 100_000
LIMIT = 20_000_000
PIECES = 200
EXPECTED = 1_270_607
SUBMITS = 2_000
HOSTS = 2

sys.path.insert(0, HERE)


def log(text):
    print(f"hosts: {text}", file=sys.stderr, flush=True)


def unavailable_reason():
    if os.geteuid() != 0:
        return "needs root (it makes network namespaces, a bridge and veth pairs); run it as root"
    if shutil.which("ip") is None:
        return "needs `ip` (iproute2), which is not installed"
    probe = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"network namespaces are unavailable here: {probe.stderr.strip()}"
    return None


def ensure_venv():
    """Creates Benchmarks/peers/.venv-hosts with the pinned Dask when missing, and re-executes this script in it."""
    python = os.path.join(VENV, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        return
    if not os.path.exists(python):
        log(f"creating {VENV} and installing {' '.join(REQUIREMENTS)} from PyPI")
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    if subprocess.run([python, "-c", "import distributed"], capture_output=True).returncode != 0:
        subprocess.run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check", *REQUIREMENTS],
                       check=True)
    os.execv(python, [python, os.path.abspath(__file__), *sys.argv[1:]])


# MARK: - The network


class Network:
    """`count` namespaces joined by veth pairs to a bridge of this run, which holds `head` in this namespace."""

    def __init__(self, count):
        tag = os.getpid() % 100_000
        routes = subprocess.run(["ip", "-4", "route"], capture_output=True, text=True).stdout
        for attempt in range(50):
            subnet = f"10.{150 + (tag + attempt) % 50}.{(tag // 50) % 250}"
            if f"{subnet}." not in routes:
                break
        else:
            raise SystemExit("hosts: no free private subnet for the bridge")
        self.bridge = f"dbb{tag}"
        self.head = f"{subnet}.1"
        self.namespaces = [f"dbench{tag}h{index}" for index in range(count)]
        self.addresses = [f"{subnet}.{index + 2}" for index in range(count)]
        self.made = False
        try:
            self.ip("link", "add", self.bridge, "type", "bridge")
            self.made = True
            self.ip("addr", "add", f"{self.head}/24", "dev", self.bridge)
            self.ip("link", "set", self.bridge, "up")
            for index, namespace in enumerate(self.namespaces):
                outside = f"dbv{tag}h{index}"
                self.ip("netns", "add", namespace)
                self.ip("link", "add", outside, "type", "veth", "peer", "name", "eth0", "netns", namespace)
                self.ip("link", "set", outside, "master", self.bridge, "up")
                self.ip("-n", namespace, "addr", "add", f"{self.addresses[index]}/24", "dev", "eth0")
                self.ip("-n", namespace, "link", "set", "eth0", "up")
                self.ip("-n", namespace, "link", "set", "lo", "up")
        except BaseException:
            self.remove()
            raise
        log(f"bridge {self.bridge} at {self.head}; hosts {', '.join(self.namespaces)} at {', '.join(self.addresses)}")

    @staticmethod
    def ip(*arguments):
        result = subprocess.run(["ip", *arguments], capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"ip {' '.join(arguments)} failed: {result.stderr.strip()}")
        return result.stdout

    def exec(self, index, command):
        return ["ip", "netns", "exec", self.namespaces[index], *command]

    def remove(self):
        """Kills every process in the namespaces, removes them, the veths and the bridge. Safe to call twice."""
        for namespace in self.namespaces:
            pids = subprocess.run(["ip", "netns", "pids", namespace], capture_output=True, text=True).stdout.split()
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            subprocess.run(["ip", "netns", "del", namespace], capture_output=True)
        if self.made:
            subprocess.run(["ip", "link", "del", self.bridge], capture_output=True)
            self.made = False


def start(command, name, environment=None):
    """Starts a long-running process, its output in .bench-output/hosts/<name>.log."""
    output = open(os.path.join(OUTPUT, f"{name}.log"), "w")
    return subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=environment)


def stop(processes):
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# MARK: - Ours


def run_ours(network, repeats):
    release = os.path.join(BENCHMARKS, ".build", "release")
    environment = dict(os.environ, TRACTOR_SECRET=secrets.token_hex(32))
    head = subprocess.Popen(
        [os.path.join(release, "hosts-head"), "--listen", f"{network.head}:0", "--hosts", str(HOSTS),
         "--items", str(ITEMS), "--limit", str(LIMIT), "--pieces", str(PIECES), "--expected", str(EXPECTED),
         "--submits", str(SUBMITS), "--repeats", str(repeats)],
        stdout=subprocess.PIPE, text=True, env=environment)
    agents = []
    try:
        first = head.stdout.readline().split()
        if len(first) != 2 or first[0] != "listening":
            raise SystemExit(f"hosts: hosts-head did not start listening (it wrote {first})")
        for index in range(HOSTS):
            command = [os.path.join(release, "pool-worker"), "serve", "--connect", first[1], "--name", f"host{index}"]
            agents.append(start(network.exec(index, command), f"agent{index}", environment))
        output, _ = head.communicate(timeout=1_200)
        if head.returncode != 0:
            raise SystemExit(f"hosts: hosts-head failed ({head.returncode})")
        return json.loads(output.strip().splitlines()[-1])
    finally:
        stop([head] + agents)


# MARK: - Dask


def compile_primes():
    """Builds hostjobs.C_SOURCE into a shared library with the C compiler; its path, or None without one."""
    import hostjobs

    compiler = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if compiler is None:
        return None
    source = os.path.join(OUTPUT, "primes.c")
    library = os.path.join(OUTPUT, "libprimes.so")
    with open(source, "w") as file:
        file.write(hostjobs.C_SOURCE)
    subprocess.run([compiler, "-O2", "-shared", "-fPIC", "-o", library, source], check=True)
    return library


def run_dask(network, repeats, library):
    from distributed import Client

    import hostjobs

    environment = dict(os.environ, PYTHONPATH=HERE)
    if library:
        environment[hostjobs.LIBRARY_VARIABLE] = library
    dask = os.path.join(VENV, "bin", "dask")
    scheduler_address = f"tcp://{network.head}:8786"
    processes = [start([dask, "scheduler", "--host", network.head, "--port", "8786", "--no-dashboard"],
                       "dask-scheduler", environment)]
    try:
        for index in range(HOSTS):
            command = [dask, "worker", scheduler_address, "--nworkers", "1", "--nthreads", "1", "--host",
                       network.addresses[index], "--name", f"host{index}", "--no-dashboard"]
            processes.append(start(network.exec(index, command), f"dask-worker{index}", environment))
        with Client(scheduler_address, timeout=120) as client:
            client.wait_for_workers(HOSTS, timeout=120)
            hosts = sorted(worker["host"] for worker in client.scheduler_info()["workers"].values())
            check(hosts == sorted(network.addresses), f"Dask's workers are not one per host: {hosts}")
            check(client.gather(client.map(hostjobs.noop, range(128), pure=False)) == list(range(128)), "warm-up")
            return measure_dask(client, repeats, library is not None)
    finally:
        stop(processes)


def measure_dask(client, repeats, compiled):
    import hostjobs

    figures = {"noop_seconds": [], "submit_ns": [], "primes_seconds": [],
               "primes_kind": "compiled C" if compiled else "CPython"}
    for _ in range(repeats):
        start_time = time.perf_counter()
        futures = client.map(hostjobs.noop, range(ITEMS), pure=False)
        values = client.gather(futures)
        figures["noop_seconds"].append(time.perf_counter() - start_time)
        check(values == list(range(ITEMS)), "the no-op map returned wrong values")
        del futures, values
        forgotten(client)
    for index in range(SUBMITS):
        start_time = time.perf_counter_ns()
        value = client.submit(hostjobs.noop, index, pure=False).result()
        figures["submit_ns"].append(time.perf_counter_ns() - start_time)
        check(value == index, "a submit returned the wrong value")
    figures["submit_ns"].sort()
    forgotten(client)
    ranges = [(piece * LIMIT // PIECES, (piece + 1) * LIMIT // PIECES) for piece in range(PIECES)]
    job = hostjobs.count_primes_compiled if compiled else hostjobs.count_primes_in
    for _ in range(repeats if compiled else 1):
        start_time = time.perf_counter()
        counts = client.gather(client.map(job, ranges, pure=False))
        figures["primes_seconds"].append(time.perf_counter() - start_time)
        check(sum(counts) == EXPECTED, f"counted {sum(counts)} primes where {EXPECTED} are")
        forgotten(client)
    return figures


def forgotten(client):
    """Waits until the scheduler has released every task of the last run, so that the next starts clean."""
    deadline = time.monotonic() + 120
    while client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)) > 0:
        check(time.monotonic() < deadline, "the scheduler did not release the tasks of the last run")
        time.sleep(0.2)


def check(condition, message):
    if not condition:
        raise SystemExit(f"hosts: {message}")


# MARK: - The table


def table(ours, dask):
    from compare import number

    def p(values, fraction):
        return values[min(len(values) - 1, max(0, round(fraction * (len(values) - 1))))]

    median = statistics.median
    auto = ITEMS / median(ours["noop_auto_seconds"])
    chunk1 = ITEMS / median(ours["noop_chunk1_seconds"])
    dask_map = ITEMS / median(dask["noop_seconds"])
    hosts_s, local_s, dask_s = (median(ours["primes_hosts_seconds"]), median(ours["primes_local_seconds"]),
                                median(dask["primes_seconds"]))
    per_core = local_s / hosts_s
    rows = [
        (f"no-op map, {ITEMS:,} items, auto-chunked (Dask: one task per item)", "items/s", number(auto),
         number(dask_map), f"{auto / dask_map:.1f}×", goal(auto / dask_map >= 10, "≥ 10× Dask")),
        (f"no-op map, {ITEMS:,} items, one item per chunk", "items/s", number(chunk1), number(dask_map),
         f"{chunk1 / dask_map:.1f}×", ""),
        (f"count primes below 20 M, {PIECES} ranges, 2 hosts × 1 worker", "s", number(hosts_s, 2), number(dask_s, 2),
         f"{dask_s / hosts_s:.2f}×", ""),
        ("the same on a local pool of 2 workers", "s", number(local_s, 2), "—", "—", ""),
        ("primes rate per core, 2 hosts × 1 worker against the local pool of 2", "%", f"{100 * per_core:.1f}", "—",
         "—", goal(per_core >= 0.95, "≥ 95 %")),
        (f"submit round trip across hosts, p50 ({SUBMITS:,}, one at a time)", "µs", number(p(ours["submit_ns"], 0.5) / 1e3),
         number(p(dask["submit_ns"], 0.5) / 1e3), f"{p(dask['submit_ns'], 0.5) / p(ours['submit_ns'], 0.5):.1f}×", ""),
        ("submit round trip across hosts, p99", "µs", number(p(ours["submit_ns"], 0.99) / 1e3),
         number(p(dask["submit_ns"], 0.99) / 1e3), f"{p(dask['submit_ns'], 0.99) / p(ours['submit_ns'], 0.99):.1f}×",
         ""),
    ]
    lines = ["| Workload | Unit | Tractor | dask.distributed | Tractor vs Dask | Goal |",
             "|---|---|---:|---:|---:|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def goal(met, text):
    return f"{text}: {'met' if met else 'not met'}"


def runs(ours, dask):
    def seconds(values):
        return ", ".join(f"{value:.3f}" for value in values)

    return (f"- Runs (seconds): Tractor no-op auto-chunked {seconds(ours['noop_auto_seconds'])}; chunk 1 "
            f"{seconds(ours['noop_chunk1_seconds'])}; primes over hosts {seconds(ours['primes_hosts_seconds'])}; "
            f"primes local {seconds(ours['primes_local_seconds'])}. Dask no-op map {seconds(dask['noop_seconds'])}; "
            f"primes ({dask['primes_kind']}) {seconds(dask['primes_seconds'])}.")


def write_results(text):
    with open(RESULTS) as file:
        existing = file.read()
    kept = existing.split(MARKER)[0].rstrip("\n")
    with open(RESULTS, "w") as file:
        file.write(f"{kept}\n\n{MARKER}\n\n{text}\n")
    log(f"wrote the last section of {RESULTS}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=2, help="runs per figure (the median is reported)")
    parser.add_argument("--skip-build", action="store_true", help="use hosts-head and pool-worker as built")
    parser.add_argument("--no-write", action="store_true", help="print only; leave Benchmarks/RESULTS.md as it is")
    parser.add_argument("--dask-primes", choices=["compiled", "python"], default="compiled",
                        help="Dask's count-primes: the same trial division compiled from C, or in CPython (minutes)")
    arguments = parser.parse_args()
    reason = unavailable_reason()
    if reason:
        print(f"hosts: skipped: the benchmark across hosts {reason}.")
        return
    ensure_venv()
    os.makedirs(OUTPUT, exist_ok=True)
    # A terminating signal unwinds like an error, so that the network and every process go.
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, lambda received, frame: sys.exit(128 + received))
    began = time.monotonic()
    load_before = os.getloadavg()
    if not arguments.skip_build:
        for product in ("pool-worker", "hosts-head"):
            log(f"building {product} (release)")
            subprocess.run(["swift", "build", "-c", "release", "--product", product], cwd=BENCHMARKS, check=True)
    library = compile_primes() if arguments.dask_primes == "compiled" else None
    network = Network(HOSTS)
    try:
        log("ours: hosts-head with an agent on each host")
        ours = run_ours(network, arguments.repeats)
        log("dask: a scheduler here and a worker on each host")
        dask = run_dask(network, arguments.repeats, library)
    finally:
        network.remove()
    from compare import machine

    info = machine()
    load = f"load average {load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after (1 min)"
    text = table(ours, dask)
    print(text)
    summary = (f"{info['cpu']}, {info['nproc']} CPUs; {info['swift']}; Python {info['python']}; "
               f"{(time.monotonic() - began) / 60:.1f} min; {load}")
    print(f"\n{summary}\n{runs(ours, dask)}")
    if not arguments.no_write:
        write_results(section(text, summary, runs(ours, dask), dask["primes_kind"]))


def section(text, summary, runs_line, primes_kind):
    return f"""## Pools across hosts: Tractor against dask.distributed

Written by `make bench-dask` (Benchmarks/peers/hosts.py, as root); the latest run replaces this section. Two hosts
are network namespaces of this machine on a bridge of the run's own; each runs one worker: Tractor's through a host
agent (`pool-worker serve --connect`) joined to the head, Dask's as `dask worker --nworkers 1 --nthreads 1` joined
to a `dask scheduler` on the bridge. The head and the client run in this machine's own namespace.

- {summary}; {datetime.date.today().isoformat()}. Both hosts share the machine's cores, so the hosts' worker pair
  and the local pool of 2 compute on the same CPUs.

{text}

{runs_line}
- No-op map: Dask's `client.map` makes one task per item (it has no chunking); Tractor's auto-chunked row is the
  library's default, the chunk-1 row sends every item as a request of its own.
- Count primes: [0, 20,000,000) in {PIECES} ranges, one per task, checked against {EXPECTED:,}. Tractor's workers run
  Swift's `countPrimes(in:)`; Dask's run the same trial division ({primes_kind}). The per-core row divides the local
  pool's time by the hosts' time (2 workers each): the cost of placing the same work across hosts.
- Submit round trip: one no-op at a time, from the head (Dask: the client) to a worker on a host and back.
"""


if __name__ == "__main__":
    main()
