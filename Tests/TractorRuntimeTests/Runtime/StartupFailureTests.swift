//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
import TractorRuntime

/// A runtime that cannot start throws a typed error from `Tractor.bootstrap` and from the first nursery, and the
/// process lives on. The runtime is process-wide, so each case runs in a fresh `tractor-test-worker startup-errors`.
@Suite(.timeLimit(.minutes(2)))
struct StartupFailureTests {
    @Test func aMissingTMPDIRIsAnErrorNotATrap() async throws {
        let (status, output) = try run(arguments: [], environment: ["TMPDIR": "/nonexistent-tractor-tmp"])
        #expect(status == 0, "output:\n\(output)")
        for step in ["bootstrap", "nursery"] {
            let line = output.split(separator: "\n").first { $0.hasPrefix(step + ":") } ?? ""
            #expect(line.hasPrefix("\(step): runtimeUnavailable"), "output:\n\(output)")
            #expect(line.contains("/nonexistent-tractor-tmp") && line.contains("TMPDIR"), "output:\n\(output)")
        }
    }

    @Test func anIOThreadThatCannotStartIsAnErrorNotATrap() async throws {
        let (status, output) = try run(arguments: ["3"], environment: [:])
        #expect(status == 0, "output:\n\(output)")
        for step in ["bootstrap", "nursery"] {
            let line = output.split(separator: "\n").first { $0.hasPrefix(step + ":") } ?? ""
            #expect(line.hasPrefix("\(step): runtimeUnavailable"), "output:\n\(output)")
            #expect(line.contains("I/O thread"), "output:\n\(output)")
        }
    }

    /// Runs `tractor-test-worker startup-errors ARGUMENTS` with `environment` added to this process's; returns its exit
    /// status (128 + the signal if a signal ended it) and its standard output and error.
    private func run(arguments: [String], environment: [String: String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ProcessTree.workerPath)
        process.arguments = ["startup-errors"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let signalled = process.terminationReason == .uncaughtSignal
        return (signalled ? 128 + process.terminationStatus : process.terminationStatus, output)
    }
}
