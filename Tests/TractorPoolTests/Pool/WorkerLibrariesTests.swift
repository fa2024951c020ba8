//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import PoolWorkerJobs
import Testing
import TractorPool

extension PoolSpawningTests {
    /// What a worker process loads: `pool-worker` links only this package's libraries, which need neither Foundation
    /// nor ICU. (The test process itself imports Foundation: that is a program's own choice.)
    @Suite(.timeLimit(.minutes(2)))
    struct WorkerLibrariesTests {
        /// The files mapped into the address space of process `pid`, from `/proc/PID/maps`.
        static func mappedFiles(of pid: Int32) throws -> Set<String> {
            let maps = try String(contentsOfFile: "/proc/\(pid)/maps", encoding: .utf8)
            var files: Set<String> = []
            for line in maps.split(separator: "\n") {
                // address perms offset dev inode [path]: the path follows the fifth field after a run of spaces, and
                // may hold spaces itself.
                let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
                guard fields.count == 6 else { continue }
                let path = fields[5].drop { $0 == " " }
                if path.hasPrefix("/") { files.insert(String(path)) }
            }
            return files
        }

        /// The file names that mean Foundation or ICU is loaded.
        static func isFoundationOrICU(_ path: String) -> Bool {
            let name = path.split(separator: "/").last.map(String.init) ?? path
            return name.hasPrefix("libFoundation.so") || name.hasPrefix("libFoundationInternationalization")
                || name.hasPrefix("libFoundationNetworking") || name.hasPrefix("libFoundationXML")
                || name.hasPrefix("lib_FoundationICU") || name.hasPrefix("libicu")
        }

        @Test func anIdleWorkerMapsNeitherFoundationNorICU() async throws {
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration(.workers(1))) { pool in
                    let pid = try await pool.submit(BuiltinJobs.pid).value
                    // A job's error carries the worker's call stack, taken without Foundation as well.
                    let future = try await pool.submit(BuiltinJobs.fail, "on purpose")
                    let error = await #expect(throws: RemoteActorError.self) { try await future.value }
                    #expect(error?.backtrace?.isEmpty == false, "the error carries the worker's call stack")
                    #expect(try await pool.submit(BuiltinJobs.pid).value == pid, "the same worker, idle again")

                    let files = try Self.mappedFiles(of: pid)
                    #expect(
                        files.contains { $0.hasSuffix("/pool-worker") },
                        "the maps name the worker's executable: \(files.sorted())"
                    )
                    let foundation = files.filter(Self.isFoundationOrICU)
                    #expect(foundation.isEmpty, "the worker maps \(foundation.sorted())")
                }
            }
        }

        @Test func theCheckSeesFoundationWhereAProgramLoadsIt() throws {
            // This test process imports Foundation: the same reading of the maps finds it here.
            let files = try Self.mappedFiles(of: getpid())
            #expect(files.contains(where: Self.isFoundationOrICU), "\(files.sorted())")
        }
    }
}
