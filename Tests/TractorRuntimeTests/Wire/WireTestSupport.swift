//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
import TractorTestSupport
import TractorRuntime

/// Helpers shared by the wire tests.
enum WireTestSupport {
    /// Bytes from a hex string such as `"c4-01-ff"` or `"c401ff"`.
    static func bytes(_ hex: String) -> [UInt8] {
        let digits = hex.filter(\.isHexDigit)
        var result: [UInt8] = []
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            result.append(UInt8(digits[index..<next], radix: 16)!)
            index = next
        }
        return result
    }

    /// Bytes as `"c4-01-ff"`, for failure messages.
    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined(separator: "-")
    }

    /// The URL of a file in the test fixtures, such as `"msgpack-test-suite/msgpack-test-suite.json"`.
    static func fixtureURL(_ path: String) throws -> URL {
        let url = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let file = url.appendingPathComponent(path)
        #expect(FileManager.default.fileExists(atPath: file.path), "missing fixture \(file.path)")
        return file
    }
}

/// Checks that `body` throws a ``TractorError`` with `code`, and returns it.
@discardableResult
func expectTractorError(
    _ code: TractorError.Code,
    _ comment: @autoclosure () -> String = "",
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) -> TractorError? {
    do {
        try body()
        Issue.record(
            "expected TractorError.\(code) but nothing was thrown \(comment())",
            sourceLocation: sourceLocation
        )
    } catch let error as TractorError {
        #expect(error.code == code, "\(error) \(comment())", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected TractorError.\(code), got \(error) \(comment())", sourceLocation: sourceLocation)
    }
    return nil
}

