//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import TractorRuntime

/// An error thrown on purpose by the test jobs.
public struct TestJobError: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Input of ``TestJobs/failAfterBarrier``.
public struct BarrierInput: Codable, Sendable {
    public var directory: String
    public var count: Int
    public var message: String
    public init(directory: String, count: Int, message: String) {
        self.directory = directory
        self.count = count
        self.message = message
    }
}

/// Input of ``TestJobs/tree``.
public struct TreeInput: Codable, Sendable {
    public var depth: Int
    public var breadth: Int
    public var failLeaves: Bool
    public var pidDirectory: String
    public init(depth: Int, breadth: Int, failLeaves: Bool, pidDirectory: String) {
        self.depth = depth
        self.breadth = breadth
        self.failLeaves = failLeaves
        self.pidDirectory = pidDirectory
    }
}

/// Input of ``TestJobs/barrierTree``.
public struct BarrierTreeInput: Codable, Sendable {
    /// How many children each level below this actor has; empty for a leaf.
    public var breadths: [Int]
    /// Where the leaves meet before they fail together; it holds one file per leaf that arrived.
    public var barrier: String
    /// How many leaves the whole tree has.
    public var leaves: Int
    /// Where every actor of the tree records its pid.
    public var pidDirectory: String
    public init(breadths: [Int], barrier: String, leaves: Int, pidDirectory: String) {
        self.breadths = breadths
        self.barrier = barrier
        self.leaves = leaves
        self.pidDirectory = pidDirectory
    }
}

/// Input of ``TestJobs/markThenCallPeer``.
public struct PeerInput: Codable, Sendable {
    public var name: String
    public var directory: String
    public init(name: String, directory: String) {
        self.name = name
        self.directory = directory
    }
}

/// Records this process's pid as a file in `directory`, for tests that check every process of a tree is gone.
func recordPID(in directory: String) {
    _ = FileManager.default.createFile(atPath: directory + "/\(getpid())", contents: nil)
}

/// Runs `body`; when it throws `CancellationError`, or returns with its task cancelled (an iteration over a stream
/// that ends, as `AsyncSequence`s do when their task is cancelled), first records `<pid>.cancelled` in `directory`:
/// the job's own report that a cancellation reached it as Swift cancellation, for tests to assert rather than infer.
func recordingCancellation<T>(in directory: String, _ body: () async throws -> T) async throws -> T {
    let record = { _ = FileManager.default.createFile(atPath: directory + "/\(getpid()).cancelled", contents: nil) }
    do {
        let result = try await body()
        if Task.isCancelled { record() }
        return result
    } catch let error as CancellationError {
        record()
        throw error
    }
}

/// The pids that recorded `<pid>.cancelled` in `directory` (see ``TestJobs/sleepRecordingCancellation``).
public func recordedCancellations(in directory: String) -> Set<Int32> {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    return Set(names.compactMap { name in name.hasSuffix(".cancelled") ? Int32(name.dropLast(10)) : nil })
}

/// The jobs the integration tests run in `tractor-test-worker` processes.
public enum TestJobs {
    public static let question = Job("question") { "What is the answer to life, the universe and everything?" }
    public static let add = Job("add") { (numbers: [Int]) in numbers.reduce(0, +) }
    public static let echo = Job("echo") { (text: String) in text }
    public static let whoAmI = Job("whoami") { "\(Tractor.currentActor.name)" }
    public static let pid = Job("pid") { Int32(getpid()) }
    public static let fail = Job("fail") { (message: String) -> Int in throw TestJobError(message) }

    /// Squares its input; a negative input fails with ``TestJobError``.
    public static let squareUnlessNegative = Job("squareUnlessNegative") { (x: Int) -> Int in
        guard x >= 0 else { throw TestJobError("\(x) is negative") }
        return x * x
    }

    /// Sleeps, honouring cancellation; returns the milliseconds slept.
    public static let sleep = Job("sleep") { (milliseconds: Int) -> Int in
        try await Task.sleep(for: .milliseconds(milliseconds))
        return milliseconds
    }

    /// Sleeps without ever looking at cancellation.
    public static let sleepIgnoringCancellation = Job("sleepIgnoringCancellation") { (milliseconds: Int) -> Int in
        let deadline = Date().addingTimeInterval(Double(milliseconds) / 1000)
        while Date() < deadline { usleep(10_000) }
        return milliseconds
    }

    /// Dies mid-call: `"kill"` (SIGKILL), `"segv"` (SIGSEGV), `"exit"` (exit status 3), `"fatal"` (fatalError).
    public static let crash = Job("crash") { (how: String) -> Int in
        switch how {
        case "kill": kill(getpid(), SIGKILL)
        case "segv":
            // A real invalid access: the Swift crash handler lets a raised SIGSEGV return, but not a fault.
            UnsafeMutablePointer<Int>(bitPattern: 8)!.pointee = 1
        case "exit": exit(3)
        case "fatal": fatalError("the crash job was asked to fail")
        default: throw TestJobError("unknown crash kind \(how)")
        }
        while true { pause() }
    }

    /// Waits (ignoring cancellation) until `count` processes have reached the barrier, then throws.
    public static let failAfterBarrier = Job("failAfterBarrier") { (input: BarrierInput) -> Int in
        _ = FileManager.default.createFile(atPath: input.directory + "/\(getpid())", contents: nil)
        while ((try? FileManager.default.contentsOfDirectory(atPath: input.directory))?.count ?? 0) < input.count {
            usleep(2_000)
        }
        throw TestJobError(input.message)
    }

    /// Builds a tree of actors `depth` levels deep, `breadth` wide; leaves fail if asked, else return their pids.
    public static let tree: Job<TreeInput, [Int32]> = Job("tree") { (input: TreeInput) -> [Int32] in
        recordPID(in: input.pidDirectory)
        if input.depth == 0 {
            if input.failLeaves { throw TestJobError("leaf \(Tractor.currentActor.name) failed") }
            return [getpid()]
        }
        return try await withActorNursery { nursery in
            var portals: [ResultPortal<[Int32]>] = []
            for index in 0..<input.breadth {
                var child = input
                child.depth -= 1
                portals.append(try await nursery.runInActor(tree, child, name: "\(Tractor.currentActor.name).\(index)"))
            }
            var pids = [getpid()]
            for portal in portals { pids += try await portal.result() }
            return pids
        }
    }

    /// Builds a tree of actors, `breadths[0]` children below this one, `breadths[1]` below each of those, and so on;
    /// every leaf waits (ignoring cancellation) until all `leaves` leaves have arrived at the barrier, then throws
    /// "leaf NAME failed", so that they all fail at once.
    public static let barrierTree: Job<BarrierTreeInput, Int> = Job("barrierTree") { (input: BarrierTreeInput) -> Int in
        recordPID(in: input.pidDirectory)
        guard let breadth = input.breadths.first else {
            _ = FileManager.default.createFile(atPath: input.barrier + "/\(getpid())", contents: nil)
            while ((try? FileManager.default.contentsOfDirectory(atPath: input.barrier))?.count ?? 0) < input.leaves {
                usleep(2_000)
            }
            throw TestJobError("leaf \(Tractor.currentActor.name) failed")
        }
        return try await withActorNursery { nursery in
            var portals: [ResultPortal<Int>] = []
            for index in 0..<breadth {
                var child = input
                child.breadths.removeFirst()
                portals.append(
                    try await nursery.runInActor(barrierTree, child, name: "\(Tractor.currentActor.name).\(index)")
                )
            }
            var total = 0
            for portal in portals { total += try await portal.result() }
            return total
        }
    }

    /// Creates the file `call` in the input directory, then sleeps for an hour, honouring cancellation: a call that
    /// a test knows is running.
    public static let holdCall = Job("holdCall") { (directory: String) -> Int in
        _ = FileManager.default.createFile(atPath: directory + "/call", contents: nil)
        try await Task.sleep(for: .seconds(3600))
        return 0
    }

    /// Creates the file `call` in the input directory, then sleeps for an hour without ever looking at cancellation: a
    /// running call that only the end of its process ends.
    public static let holdCallIgnoringCancellation = Job("holdCallIgnoringCancellation") { (directory: String) -> Int in
        _ = FileManager.default.createFile(atPath: directory + "/call", contents: nil)
        let deadline = Date().addingTimeInterval(3600)
        while Date() < deadline { usleep(10_000) }
        return 0
    }

    /// Records its pid in the input directory, then sleeps for an hour honouring cancellation; a cancellation that
    /// reaches it is recorded as `<pid>.cancelled` (see ``recordedCancellations(in:)``).
    public static let sleepRecordingCancellation = Job("sleepRecordingCancellation") { (directory: String) -> Int in
        recordPID(in: directory)
        return try await recordingCancellation(in: directory) {
            try await Task.sleep(for: .seconds(3600))
            return 0
        }
    }

    /// Records its pid in the input directory, then sleeps for an hour honouring cancellation; cancelled, it cleans up
    /// for 200 ms (not looking at cancellation again) before it records `<pid>.cancelled`: a job whose cleanup needs
    /// some of its actor's cancel grace.
    public static let sleepThenCleanUpSlowly = Job("sleepThenCleanUpSlowly") { (directory: String) -> Int in
        recordPID(in: directory)
        do {
            try await Task.sleep(for: .seconds(3600))
            return 0
        } catch let error as CancellationError {
            usleep(200_000)
            _ = FileManager.default.createFile(atPath: directory + "/\(getpid()).cancelled", contents: nil)
            throw error
        }
    }

    /// Starts `count` daemon children that record their pids, then waits forever.
    public static let holdDaemons = Job("holdDaemons") { (input: TreeInput) -> Int in
        recordPID(in: input.pidDirectory)
        try await withActorNursery { nursery in
            for index in 0..<input.breadth {
                let daemon = try await nursery.startActor("held.\(index)", jobs: [recordSelf])
                _ = try await daemon.run(recordSelf, input.pidDirectory)
            }
            try await Task.sleep(for: .seconds(3600))
        }
        return 0
    }

    /// Records the actor's pid in a directory.
    public static let recordSelf = Job("recordSelf") { (directory: String) -> Int32 in
        recordPID(in: directory)
        return getpid()
    }

    /// Finds the actor named by the input through the registry and asks who it is.
    public static let callPeer = Job("callPeer") { (name: String) -> String in
        try await Tractor.waitForActor(named: name) { peer in
            "\(Tractor.currentActor.name) reached \(try await peer.run(whoAmI))"
        }
    }

    /// Creates the file `waiting` in `directory`, then waits through the registry for the actor `name` to appear and
    /// asks who it is: a caller that a test knows has started waiting.
    public static let markThenCallPeer = Job("markThenCallPeer") { (input: PeerInput) -> String in
        _ = FileManager.default.createFile(atPath: input.directory + "/waiting", contents: nil)
        return try await Tractor.waitForActor(named: input.name) { peer in
            "\(Tractor.currentActor.name) reached \(try await peer.run(whoAmI))"
        }
    }

    /// Finds the actor named by the input through the registry and cancels it; returns how that ended.
    public static let cancelPeer = Job("cancelPeer") { (name: String) -> String in
        try await Tractor.waitForActor(named: name) { peer in "\(try await peer.cancelActor())" }
    }

    /// `count` bytes, each 7: a result as large as a test needs.
    public static let bytes = Job("bytes") { (count: Int) -> [UInt8] in [UInt8](repeating: 7, count: count) }

    /// The value of the environment variable named by the input in the actor's process, or `""` if it is not set.
    public static let environmentVariable = Job("environmentVariable") { (name: String) -> String in
        getenv(name).map { String(cString: $0) } ?? ""
    }

    /// Every job above, and the streaming ones.
    public static let all: [any JobDefinition] = [
        question, add, echo, whoAmI, pid, fail, sleep, sleepIgnoringCancellation, crash, failAfterBarrier, tree,
        holdDaemons, recordSelf, callPeer, barrierTree, holdCall, holdCallIgnoringCancellation,
        sleepRecordingCancellation, sleepThenCleanUpSlowly, markThenCallPeer, squareUnlessNegative, environmentVariable, cancelPeer, bytes,
    ] + StreamTestJobs.all + TypedErrorTestJobs.all + TransferTestJobs.all + ServedJobTestJobs.all
}
