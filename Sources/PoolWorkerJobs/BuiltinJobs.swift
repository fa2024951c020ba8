//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc
import Synchronization
import TractorRuntime

/// The jobs the generic worker executable, `pool-worker`, serves: workloads for benchmarks and for tests of pools
/// (no-op, echo, sleep, spin, count-primes, crash-by-signal, exit-with-status and a few more).
///
/// They live in a library of their own so that a program opening a pool of `pool-worker`s, a benchmark or a test,
/// can name the same typed jobs the workers serve, without making them part of TractorPool's API.
///
/// ```swift
/// var configuration = ProcessPoolConfiguration()
/// configuration.executable = .path("/usr/local/bin/pool-worker")
/// try await withProcessPool(configuration: configuration) { pool in
///     let future = try await pool.submit(BuiltinJobs.countPrimes, 0..<1_000_000)
///     print(try await future.value)   // 78498
/// }
/// ```
public enum BuiltinJobs {
    /// Returns its input: the cheapest job there is, for measuring the pool's own cost.
    public static let noop = Job("noop") { (value: Int) in value }

    /// Returns its input text.
    public static let echo = Job("echo") { (text: String) in text }

    /// Returns the square of its input.
    public static let square = Job("square") { (value: Int) in value * value }

    /// Sleeps for the given milliseconds, honouring cancellation; returns them.
    public static let sleep = Job("sleep") { (milliseconds: Int) -> Int in
        try await Task.sleep(for: .milliseconds(milliseconds))
        return milliseconds
    }

    /// Sleeps for the given milliseconds, ignoring cancellation (a blocking sleep); returns them.
    public static let sleepIgnoringCancellation = Job("sleep-ignoring-cancellation") { (milliseconds: Int) -> Int in
        usleep(UInt32(clamping: milliseconds * 1_000))
        return milliseconds
    }

    /// Keeps a CPU busy for the given milliseconds, checking for cancellation as it goes; returns the loops run.
    public static let spin = Job("spin") { (milliseconds: Int) -> Int in
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(milliseconds)
        var loops = 0
        while clock.now < deadline {
            try Task.checkCancellation()
            for _ in 0..<1_000 { loops &+= 1 }
        }
        return loops
    }

    /// Squares a number after keeping a CPU busy for the given microseconds: `[value, microseconds]` → `value²`.
    /// Work that takes a known, short time, for loads that must last while something else happens (a worker killed).
    public static let squareSlowly = Job("square-slowly") { (input: [Int]) -> Int in
        let clock = ContinuousClock()
        let deadline = clock.now + .microseconds(input.count > 1 ? input[1] : 0)
        while clock.now < deadline { try Task.checkCancellation() }
        return input[0] * input[0]
    }

    /// Keeps a CPU busy for the given milliseconds and reports where and when: `[pid, start, end]`, the times in
    /// nanoseconds of the system's monotonic clock (comparable between processes of one machine).
    public static let spinAndReport = Job("spin-and-report") { (milliseconds: Int) -> [Int] in
        let start = monotonicNanoseconds()
        let deadline = start + milliseconds * 1_000_000
        while monotonicNanoseconds() < deadline { try Task.checkCancellation() }
        return [Int(getpid()), start, monotonicNanoseconds()]
    }

    /// Counts the primes in a range by trial division: CPU-bound work whose cost grows with the range.
    public static let countPrimes = Job("count-primes") { (range: Range<Int>) in
        PoolWorkerJobs.countPrimes(in: range)
    }

    /// Sends itself the given signal (SIGKILL, SIGSEGV, …): the worker dies mid-job. Signal 0 returns 0 at once.
    public static let crashBySignal = Job("crash-by-signal") { (signal: Int32) -> Int in
        guard signal != 0 else { return 0 }
        // The default action, not the Swift runtime's crash handler (which lets a raised SIGSEGV return).
        _ = Glibc.signal(signal, SIG_DFL)
        kill(getpid(), signal)
        try await Task.sleep(for: .seconds(3_600))
        return 0
    }

    /// Exits the worker process with the given status, mid-job.
    public static let exitWithStatus = Job("exit-with-status") { (status: Int32) -> Int in
        exit(status)
    }

    /// Returns the worker's process id.
    public static let pid = Job("pid") { () -> Int32 in getpid() }

    /// Returns its input, or throws ``BuiltinJobError`` for a negative input.
    public static let failOnNegative = Job("fail-on-negative") { (value: Int) -> Int in
        guard value >= 0 else { throw BuiltinJobError("negative input \(value)") }
        return value
    }

    /// Throws ``BuiltinJobError`` with the given message.
    public static let fail = Job("fail") { (message: String) -> Int in throw BuiltinJobError(message) }

    /// Returns its input, or throws ``RejectedInput`` for a negative input: a job that declares its error type, so
    /// that the caller catches `RejectedInput` itself.
    public static let rejectNegative = Job("reject-negative", throwing: RejectedInput.self) { (value: Int) -> Int in
        guard value >= 0 else { throw RejectedInput(value: value) }
        return value
    }

    /// Keeps a text in the worker process, for later jobs to read with ``getState``: an initializer.
    public static let setState = Job("set-state") { (text: String) -> Int32 in
        workerState.withLock { $0 = text }
        return getpid()
    }

    /// The text ``setState`` kept in this worker process, if any.
    public static let getState = Job("get-state") { () -> String? in workerState.withLock { $0 } }

    /// Records this worker's pid as a file in a directory, then sleeps (honouring cancellation): a job a test can
    /// find mid-run. If it sees its cancellation (a `CancellationError` from the sleep), it records that too, as a
    /// file named `<pid>.cancelled`, before it rethrows.
    public static let recordPIDAndSleep = Job("record-pid-and-sleep") { (input: RecordAndSleep) -> Int32 in
        touch(input.directory + "/\(getpid())")
        do {
            try await Task.sleep(for: .milliseconds(input.milliseconds))
        } catch let cancellation as CancellationError {
            touch(input.directory + "/\(getpid()).cancelled")
            throw cancellation
        }
        return getpid()
    }

    /// Records this worker's pid as a file in a directory, then blocks its thread (ignoring cancellation): a job a
    /// test can find mid-run and that only killing its worker stops.
    public static let recordPIDAndBlock = Job("record-pid-and-block") { (input: RecordAndSleep) -> Int32 in
        touch(input.directory + "/\(getpid())")
        usleep(UInt32(clamping: input.milliseconds * 1_000))
        return getpid()
    }

    /// Every job above, as `pool-worker` bootstraps with them.
    public static let all: [any JobDefinition] = [
        noop, echo, square, squareSlowly, spinAndReport, sleep, sleepIgnoringCancellation, spin, countPrimes, crashBySignal, exitWithStatus, pid,
        failOnNegative, fail, rejectNegative, setState, getState, recordPIDAndSleep, recordPIDAndBlock,
    ]
}

/// The input of ``BuiltinJobs/recordPIDAndSleep``.
public struct RecordAndSleep: Codable, Sendable {
    /// Where to record the pid.
    public var directory: String
    /// How long to sleep afterwards.
    public var milliseconds: Int

    /// Creates the input.
    public init(directory: String, milliseconds: Int) {
        self.directory = directory
        self.milliseconds = milliseconds
    }
}

/// The error the built-in jobs throw on purpose.
public struct BuiltinJobError: Error, CustomStringConvertible {
    /// What the job was told to say.
    public var message: String

    /// Creates the error.
    public init(_ message: String) {
        self.message = message
    }

    /// The message.
    public var description: String { message }
}

/// The error ``BuiltinJobs/rejectNegative`` declares: it reaches the caller as itself, with where it came from.
public struct RejectedInput: Error, Codable, RemoteContextCarrying, CustomStringConvertible {
    /// The input that was rejected.
    public var value: Int
    /// The actor, job and (in a `map`) input index it came from; set in the caller.
    public var remote: RemoteActorError?

    /// Creates the error.
    public init(value: Int) {
        self.value = value
    }

    /// `rejected negative input` and the value.
    public var description: String { "rejected negative input \(value)" }
}

/// What ``BuiltinJobs/setState`` keeps for this process.
private let workerState = Mutex<String?>(nil)

/// The number of primes in `range`, by trial division by 2 and the odd numbers up to the square root: the body of
/// ``BuiltinJobs/countPrimes``, also callable in-process (for comparisons with `DispatchQueue.concurrentPerform`).
///
/// ```swift
/// countPrimes(in: 0..<100)   // 25
/// ```
public func countPrimes(in range: Range<Int>) -> Int {
    var count = 0
    for n in range where isPrime(n) { count += 1 }
    return count
}

private func isPrime(_ n: Int) -> Bool {
    if n < 2 { return false }
    if n % 2 == 0 { return n == 2 }
    var divisor = 3
    while divisor * divisor <= n {
        if n % divisor == 0 { return false }
        divisor += 2
    }
    return true
}

/// Creates an empty file at `path` (or empties the one there), readable by everyone; a failure is ignored, as the
/// file only tells a test that the job ran.
private func touch(_ path: String) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    if fd >= 0 { close(fd) }
}

/// The system's monotonic clock, in nanoseconds (`CLOCK_MONOTONIC`, shared by every process of the machine).
func monotonicNanoseconds() -> Int {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return now.tv_sec * 1_000_000_000 + now.tv_nsec
}
