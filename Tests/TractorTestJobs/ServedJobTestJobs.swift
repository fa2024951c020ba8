//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Synchronization
import TractorRuntime

/// Jobs that check where an actor runs the jobs it serves: on its loop thread when one is alone, with the loop taken
/// over while a job computes, and concurrently when several are ready.
public enum ServedJobTestJobs {
    /// Set by ``signal``, waited for by ``blockUntilSignalled``: one process's flag.
    private static let signalled = Atomic<Bool>(false)

    /// The name the kernel shows for a process's loop threads.
    public static let loopThread = "tractor-io"

    /// The name of the calling thread (`/proc/thread-self/comm`), as the kernel shows it.
    public static var currentThreadName: String {
        let name = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? "?"
        return name.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The name of the thread the job runs on, as the kernel shows it.
    public static let threadName = Job("threadName") { () -> String in currentThreadName }

    /// Computes without ever suspending until its task is cancelled (checked between rounds of arithmetic) or
    /// `seconds` pass. Records `started` in the input directory first (holding the name of its thread), and `<pid>.cancelled` when cancellation
    /// reached it. Returns how many rounds it computed; throws `CancellationError` when cancelled.
    public static let computeUntilCancelled = Job("computeUntilCancelled") { (input: ComputeInput) -> Int in
        let thread = currentThreadName
        _ = FileManager.default.createFile(atPath: input.directory + "/started", contents: Data(thread.utf8))
        let deadline = Date().addingTimeInterval(input.seconds)
        var rounds = 0
        var value: UInt64 = 1
        while Date() < deadline {
            if Task.isCancelled {
                _ = FileManager.default.createFile(atPath: input.directory + "/\(getpid()).cancelled", contents: nil)
                throw CancellationError()
            }
            for step in 0..<10_000 { value = value &* 6_364_136_223_846_793_005 &+ UInt64(step) }
            rounds += 1
        }
        return value == 0 ? -rounds : rounds
    }

    /// Spins without suspending until ``signal`` runs in the same process, for at most `seconds`; returns whether
    /// the signal came. Served jobs run one after another would never see it.
    public static let blockUntilSignalled = Job("blockUntilSignalled") { (input: ComputeInput) -> Bool in
        _ = FileManager.default.createFile(atPath: input.directory + "/blocking", contents: nil)
        let deadline = Date().addingTimeInterval(input.seconds)
        while Date() < deadline {
            if signalled.load(ordering: .acquiring) { return true }
            sched_yield()
        }
        return false
    }

    /// Sets the flag ``blockUntilSignalled`` waits for.
    public static let signal = Job("signal") { () -> Bool in
        signalled.store(true, ordering: .releasing)
        return true
    }

    /// Starts `count` child tasks that each spin, without suspending, until all of them have started, for at most
    /// `seconds`; returns how many saw the others. Children run one after another would see none.
    public static let meetInChildTasks = Job("meetInChildTasks") { (input: MeetInput) -> Int in
        let arrived = Counter()
        // Child tasks of a task group: they inherit the executor the served job runs on.
        return await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<input.count {
                group.addTask {
                    arrived.value.add(1, ordering: .acquiringAndReleasing)
                    let deadline = Date().addingTimeInterval(input.seconds)
                    while Date() < deadline {
                        if arrived.value.load(ordering: .acquiring) >= input.count { return true }
                        sched_yield()
                    }
                    return false
                }
            }
            var met = 0
            for await saw in group where saw { met += 1 }
            return met
        }
    }

    private final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    /// Every job above.
    public static let all: [any JobDefinition] = [
        threadName, computeUntilCancelled, blockUntilSignalled, signal, meetInChildTasks,
    ]
}

/// Input of ``ServedJobTestJobs/computeUntilCancelled`` and ``ServedJobTestJobs/blockUntilSignalled``.
public struct ComputeInput: Codable, Sendable {
    public var directory: String
    public var seconds: Double
    public init(directory: String, seconds: Double) {
        self.directory = directory
        self.seconds = seconds
    }
}

/// Input of ``ServedJobTestJobs/meetInChildTasks``.
public struct MeetInput: Codable, Sendable {
    public var count: Int
    public var seconds: Double
    public init(count: Int, seconds: Double) {
        self.count = count
        self.seconds = seconds
    }
}
