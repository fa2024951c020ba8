//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
@_spi(Benchmarks) import TractorRuntime

/// Round trips with Python's `msgspec`: what Swift encodes, Python decodes to the expected values, and what Python
/// encodes, Swift decodes. `make test` installs msgspec; without it these tests fail and say so.
@Suite(.serialized) struct MessagePackPythonTests {
    struct Nested: Codable, Equatable {
        var name: String
        var tags: [String]
        var children: [Nested]
    }

    struct Sample: Codable, Equatable {
        var u8: UInt8 = 200
        var u16: UInt16 = 60_000
        var u32: UInt32 = 4_000_000_000
        var u64: UInt64 = .max
        var i8: Int8 = -100
        var i16: Int16 = -30_000
        var i32: Int32 = -2_000_000_000
        var i64: Int64 = .min
        var small = 7
        var negative = -5
        var single: Float = 1.5
        var double = 3.141592653589793
        var text = "héllo wörld"
        var emoji = "🍺❤️👩‍👩‍👧"
        var empty = ""
        var bytes: [UInt8] = [0x00, 0x01, 0xfe, 0xff]
        var data = Data("swift".utf8)
        var numbers = [0, 1, -1, 127, 128, -33, 70_000, 1 << 40]
        var words = ["a", "bb", ""]
        var reals = [0.5, -2.25, 1e300]
        var table = ["one": 1, "two": 2]
        var nested = Nested(name: "root", tags: ["x"], children: [Nested(name: "leaf", tags: [], children: [])])
        var nothing: Int? = nil
        var when = Date(timeIntervalSince1970: 1_514_862_245.5)
        var any: MessagePackValue = [1, "two", nil, .extension(type: 5, data: [0x61, 0x62]), ["k": true]]
    }

    struct ProcessResult {
        var status: Int32
        var output: [UInt8]
        var errors: String
    }

    /// Runs `python3` with `arguments`, feeding it `input`.
    static func runPython(_ arguments: [String], input: [UInt8] = []) throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // Read both outputs while writing, so a full pipe cannot stall either side.
        let readers = DispatchGroup()
        nonisolated(unsafe) var output = Data()
        nonisolated(unsafe) var errors = Data()
        DispatchQueue.global().async(group: readers) { output = stdout.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: readers) { errors = stderr.fileHandleForReading.readDataToEndOfFile() }
        try stdin.fileHandleForWriting.write(contentsOf: Data(input))
        try stdin.fileHandleForWriting.close()
        readers.wait()
        process.waitUntilExit()
        return ProcessResult(
            status: process.terminationStatus,
            output: [UInt8](output),
            errors: String(decoding: errors, as: UTF8.self)
        )
    }

    /// Fails the test, saying what to do, when python3 or msgspec is missing.
    static func requireMsgspec() throws {
        let probe = try runPython(["-c", "import msgspec"])
        try #require(
            probe.status == 0,
            "Python's msgspec is not installed for python3; run `make test`, which installs it. (\(probe.errors))"
        )
    }

    static func script() throws -> String {
        try WireTestSupport.fixtureURL("msgspec_interop.py").path
    }

    @Test(.timeLimit(.minutes(1))) func pythonDecodesWhatSwiftEncodes() throws {
        try Self.requireMsgspec()
        let sample = Sample()
        let result = try Self.runPython([Self.script(), "check"], input: try MessagePackEncoder().encode(sample))
        #expect(result.status == 0, "\(result.errors)")
        // Python re-encoded what it decoded, with its own choice of forms; Swift reads it back unchanged.
        let back = try MessagePackDecoder().decode(Sample.self, from: result.output)
        #expect(back == sample)
    }

    @Test(.timeLimit(.minutes(1))) func pythonNoticesAWrongValue() throws {
        try Self.requireMsgspec()
        var sample = Sample()
        sample.i16 = -29_999
        let result = try Self.runPython([Self.script(), "check"], input: try MessagePackEncoder().encode(sample))
        #expect(result.status == 1)
        #expect(result.errors.contains("i16"))
    }

    @Test(.timeLimit(.minutes(1))) func swiftDecodesWhatPythonEncodes() throws {
        try Self.requireMsgspec()
        let result = try Self.runPython([Self.script(), "produce"])
        try #require(result.status == 0, "\(result.errors)")
        let ints: [MessagePackValue] = [
            0, 127, 128, 255, 256, 65_535, 65_536, 4_294_967_295, 4_294_967_296, .int(.max), .uint(.max),
            -1, -32, -33, -128, -129, -32_768, -32_769, -2_147_483_648, -2_147_483_649, .int(.min),
        ]
        let expected: MessagePackValue = [
            "ints": .array(ints),
            "float": 0.1,
            "text": .string(String(repeating: "naïve 🍺", count: 40)),
            "bin": .binary(Array(0...255)),
            "list": [[], [nil, true, false]],
            "map": ["a": ["b": [:]]],
            "when": .timestamp(seconds: -1, nanoseconds: 250_000_000),
            "ext": .extension(type: 3, data: Array("xyz".utf8)),
        ]
        #expect(try MessagePackValue(decoding: result.output) == expected)

        struct Produced: Decodable {
            var float: Double
            var text: String
            var bin: Data
            var list: [[Bool?]]
            var map: [String: [String: [String: Int]]]
            var when: Date
        }
        let produced = try MessagePackDecoder().decode(Produced.self, from: result.output)
        #expect(produced.float == 0.1)
        #expect(produced.text.count == 40 * 7)
        #expect(produced.bin == Data(0...255))
        #expect(produced.list == [[], [nil, true, false]])
        #expect(produced.map == ["a": ["b": [:]]])
        #expect(produced.when == Date(timeIntervalSince1970: -0.75))
        let signed = try MessagePackDecoder().decode(
            [String: [Int64]].self,
            from: MessagePackValue.map([
                (key: "ints", value: .array(ints.filter { if case .uint = $0 { false } else { true } }))
            ]).encoded()
        )
        #expect(signed["ints"]?.last == .min)
    }
}
