//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Synchronization
import Testing
import TractorTestSupport

/// Runs the built executables (`primes`, `pool-worker`, `tour`) and other programs as a person would, and looks at
/// the processes they leave behind.
enum CommandRunner {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// How a program ended, and what it printed.
    struct Outcome: Sendable {
        var status: Int32
        /// Whether it exited (as opposed to being killed by a signal).
        var exited: Bool
        var output: String
        var error: String
        /// What it wrote on its terminal, when it ran on one.
        var terminal: String = ""

        var outputLines: [String] { output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
    }

    /// The root of this repository, found from this file's path.
    static let repositoryRoot: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Examples
        .deletingLastPathComponent()  // TractorPoolTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()
        .path

    /// A built executable of this package, next to the test binary.
    static func executable(_ name: String) throws -> String {
        let path = PoolTesting.buildDirectory + "/" + name
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw Failure(description: "\(name) is not built at \(path); run `swift build --build-tests` first")
        }
        return path
    }

    /// A started program whose output goes to files, so that nothing it prints can stall it.
    final class Running {
        let process: Process
        let outputPath: String
        let errorPath: String
        private let terminal: TerminalReader?
        /// Its standard input, when it was started with one to write to (`writableInput`).
        private let input: Pipe?

        var pid: Int32 { process.processIdentifier }

        init(
            _ path: String,
            _ arguments: [String],
            directory: String? = nil,
            onATerminal: Bool = false,
            writableInput: Bool = false,
            environment: [String: String] = [:]
        ) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
            if !environment.isEmpty {
                process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            }
            if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
            let base = NSTemporaryDirectory() + "tractor-command-\(UUID().uuidString)"
            outputPath = base + ".out"
            errorPath = base + ".err"
            guard FileManager.default.createFile(atPath: outputPath, contents: nil),
                FileManager.default.createFile(atPath: errorPath, contents: nil),
                let output = FileHandle(forWritingAtPath: outputPath),
                let error = FileHandle(forWritingAtPath: errorPath)
            else {
                throw Failure(description: "cannot create \(base).out and .err")
            }
            input = writableInput ? Pipe() : nil
            process.standardInput = input ?? FileHandle.nullDevice
            process.standardOutput = output
            if onATerminal {
                let terminal = try TerminalReader()
                process.standardError = terminal.secondary
                self.terminal = terminal
            } else {
                process.standardError = error
                terminal = nil
            }
            self.process = process
            try process.run()
            try output.close()
            try error.close()
            try terminal?.closeSecondary()
        }

        /// Writes `text` to its standard input (started with `writableInput`).
        func send(_ text: String) {
            input?.fileHandleForWriting.write(Data(text.utf8))
        }

        /// Ends its standard input.
        func closeInput() {
            try? input?.fileHandleForWriting.close()
        }

        /// What it has written to standard output and standard error so far.
        var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
        var error: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }

        /// Waits for the program to end, at most `timeout`; kills it (SIGKILL) and throws if it runs longer.
        func waitForExit(timeout: Duration) async throws -> Outcome {
            let ended = await CommandRunner.eventually(within: timeout) { !process.isRunning }
            if !ended {
                kill(pid, SIGKILL)
                process.waitUntilExit()
                throw Failure(description: "\(process.executableURL?.path ?? "?") ran past \(timeout) and was killed")
            }
            process.waitUntilExit()
            closeInput()
            defer {
                try? FileManager.default.removeItem(atPath: outputPath)
                try? FileManager.default.removeItem(atPath: errorPath)
            }
            return Outcome(
                status: process.terminationStatus,
                exited: process.terminationReason == .exit,
                output: try String(contentsOfFile: outputPath, encoding: .utf8),
                error: try String(contentsOfFile: errorPath, encoding: .utf8),
                terminal: await terminal?.finish() ?? ""
            )
        }
    }

    /// Runs a program to its end, at most `timeout`.
    static func run(
        _ path: String,
        _ arguments: [String],
        directory: String? = nil,
        onATerminal: Bool = false,
        environment: [String: String] = [:],
        timeout: Duration = .seconds(120)
    ) async throws -> Outcome {
        try await Running(path, arguments, directory: directory, onATerminal: onATerminal, environment: environment)
            .waitForExit(timeout: timeout)
    }

    /// Polls `condition` every 10 ms until it holds or `timeout` passes; returns whether it held.
    static func eventually(within timeout: Duration, _ condition: () -> Bool) async -> Bool {
        await ProcessInspection.eventually(within: timeout, condition)
    }

    /// The processes, alive or zombie, whose parent is `pid`.
    static func children(of pid: Int32) -> [Int32] { ProcessInspection.children(of: pid) }

    /// The live actors (workers) running the executable at `path`, whatever their parent: none may be left after a
    /// run. Other runs of the same program by suites running beside this one are not counted.
    static func actors(running path: String) -> [Int32] { ProcessInspection.actors(running: path) }

    /// The user CPU time a process has used, in clock ticks.
    static func cpuTicks(of pid: Int32) -> Int { ProcessInspection.cpuTicks(of: pid) }
}

/// A pseudo-terminal: the program under test writes on its secondary side, a thread of this process reads the
/// primary side until every writer has closed it.
final class TerminalReader: Sendable {
    let secondary: FileHandle
    private let primary: Int32
    private let text = Mutex(Data())
    private let done = Mutex(false)

    /// `TIOCSPTLCK` and `TIOCGPTN`, Linux's generic ioctl numbers (the C macros do not reach Swift; `posix_openpt`,
    /// `unlockpt` and `ptsname` need feature macros that the Glibc module does not set).
    private static let unlockRequest: UInt = 0x4004_5431
    private static let numberRequest: UInt = 0x8004_5430

    init() throws {
        primary = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard primary >= 0, ioctl(primary, Self.unlockRequest, &unlock) == 0,
            ioctl(primary, Self.numberRequest, &number) == 0
        else {
            throw CommandRunner.Failure(description: "no pseudo-terminal: errno \(errno)")
        }
        let name = "/dev/pts/\(number)"
        let secondaryFD = open(name, O_RDWR | O_NOCTTY)
        guard secondaryFD >= 0 else {
            throw CommandRunner.Failure(description: "cannot open \(name): errno \(errno)")
        }
        secondary = FileHandle(fileDescriptor: secondaryFD, closeOnDealloc: false)
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4_096)
            while true {
                let count = read(primary, &buffer, buffer.count)
                if count > 0 {
                    text.withLock { $0.append(contentsOf: buffer[0..<count]) }
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    break  // EIO: every secondary descriptor is closed
                }
            }
            done.withLock { $0 = true }
        }
        thread.start()
    }

    /// Closes this process's descriptor of the secondary side (the child keeps its own).
    func closeSecondary() throws {
        try secondary.close()
    }

    /// Waits until the reader has seen the end (every writer gone), then returns what was written.
    func finish() async -> String {
        _ = await CommandRunner.eventually(within: .seconds(30)) { done.withLock { $0 } }
        close(primary)
        return String(decoding: text.withLock { $0 }, as: UTF8.self)
    }
}
