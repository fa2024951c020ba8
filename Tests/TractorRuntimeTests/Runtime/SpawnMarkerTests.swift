//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc
import Testing
@testable import TractorRuntime

@Suite struct SpawnMarkerTests {
    @Test func roundTripsEveryField() throws {
        let marker = SpawnMarker(
            parentSocket: "/tmp/tractor-ab:c/1.sock", parentPID: 4242, name: "frank:the;tank é", uid: "00ff",
            cookie: [0, 1, 254, 255], treeSecret: Array(0..<32), socketDirectory: "/tmp/tractor-ab:c",
            registryAddress: "/tmp/tractor-ab:c/root.sock"
        )
        #expect(SpawnMarker(encoded: marker.encoded) == marker)
    }

    @Test(arguments: ["", "zz", "31", "31:2f", String(repeating: "31:", count: 8) + "3"])
    func rejectsMalformedValues(_ value: String) {
        #expect(SpawnMarker(encoded: value) == nil)
    }

    @Test func hexRejectsOddLengthsAndNonDigits() {
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
        #expect(Hex.decode("00FFa0") == [0, 255, 160])
        #expect(Hex.encode([0, 255, 160]) == "00ffa0")
    }

    @Test func terminationStatusDecodesWaitStatuses() {
        #expect(TerminationStatus(waitStatus: 3 << 8) == TerminationStatus(.exited(3)))
        #expect(TerminationStatus(waitStatus: SIGKILL) == TerminationStatus(.signaled(SIGKILL)))
        #expect(TerminationStatus(.signaled(SIGSEGV)).description == "killed by signal 11 (SIGSEGV)")
        #expect(TerminationStatus(.exited(0)).isSuccess)
    }
}
