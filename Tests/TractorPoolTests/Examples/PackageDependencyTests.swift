//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
import TractorPool

/// The README's "Use it in your package", done for real: a package of its own, in a temporary folder, that depends on
/// this repository by path, defines its own job and maps it over a pool whose workers re-execute that package's
/// program. Its `Package.swift`, its program and its commands are read out of the README, so the guide cannot drift
/// from what works.
///
/// The dependency is built from scratch (about a minute on two cores); swift-log and swift-argument-parser resolve the
/// way this package's own build resolves them (the machine's package mirror or SwiftPM's cache), with no network.
@Suite(.serialized, .timeLimit(.minutes(20)))
struct PackageDependencyTests {
    @Test func aPackageOfItsOwnBuildsAndRunsThePool() async throws {
        let readme = try Readme.load()
        let manifest = try readme.packageManifest().code
        let program = try readme.program().code
        let commands = try readme.packageCommands().code
        // The layout the guide describes.
        #expect(readme.text.contains("`primes-demo/Package.swift`"))
        #expect(readme.text.contains("`primes-demo/Sources/primes-demo/main.swift` is the program at the top"))
        #expect(manifest.contains(#".package(path: "../swift-tractor")"#))
        #expect(manifest.contains(#".product(name: "TractorPool", package: "swift-tractor")"#))

        let folder = NSTemporaryDirectory() + "tractor-package-guide-" + UUID().uuidString
        let sources = folder + "/primes-demo/Sources/primes-demo"
        try FileManager.default.createDirectory(atPath: sources, withIntermediateDirectories: true)
        // "Clone this repository next to your package as swift-tractor": the repository itself, under that name.
        try FileManager.default.createSymbolicLink(
            atPath: folder + "/swift-tractor",
            withDestinationPath: CommandRunner.repositoryRoot
        )
        try manifest.write(toFile: folder + "/primes-demo/Package.swift", atomically: true, encoding: .utf8)
        try program.write(toFile: sources + "/main.swift", atomically: true, encoding: .utf8)

        let outcome = try await CommandRunner.run(
            "/bin/bash",
            ["-e", "-c", commands],
            directory: folder,
            timeout: .seconds(900)
        )
        #expect(
            outcome.exited && outcome.status == 0,
            "the guide's commands failed:\n\(outcome.output)\n\(outcome.error)"
        )
        let lines = outcome.output.split(separator: "\n").map(String.init)
        let start = try #require(
            lines.firstIndex(of: PrimesExampleTests.sceneLines[0]),
            "the program printed nothing of the scene:\n\(outcome.output)\n\(outcome.error)"
        )
        #expect(Array(lines[start...].prefix(6)) == PrimesExampleTests.sceneLines)
        let workers = try BindingReportLines.check(Array(lines[(start + 6)...]), placement: .perCore)
        #expect(workers.allSatisfy { !PoolTesting.isAlive($0) })
        #expect(CommandRunner.actors(running: folder + "/primes-demo/.build/debug/primes-demo").isEmpty)

        try? FileManager.default.removeItem(atPath: folder)
    }
}
