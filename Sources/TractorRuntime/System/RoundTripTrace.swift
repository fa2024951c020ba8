//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CTractorLinux
import Glibc
import Synchronization

/// Timestamps taken at fixed points of a round trip (a `submit`, a `portal.run`), in every process of a tree, for
/// finding where a round trip's time goes without a profiler's own cost in it.
///
/// Off unless `TRACTOR_ROUND_TRIP_TRACE` names a directory when a process starts (actors inherit it from their
/// parent); then each process records its points in memory (a bounded buffer: points past it are dropped) and, when
/// it exits normally, writes them to `<pid>.trace` in that directory: 16 bytes a point, little-endian, the point's
/// number in the low byte of the first 8 and the thread's id above it, then the monotonic clock in nanoseconds.
/// `Benchmarks/Scripts/round-trip-trace.py DIRECTORY` turns the files into a table of the round trip's segments.
///
/// Off, a point costs a load and a branch. On, it costs a clock read (about 30 ns here) and an atomic increment.
package enum RoundTripTrace {
    /// The points recorded, in the order a round trip passes them.
    package enum Point: UInt8, CaseIterable, Sendable {
        /// The caller entered `submit` or `Portal.run`.
        case callBegan = 1
        /// A pool's `submit` put its chunk in the dispatcher (a parked slot takes it next).
        case submitQueued = 2
        /// The request's frame was written (by the calling thread, or by the slot that sends it).
        case requestSent = 3
        /// The I/O loop's thread came back from `epoll_wait` with events.
        case loopWoke = 4
        /// An actor read a call or batch request and is starting its job.
        case requestRead = 5
        /// The job's task began to run.
        case jobStarted = 6
        /// The job returned; its reply is not sent yet.
        case jobReturned = 7
        /// The reply's frame was written.
        case replySent = 8
        /// The caller's side read the reply and matched it to its call.
        case replyRead = 9
        /// A pool's slot has ended its chunk and is free for the next.
        case slotFreed = 10
        /// A submitted job's future completed; its waiter is resumed next.
        case futureResolved = 11
        /// The caller is running again: `Portal.run`'s call returned, or a task parked on a future resumed.
        case callerResumed = 12
    }

    /// The recorder, when tracing is on. Set once, by ``start()`` before the I/O loop's thread starts (and so before
    /// any point can be recorded), and only read after: a plain global, so that a point costs no lazy initialization's
    /// check when tracing is off.
    nonisolated(unsafe) private static var recorder: Recorder?

    /// Where the recorder writes at exit; set once, with the recorder.
    nonisolated(unsafe) private static var tracedDirectory = ""

    /// Turns tracing on when `TRACTOR_ROUND_TRIP_TRACE` names a directory. Called once, as the I/O loop starts.
    static func start() {
        guard let directory = getenv("TRACTOR_ROUND_TRIP_TRACE").map({ String(cString: $0) }), !directory.isEmpty
        else { return }
        tracedDirectory = directory
        recorder = Recorder(capacity: 1 << 18)
        atexit { RoundTripTrace.writeAtExit() }
    }

    /// Records `point` for the calling thread, when tracing is on.
    @inline(__always)
    package static func mark(_ point: Point) {
        if let recorder { recorder.record(point) }
    }

    private static func writeAtExit() {
        guard let recorder else { return }
        _ = recorder.write(to: tracedDirectory + "/\(getpid()).trace")
    }

    /// A bounded buffer of points, written to a file once.
    package final class Recorder: @unchecked Sendable {
        // Unchecked: no lock guards the entries. The atomic `next` hands each entry to the one thread that claims its
        // index, which alone writes it; they are read once every thread has stopped recording (at exit, or by a test
        // after its recording threads have joined).
        private let entries: UnsafeMutablePointer<UInt64>
        private let capacity: Int
        private let next = Atomic<Int>(0)

        package init(capacity: Int) {
            self.capacity = Swift.max(0, capacity)
            entries = .allocate(capacity: 2 * Swift.max(1, capacity))
        }

        deinit { entries.deallocate() }

        /// How many points were recorded; those past the capacity are counted but not kept.
        package var count: Int { next.load(ordering: .relaxed) }

        /// Records `point` with the calling thread's id and the time.
        package func record(_ point: Point) {
            let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
            guard index < capacity else { return }
            let thread = UInt64(UInt32(bitPattern: ctractor_gettid()))
            entries[2 * index] = UInt64(point.rawValue) | thread << 8
            entries[2 * index + 1] = sys_monotonic_nanoseconds()
        }

        /// The points kept, in the order they were claimed.
        package var recorded: [(point: UInt8, thread: UInt32, nanoseconds: UInt64)] {
            (0..<Swift.min(count, capacity)).map { index in
                let word = entries[2 * index]
                return (UInt8(truncatingIfNeeded: word), UInt32(truncatingIfNeeded: word >> 8), entries[2 * index + 1])
            }
        }

        /// Writes the points kept to `path` (created or truncated) in the format the type describes; `false` if the
        /// file could not be written whole.
        package func write(to path: String) -> Bool {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { return false }
            defer { close(fd) }
            var remaining = Swift.min(count, capacity) * 16
            var offset = 0
            let bytes = UnsafeRawPointer(entries)
            while remaining > 0 {
                let written = Glibc.write(fd, bytes + offset, remaining)
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { return false }
                offset += written
                remaining -= written
            }
            return true
        }
    }
}
