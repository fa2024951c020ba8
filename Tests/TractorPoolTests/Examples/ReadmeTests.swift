//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
import TractorPool

/// The README's Swift cannot rot: each block is code that the build compiles and a test runs.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct ReadmeTests {
    /// The Swift sources of `examples/`, as trimmed lines, by path.
    static func exampleSources() throws -> [String: [String]] {
        let root = CommandRunner.repositoryRoot + "/examples"
        var sources: [String: [String]] = [:]
        let files = FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? []
        for file in files where file.hasSuffix(".swift") {
            sources[file] = Readme.trimmedLines(try String(contentsOfFile: root + "/" + file, encoding: .utf8))
        }
        return sources
    }

    @Test func everySwiftBlockIsCodeOfTheExamplesOrOfThePackageGuide() throws {
        let readme = try Readme.load()
        // These two are built by PackageDependencyTests, as the package guide says.
        let program = try readme.program()
        let manifest = try readme.packageManifest()
        #expect(program.code.contains("Tractor.bootstrap(jobs:"))
        let sources = try Self.exampleSources()
        #expect(!sources.isEmpty)
        let others = readme.swiftBlocks.filter { $0.code != program.code && $0.code != manifest.code }
        #expect(others.count >= 7, "the tour has a block per part")
        for block in others {
            let lines = block.trimmedLines
            let home = sources.first { _, source in
                source.count >= lines.count
                    && (0...(source.count - lines.count)).contains { Array(source[$0..<$0 + lines.count]) == lines }
            }
            #expect(
                home != nil,
                "this Swift block of the README's \"\(block.section)\" is not code of examples/:\n\(block.code)"
            )
        }
    }

    @Test func theTourPrintsWhatTheReadmeSays() async throws {
        let tour = try CommandRunner.executable("tour")
        let outcome = try await CommandRunner.run(tour, [])
        #expect(outcome.exited && outcome.status == 0, "tour failed: \(outcome.error)")
        let lines = outcome.output.split(separator: "\n").map(String.init)
        let topology = try Topology.current()
        let numaLines = topology.numaNodes.map { node in "NUMA node \(node.osIndex): CPUs \(node.cpus)" }
        let perCore = Placement.perCore.plan(for: topology).workers
        let expected =
            [
                "== pool", "primes below 1,000,000: 78498", "false", "2 4 0",
                "== nursery", "What is the answer?", "10", "frank 11", "cancelled: exited with status 0", "42",
                "== failures", "loader load tour.LoadError no such file: /no/such/file",
                "== streams", "tick 0", "tick 1", "tick 2", "pong", "pong", "2",
                "== cancellation", "true", "cancelled", "true",
                "== pinning", "\(topology.cores.count) cores, allowed CPUs \(topology.allowedCPUs)",
            ] + numaLines + perCore.map { "worker \($0.index): CPUs \($0.cpus!)" }
        #expect(Array(lines.prefix(expected.count)) == expected, "output:\n\(outcome.output)")
        let workers = try BindingReportLines.check(Array(lines.dropFirst(expected.count)), placement: .perCore)
        #expect(workers.allSatisfy { !PoolTesting.isAlive($0) })
        #expect(CommandRunner.actors(running: tour).isEmpty)
    }

    @Test func theSectionsRunOneByOne() async throws {
        let outcome = try await CommandRunner.run(try CommandRunner.executable("tour"), ["streams", "failures"])
        #expect(outcome.exited && outcome.status == 0, "tour failed: \(outcome.error)")
        #expect(
            outcome.output.split(separator: "\n").map(String.init) == [
                "== streams", "tick 0", "tick 1", "tick 2", "pong", "pong", "2",
                "== failures", "loader load tour.LoadError no such file: /no/such/file",
            ]
        )
    }
}
