//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing
@_spi(Benchmarks) @testable import TractorRuntime

/// The forms a worker's start uses instead of a dictionary or a keyed container (each of which costs the Swift
/// runtime a scan of every conformance record of the program the first time a process makes one of its type): the
/// I/O loop's handler table, and the binding read-back coded as an array.
@Suite struct StartPathTableTests {
    private final class Handler: IOHandler {
        let name: String
        init(_ name: String) { self.name = name }
        func handleEvents(_ events: UInt32) {}
    }

    private static func name(_ handler: (any IOHandler)?) -> String? {
        (handler as? Handler)?.name
    }

    @Test func theHandlerTableFindsEachDescriptorsHandlerAndNothingElse() {
        var table = HandlerTable()
        #expect(table[0] == nil)
        #expect(table[-1] == nil)
        table[7] = Handler("seven")
        table[3] = Handler("three")
        #expect(Self.name(table[7]) == "seven")
        #expect(Self.name(table[3]) == "three")
        for fd: CInt in [0, 1, 2, 4, 5, 6, 8, 1000, -1, .min, .max] {
            #expect(table[fd] == nil, "descriptor \(fd) has no handler")
        }
        // A descriptor reused after a close gets its new handler; a removed one has none.
        table[7] = Handler("seven again")
        #expect(Self.name(table[7]) == "seven again")
        table[3] = nil
        #expect(table[3] == nil)
        #expect(Self.name(table[7]) == "seven again")
        // Removing what was never there, or a negative descriptor, changes nothing.
        table[5000] = nil
        table[-4] = Handler("negative")
        #expect(table[-4] == nil)
        #expect(table[5000] == nil)
        #expect(Self.name(table[7]) == "seven again")
    }

    @Test func aBindingReadBackCrossesTheCodecWhole() throws {
        for readback in [
            BindingReadback(cpus: [0, 1, 2, 3], memoryPolicyMode: 2, memoryNodes: [1]),
            BindingReadback(cpus: [], memoryPolicyMode: 0, memoryNodes: []),
            BindingReadback(cpus: Array(0..<512), memoryPolicyMode: 1, memoryNodes: [0, 1, 2, 3, 4, 5, 6, 7]),
        ] {
            let bytes = try MessagePackEncoder().encode(readback)
            #expect(try MessagePackDecoder().decode(BindingReadback.self, from: bytes) == readback)
        }
    }

    @Test func aMalformedBindingReadBackIsATypedErrorNotATrap() throws {
        // Two of the three fields ([0], 2), a field of the wrong type, and a map where the array belongs.
        let shortened: [UInt8] = [0x92, 0x91, 0x00, 0x02]
        let mistyped = try MessagePackEncoder().encode(["not", "a", "binding"])
        let keyed = try MessagePackEncoder().encode(["cpus": [0]])
        for bytes in [shortened, mistyped, keyed, []] {
            #expect(throws: TractorError.self) { try MessagePackDecoder().decode(BindingReadback.self, from: bytes) }
        }
    }
}
