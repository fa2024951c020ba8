//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

@_spi(Benchmarks) import TractorRuntime

/// The checks one fuzzer input goes through: every decoder of the wire layer must either decode it or throw a
/// ``TractorError``, and whatever decodes must encode back to something that decodes to the same value.
///
/// A violated property stops the process with `fatalError`, which the fuzzer reports as a crash and saves the
/// input that caused it.
enum FuzzChecks {
    /// A small struct, decoded the Codable way.
    struct Sample: Codable, Equatable {
        var name: String
        var values: [Int]
        var flag: Bool?
        var child: [String: Double]
    }

    static func run(_ bytes: UnsafeRawBufferPointer) {
        checkDynamicValue(bytes)
        checkMessage(bytes)
        checkCodable(bytes)
        checkFrames(bytes)
    }

    static func checkDynamicValue(_ bytes: UnsafeRawBufferPointer) {
        guard let value = decodeOrNil({ () throws(TractorError) in try MessagePackValue(decoding: bytes) }) else {
            return
        }
        do {
            let again = try MessagePackValue(decoding: value.encoded())
            require(again == value, "MessagePackValue changed after a round trip: \(value) → \(again)")
        } catch {
            fatalError("a decoded MessagePackValue did not round-trip: \(error)")
        }
    }

    static func checkMessage(_ bytes: UnsafeRawBufferPointer) {
        guard let message = decodeOrNil({ () throws(TractorError) in try Message.decode(from: bytes) }) else {
            return
        }
        do {
            var encoded: [UInt8] = []
            try message.encode(into: &encoded)
            let again = try Message.decode(from: encoded)
            require(again == message, "Message changed after a round trip: \(message) → \(again)")
        } catch {
            fatalError("a decoded Message did not round-trip: \(error)")
        }
    }

    static func checkCodable(_ bytes: UnsafeRawBufferPointer) {
        let decoder = MessagePackDecoder()
        expectOnlyTractorErrors { _ = try decoder.decode([Int].self, from: bytes) }
        expectOnlyTractorErrors { _ = try decoder.decode([String: MessagePackValue].self, from: bytes) }
        expectOnlyTractorErrors {
            let sample = try decoder.decode(Sample.self, from: bytes)
            let again = try decoder.decode(Sample.self, from: MessagePackEncoder().encode(sample))
            require(again == sample || sample.child.values.contains { $0.isNaN }, "Sample changed: \(sample)")
        }
    }

    /// Splits the input into chunks at sizes taken from the input itself, and decodes frames with a small maximum.
    static func checkFrames(_ bytes: UnsafeRawBufferPointer) {
        var decoder = FrameDecoder(maximumFrameSize: 4_096)
        var offset = 0
        var chunk = 1
        while offset < bytes.count {
            let end = min(bytes.count, offset + chunk)
            chunk = Int(bytes[offset] % 16) + 1
            decoder.append(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]))
            offset = end
            do {
                while let frame = try decoder.nextFrame() {
                    require(frame.count <= 4_096, "a frame above the maximum size came out")
                    _ = try? Message.decode(from: frame)
                }
            } catch {
                require(error.code == .frameTooLarge, "the frame decoder threw \(error)")
                return
            }
        }
    }

    static func decodeOrNil<T>(_ body: () throws(TractorError) -> T) -> T? {
        do {
            return try body()
        } catch {
            return nil
        }
    }

    static func expectOnlyTractorErrors(_ body: () throws -> Void) {
        do {
            try body()
        } catch is TractorError {
            return
        } catch {
            fatalError("a decoder threw something other than a TractorError: \(error)")
        }
    }

    static func require(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition {
            fatalError(message())
        }
    }
}

/// The entry point libFuzzer calls for each input.
@_cdecl("LLVMFuzzerTestOneInput")
public func tractorFuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzChecks.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
