//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing

/// The DocC catalogs build without a warning (a broken symbol or article link is one), from the modules the test
/// build made: what `make docs` does.
@Suite(.serialized, .timeLimit(.minutes(5)), .enabled(if: DocumentationTools.found != nil))
struct DocumentationTests {
    @Test(arguments: ["TractorRuntime", "TractorPool"])
    func theCatalogBuildsWithoutWarnings(module: String) async throws {
        let tools = try #require(DocumentationTools.found)
        let build = PoolTesting.buildDirectory  // .build/<triple>/debug
        let triple = URL(fileURLWithPath: build).deletingLastPathComponent().lastPathComponent
        let root = CommandRunner.repositoryRoot
        let output = NSTemporaryDirectory() + "tractor-docs-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: output) }
        try FileManager.default.createDirectory(atPath: output + "/symbols", withIntermediateDirectories: true)

        let extract = try await CommandRunner.run(
            tools.extract,
            [
                "-module-name", module, "-target", triple, "-I", build + "/Modules",
                "-Xcc", "-fmodule-map-file=\(build)/CTractorLinux.build/module.modulemap",
                "-Xcc", "-fmodule-map-file=\(root)/Sources/CHwloc/module.modulemap",
                "-Xcc", "-fmodule-map-file=\(root)/Sources/CNuma/module.modulemap",
                "-minimum-access-level", "public",
                // TractorPool re-exports TractorRuntime: its pages link to the runtime's types.
                "-experimental-allowed-reexported-modules=TractorRuntime",
                "-output-dir", output + "/symbols",
            ]
        )
        try #require(extract.exited && extract.status == 0, "symbol graph of \(module):\n\(extract.error)")

        let convert = try await CommandRunner.run(
            tools.docc,
            [
                "convert", "\(root)/Sources/\(module)/\(module).docc",
                "--additional-symbol-graph-dir", output + "/symbols",
                "--output-path", output + "/\(module).doccarchive",
                "--fallback-display-name", module, "--fallback-bundle-identifier", module,
                "--warnings-as-errors",
            ]
        )
        let diagnostics = (convert.output + convert.error).split(separator: "\n").filter {
            $0.contains("warning:") || $0.contains("error:")
        }
        #expect(convert.exited && convert.status == 0 && diagnostics.isEmpty, "docc:\n\(convert.error)")
        #expect(FileManager.default.fileExists(atPath: output + "/\(module).doccarchive/index.html"))
    }
}

/// `swift-symbolgraph-extract` and `docc`, from the toolchain that runs `swift` (on the PATH).
enum DocumentationTools {
    static let found: (extract: String, docc: String)? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for directory in path.split(separator: ":").map(String.init) {
            let extract = directory + "/swift-symbolgraph-extract"
            let docc = directory + "/docc"
            let manager = FileManager.default
            if manager.isExecutableFile(atPath: extract), manager.isExecutableFile(atPath: docc) {
                return (extract, docc)
            }
        }
        return nil
    }()
}
