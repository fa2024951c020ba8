//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// Built without TRACTOR_FUZZING this target is an ordinary program that replays inputs: each argument is a file
// (a saved crash, or a corpus entry) run through the same checks as the fuzzer, so a crash reproduces without the
// sanitizer build. `make fuzz` builds it with TRACTOR_FUZZING and libFuzzer's own main.
#if !TRACTOR_FUZZING
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@main
struct ReplayInputs {
    static func main() throws {
        let paths = CommandLine.arguments.dropFirst()
        if paths.isEmpty {
            print("usage: tractor-fuzz FILE...   (replays fuzzer inputs; `make fuzz` runs the fuzzer)")
        }
        for path in paths {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            bytes.withUnsafeBytes { FuzzChecks.run($0) }
            print("ok: \(path) (\(bytes.count) bytes)")
        }
    }
}
#endif
