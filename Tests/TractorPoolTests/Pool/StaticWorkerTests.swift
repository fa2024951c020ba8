//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import PoolWorkerJobs
import Testing
import TractorPool

extension PoolSpawningTests {
    /// A worker linked with `-static-stdlib` and the C++ standard library's archive as a fixed-address executable,
    /// built as the README tells (`swift build --static-swift-stdlib -Xlinker --no-pie -Xswiftc -L<folder>`, the folder
    /// holding a link to `libstdc++.a`), serves a pool like any other: the Swift runtime and the C++ library it needs
    /// are inside its executable, so it maps none of the toolchain's shared libraries nor `libstdc++.so`, and the
    /// dynamic loader has only the C libraries left to bind, and no relative relocation of the executable's to apply.
    ///
    /// The build goes to a scratch folder of its own under `.build`, kept between runs; from a clean clone it takes a
    /// few minutes on two cores.
    @Suite(.serialized, .timeLimit(.minutes(20)))
    struct StaticWorkerTests {
        /// Where the static build goes: beside this package's own build, which it must not replace.
        static let scratchPath = CommandRunner.repositoryRoot + "/.build/static-stdlib"

        /// The folder through which the linker finds `libstdc++.a` before the system's `libstdc++.so`.
        static let libstdcxxFolder = CommandRunner.repositoryRoot + "/.build/static-libstdc++"

        /// The README's flags for a lean worker.
        static let flags = "--static-swift-stdlib -Xlinker --no-pie -Xswiftc -L\(libstdcxxFolder)"

        /// Links the C++ standard library's archive into the folder, as the README tells, and builds `pool-worker` with
        /// the Swift runtime and that library linked in; returns its path.
        static func buildStaticWorker() async throws -> String {
            let linkArchive = """
                set -e
                archive=$("$(dirname "$(command -v swift)")/clang" -print-file-name=libstdc++.a)
                case "$archive" in /*) ;; *) echo "no libstdc++.a next to the toolchain's clang" >&2; exit 1;; esac
                mkdir -p \(libstdcxxFolder) && ln -sf "$archive" \(libstdcxxFolder)/libstdc++.a
                """
            let outcome = try await CommandRunner.run(
                "/bin/bash",
                [
                    "-c",
                    linkArchive + "\nswift build \(flags) --product pool-worker --scratch-path \(scratchPath) "
                        + "&& swift build \(flags) --product pool-worker --scratch-path \(scratchPath) --show-bin-path",
                ],
                directory: CommandRunner.repositoryRoot,
                timeout: .seconds(900)
            )
            guard outcome.exited, outcome.status == 0 else {
                throw CommandRunner.Failure(
                    description: "the static build failed (\(outcome.status)):\n\(outcome.output)\n\(outcome.error)"
                )
            }
            let binPath = try #require(outcome.outputLines.last { $0.hasPrefix("/") })
            return binPath + "/pool-worker"
        }

        @Test func aPoolRunsOnWorkersLinkedWithTheStaticStandardLibrary() async throws {
            let worker = try await Self.buildStaticWorker()
            #expect(FileManager.default.isExecutableFile(atPath: worker), "no static build at \(worker)")
            // The ELF header's `e_type`, at offset 16: 2 for a fixed-address executable, 3 for a position-independent
            // one.
            let file = try #require(FileHandle(forReadingAtPath: worker))
            let header = [UInt8](try file.read(upToCount: 18) ?? Data())
            try file.close()
            #expect(header.count == 18 && header[16] == 2 && header[17] == 0, "\(worker) is position-independent")

            try await PoolTesting.checkingLeaks {
                var configuration = PoolTesting.configuration(.workers(2))
                configuration.executable = .path(worker)
                try await withProcessPool(configuration: configuration) { pool in
                    let squares = try await Array(pool.map(BuiltinJobs.square, over: 0..<500, chunkSize: 7))
                    #expect(squares == (0..<500).map { $0 * $0 })
                    let pids = try await pool.bindings.map(\.pid)
                    #expect(pids.count == 2)
                    for pid in pids {
                        let files = try WorkerLibrariesTests.mappedFiles(of: pid)
                        #expect(files.contains(worker), "the worker runs the static build: \(files.sorted())")
                        let runtimeLibraries = files.filter { path in
                            let name = path.split(separator: "/").last.map(String.init) ?? path
                            return name.hasPrefix("libswift") || name.hasPrefix("libFoundation")
                                || name.hasPrefix("libdispatch") || name.hasPrefix("libBlocksRuntime")
                                || name.hasPrefix("libstdc++")
                        }
                        #expect(runtimeLibraries.isEmpty, "worker \(pid) maps \(runtimeLibraries.sorted())")
                    }
                    // A job's failure and its cancellation cross as they do from any worker.
                    let failure = try await pool.submit(BuiltinJobs.fail, "on purpose")
                    await #expect(throws: RemoteActorError.self) { try await failure.value }
                }
            }
        }
    }
}
