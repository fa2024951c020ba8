//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
@_spi(Benchmarks) import TractorRuntime
import TractorTestSupport

/// The fuzz target's own checks (`Sources/tractor-fuzz/FuzzChecks.swift`), run by every `swift test` over a seeded
/// corpus: random bytes, and valid MessagePack values, wire messages and frame streams with random mutations (bytes
/// replaced, flipped, inserted, removed, cut short, spliced together). Built without the fuzzer, `tractor-fuzz`
/// replays the files it is given through exactly those checks (every decoder returns a value or throws a
/// `TractorError`; what decodes survives a round trip; frames above the maximum are refused) and stops with
/// `fatalError` at the first violation. `make fuzz` runs the same checks under libFuzzer for as long as asked.
@Suite(.timeLimit(.minutes(3)))
struct FuzzTargetTests {
    static let seed: UInt64 = 0x6675_7a7a_6564

    @Test func theFuzzTargetsChecksHoldOverASeededCorpusOfRandomAndMutatedInputs() async throws {
        let executable = ProcessInspection.buildDirectory + "/tractor-fuzz"
        try #require(
            FileManager.default.isExecutableFile(atPath: executable),
            "tractor-fuzz is not built at \(executable); run `swift build --build-tests` first"
        )
        let corpus = try Self.corpus(count: 3_000)
        // The corpus reaches past the decoders' first byte: many inputs decode, as values, messages and frames.
        let decodedValues = corpus.filter { (try? MessagePackValue(decoding: $0)) != nil }.count
        let decodedMessages = corpus.filter { (try? Message.decode(from: $0)) != nil }.count
        let framed = corpus.filter(Self.holdsACompleteFrame).count
        #expect(decodedValues >= 300, "\(decodedValues) of \(corpus.count) inputs decode as MessagePackValue")
        #expect(decodedMessages >= 100, "\(decodedMessages) of \(corpus.count) inputs decode as a Message")
        #expect(framed >= 200, "\(framed) of \(corpus.count) inputs hold a complete frame")

        let directory = ProcessInspection.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var paths: [String] = []
        for (index, input) in corpus.enumerated() {
            let path = directory + "/input-\(index)"
            try Data(input).write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        // One run of the program at a time in this process, like the other tests that start processes, and it must
        // leave nothing behind. Foundation opens a socket pair of its own the first time it starts a process, and
        // keeps it: start one before the count.
        _ = try await Self.run("/bin/true", [], in: directory)
        let (result, leaked) = try await ProcessInspection.leakCheck(children: "tractor-fuzz") {
            for start in stride(from: 0, to: paths.count, by: 500) {
                let batch = Array(paths[start..<min(start + 500, paths.count)])
                let (status, output) = try await Self.run(executable, batch, in: directory)
                let replayed = output.split(separator: "\n").filter { $0.hasPrefix("ok: ") }.count
                let failed = replayed < batch.count ? batch[replayed] : "none"
                #expect(
                    status == 0 && replayed == batch.count,
                    """
                    tractor-fuzz ended with status \(status) after \(replayed) of \(batch.count) inputs; the input \
                    that failed: \(failed) (seed \(Self.seed)); its output:
                    \(output.suffix(2_000))
                    """
                )
                if status != 0 { break }
            }
        }
        try result.get()
        #expect(leaked == nil, "\(leaked ?? "")")
    }

    /// `count` inputs drawn from a generator seeded with ``seed``: a quarter random bytes, the rest mutations of
    /// valid encodings.
    static func corpus(count: Int) throws -> [[UInt8]] {
        var random = SplitMix64(seed: seed)
        let encoder = MessagePackEncoder()
        var valid: [[UInt8]] = try MessagePackBadInputTests.validEncodings()
        valid.append(try encoder.encode(MessagePackBadInputTests.record))
        for message in WireCodecTests.everyMessage {
            var bytes: [UInt8] = []
            try message.encode(into: &bytes)
            valid.append(bytes)
        }
        var frames: [UInt8] = []
        for message in WireCodecTests.everyMessage {
            try message.encodeFrame(into: &frames)
        }
        valid.append(frames)
        for message in WireCodecTests.everyMessage.prefix(8) {
            var frame: [UInt8] = []
            try message.encodeFrame(into: &frame)
            valid.append(frame)
        }

        var inputs: [[UInt8]] = valid
        while inputs.count < count {
            if Int.random(in: 0..<4, using: &random) == 0 {
                let length = Int.random(in: 0..<64, using: &random)
                inputs.append((0..<length).map { _ in UInt8.random(in: 0...255, using: &random) })
                continue
            }
            var bytes = valid[Int.random(in: 0..<valid.count, using: &random)]
            for _ in 0..<Int.random(in: 0...3, using: &random) {
                mutate(&bytes, splicingFrom: valid, using: &random)
            }
            inputs.append(bytes)
        }
        return inputs
    }

    /// One random mutation, of the kinds a fuzzer makes.
    static func mutate(_ bytes: inout [UInt8], splicingFrom others: [[UInt8]], using random: inout SplitMix64) {
        let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
        switch Int.random(in: 0..<6, using: &random) {
        case 0 where !bytes.isEmpty:
            bytes[position] = UInt8.random(in: 0...255, using: &random)
        case 1 where !bytes.isEmpty:
            bytes[position] ^= 1 << UInt8.random(in: 0..<8, using: &random)
        case 2:
            bytes.insert(UInt8.random(in: 0...255, using: &random), at: position)
        case 3 where !bytes.isEmpty:
            bytes.remove(at: position)
        case 4:
            bytes = Array(bytes.prefix(position))
        default:
            let other = others[Int.random(in: 0..<others.count, using: &random)]
            let cut = Int.random(in: 0...other.count, using: &random)
            bytes = Array(bytes.prefix(position)) + other[cut...]
        }
    }

    /// Whether a frame decoder (with the fuzz target's 4 KiB maximum) gets at least one whole frame out of `bytes`.
    static func holdsACompleteFrame(_ bytes: [UInt8]) -> Bool {
        var decoder = FrameDecoder(maximumFrameSize: 4_096)
        decoder.append(bytes[...])
        return ((try? decoder.nextFrame()) ?? nil) != nil
    }

    /// Runs `executable` with `arguments`, its output in a file; returns its status (128 + the signal when a signal
    /// ended it) and its output and error output.
    static func run(_ executable: String, _ arguments: [String], in directory: String) async throws -> (Int32, String) {
        let outputPath = directory + "/output-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        defer { try? output.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        let (ended, ending) = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in
            ending.yield()
            ending.finish()
        }
        try process.run()
        for await _ in ended {}
        let status = process.terminationReason == .uncaughtSignal
            ? 128 + process.terminationStatus : process.terminationStatus
        return (status, (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "")
    }
}
