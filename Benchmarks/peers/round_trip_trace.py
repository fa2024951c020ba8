#!/usr/bin/env python3
"""Where a round trip's time goes: the segments between the points `RoundTripTrace` recorded.

Usage: round_trip_trace.py DIRECTORY

DIRECTORY holds the `<pid>.trace` files the processes of one run wrote (run them with
TRACTOR_ROUND_TRIP_TRACE=DIRECTORY; `make trace-round-trip` does it for a pool's `submit` and a `portal.run`). The
calling process is the one that recorded `callBegan`; a round trip runs from one of its `callBegan`s to the next (one
call at a time), and its caller is the thread that recorded its `callBegan`. Round trips are grouped by the order in
which they passed the points (a reply can complete a future on the I/O thread, or on the calling thread while it is
still sending), and for each order that at least a tenth of them took, the table gives the median time from each
point to the next, and which process and thread passed it.
"""

import os
import statistics
import struct
import sys
from collections import Counter, defaultdict

POINTS = {
    1: "callBegan",
    2: "submitQueued",
    3: "requestSent",
    4: "loopWoke",
    5: "requestRead",
    6: "jobStarted",
    7: "jobReturned",
    8: "replySent",
    9: "replyRead",
    10: "slotFreed",
    11: "futureResolved",
    12: "callerResumed",
}
CALL_BEGAN = 1


def load(directory):
    events = []
    for name in os.listdir(directory):
        if not name.endswith(".trace"):
            continue
        pid = int(name[: -len(".trace")])
        with open(os.path.join(directory, name), "rb") as file:
            data = file.read()
        for offset in range(0, len(data) - len(data) % 16, 16):
            word, nanoseconds = struct.unpack_from("<QQ", data, offset)
            events.append((nanoseconds, pid, word >> 8, word & 0xFF))
    events.sort()
    return events


def round_trips(events):
    """The calling process, and the events of each round trip between two of its `callBegan`s (each from the thread
    that recorded its `callBegan`: the thread a task runs on may change from one call to the next)."""
    began = Counter(pid for _, pid, _, point in events if point == CALL_BEGAN)
    if not began:
        return None, []
    caller_pid, _ = began.most_common(1)[0]
    trips, current = [], None
    for event in events:
        _, pid, _, point = event
        if point == CALL_BEGAN and pid == caller_pid:
            if current is not None:
                current.append(event)  # the next call's start ends this round trip
                trips.append(current)
            current = [event]
        elif current is not None:
            current.append(event)
    return caller_pid, trips


def where(event, caller_pid, caller_thread, loop_threads):
    _, pid, thread, _ = event
    if pid != caller_pid:
        return "actor"
    if thread == caller_thread:
        return "caller"
    return "caller's loop" if thread in loop_threads else "caller's other"


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    events = load(sys.argv[1])
    caller_pid, trips = round_trips(events)
    if not trips:
        sys.exit(f"no round trip in {sys.argv[1]}: run the caller with TRACTOR_ROUND_TRIP_TRACE set")
    loop_threads = {thread for _, pid, thread, point in events if pid == caller_pid and point == 4}
    shapes = defaultdict(list)
    for trip in trips:
        caller_thread = trip[0][2]
        shape = tuple((event[3], where(event, caller_pid, caller_thread, loop_threads)) for event in trip)
        shapes[shape].append(trip)
    total = statistics.median(trip[-1][0] - trip[0][0] for trip in trips) / 1000
    print(f"{len(trips)} round trips, median {total:.1f} us from one call to the next")
    for shape, group in sorted(shapes.items(), key=lambda item: -len(item[1])):
        if len(group) * 10 < len(trips):
            continue
        print(f"\n{len(group)} round trips ({100 * len(group) / len(trips):.0f} %) passed the points in this order:")
        print(f"  {'from':<28} {'to':<28} {'median us':>9}")
        for index in range(1, len(shape)):
            gap = statistics.median(trip[index][0] - trip[index - 1][0] for trip in group) / 1000
            source = f"{POINTS.get(shape[index - 1][0], '?')} ({shape[index - 1][1]})"
            target = f"{POINTS.get(shape[index][0], '?')} ({shape[index][1]})"
            if index == len(shape) - 1:
                target = "next callBegan (caller)"
            print(f"  {source:<28} {target:<28} {gap:9.2f}")
        whole = statistics.median(trip[-1][0] - trip[0][0] for trip in group) / 1000
        print(f"  {'whole round trip':<57} {whole:9.2f}")


if __name__ == "__main__":
    main()
