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
/// The clone's folder is not named as in the guide's `Package.swift`: the test makes the change the guide tells a
/// person to make then, after checking that SwiftPM refuses the manifest without it. The guide builds in release mode,
/// so the dependency is built from scratch with optimizations (about a minute and a half on two cores); swift-log and
/// swift-argument-parser resolve the way this package's own build resolves them (the machine's package mirror or
/// SwiftPM's cache), with no network.
@Suite(.serialized, .timeLimit(.minutes(20)))
struct PackageDependencyTests {
    /// The clone's folder in the test: any name but the guide's.
    static let cloneFolder = "tractor-checkout"

    @Test func aPackageOfItsOwnBuildsAndRunsThePool() async throws {
        let readme = try Readme.load()
        let manifest = try readme.packageManifest().code
        let program = try readme.program().code
        let commands = try readme.packageCommands().code
        let guide = readme.prose(of: Readme.packageGuideSection)
        // The layout the guide describes.
        #expect(guide.contains("`primes-demo/Package.swift`"))
        #expect(guide.contains("`primes-demo/Sources/primes-demo/main.swift` is the program at the top"))
        #expect(guide.contains("next to your package"))
        #expect(manifest.contains(#".package(path: "../\#(Readme.cloneFolder)")"#))
        #expect(manifest.contains(#".product(name: "TractorPool", package: "\#(Readme.cloneFolder)")"#))
        // "If your clone's folder has another name, write its name in place of `swift-tractor` in both places".
        #expect(guide.contains(Readme.cloneFolderRule))
        #expect(manifest.components(separatedBy: Readme.cloneFolder).count - 1 == 2, "the two places:\n\(manifest)")
        // Release mode, as the guide tells.
        #expect(commands.contains("swift run -c release") || commands.contains("swift build -c release"))

        let folder = NSTemporaryDirectory() + "tractor-package-guide-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let package = folder + "/primes-demo"
        let sources = package + "/Sources/primes-demo"
        try FileManager.default.createDirectory(atPath: sources, withIntermediateDirectories: true)
        // "Clone this repository next to your package": the repository itself, under a name of its own.
        try FileManager.default.createSymbolicLink(
            atPath: folder + "/" + Self.cloneFolder,
            withDestinationPath: CommandRunner.repositoryRoot
        )
        try program.write(toFile: sources + "/main.swift", atomically: true, encoding: .utf8)

        // With the path changed but not the `package:` argument, the manifest names a package that is not there:
        // SwiftPM names a path dependency after its folder.
        let pathOnly = manifest.replacingOccurrences(
            of: #"path: "../\#(Readme.cloneFolder)""#,
            with: #"path: "../\#(Self.cloneFolder)""#
        )
        #expect(pathOnly != manifest)
        try pathOnly.write(toFile: package + "/Package.swift", atomically: true, encoding: .utf8)
        let halfChanged = try await CommandRunner.run(
            "/bin/bash",
            ["-c", "swift package describe"],
            directory: package,
            timeout: .seconds(300)
        )
        let refusal = halfChanged.output + halfChanged.error
        #expect(!(halfChanged.exited && halfChanged.status == 0), "SwiftPM took a `package:` that is not the folder's")
        #expect(
            refusal.contains("unknown package '\(Readme.cloneFolder)'") && refusal.contains("'\(Self.cloneFolder)'"),
            "SwiftPM did not name the folder's package:\n\(refusal)"
        )

        // Changed as the guide says, it builds and runs.
        let changed = manifest.replacingOccurrences(of: Readme.cloneFolder, with: Self.cloneFolder)
        try changed.write(toFile: package + "/Package.swift", atomically: true, encoding: .utf8)
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
        let built = package + "/.build/release/primes-demo"
        #expect(FileManager.default.isExecutableFile(atPath: built), "no release build at \(built)")
        #expect(CommandRunner.actors(running: built).isEmpty)
    }
}
