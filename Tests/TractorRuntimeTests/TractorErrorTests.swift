//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing
import TractorRuntime

@Suite struct TractorErrorTests {
    @Test func descriptionNamesCodeMessageAndCause() {
        let inner = TractorError(.truncatedData, "needed 4 more bytes")
        let outer = TractorError(.decodingFailed, "could not decode Message", cause: inner)
        #expect(outer.code == .decodingFailed)
        #expect(outer.code != .truncatedData)
        #expect(outer.description.contains("decodingFailed"))
        #expect(outer.description.contains("could not decode Message"))
        #expect(outer.description.contains("needed 4 more bytes"))
    }
}
