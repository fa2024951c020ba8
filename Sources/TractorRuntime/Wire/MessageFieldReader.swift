//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// The field reader under `Message.decode(from:)` (WireCodec.swift): one message's fields, in the order of the layout
// written there, each failure a `malformedData` error naming the message and the field.

/// Reads the fields of one message; every failure becomes `malformedData` naming the message and the field.
struct MessageFieldReader {
    var reader: MessagePackReader
    /// The message being read, once its tag is known.
    var tag: Message.Tag?

    /// Names the message for error messages, such as `message start (tag 2)`; made only when an error needs it.
    var context: String {
        guard let tag else {
            return "a message"
        }
        return "message \(tag) (tag \(tag.rawValue))"
    }

    mutating func field<V>(
        _ name: @autoclosure () -> String,
        _ body: (inout MessagePackReader) throws(TractorError) -> V
    ) throws(TractorError) -> V {
        let start = reader.offset
        do {
            return try body(&reader)
        } catch {
            throw TractorError(
                .malformedData,
                "\(context), field \(name()) at offset \(start): \(error.message)",
                cause: error
            )
        }
    }

    mutating func integer<T: FixedWidthInteger>(_ name: @autoclosure () -> String, as: T.Type) throws(TractorError) -> T
    {
        try field(name()) { (reader) throws(TractorError) in try reader.readInteger(T.self) }
    }

    mutating func string(_ name: @autoclosure () -> String) throws(TractorError) -> String {
        try field(name()) { (reader) throws(TractorError) in try reader.readString() }
    }

    mutating func bytes(_ name: @autoclosure () -> String) throws(TractorError) -> [UInt8] {
        try field(name()) { (reader) throws(TractorError) in [UInt8](try reader.readBinary()) }
    }

    mutating func nilIfPresent(_ name: @autoclosure () -> String) throws(TractorError) -> Bool {
        try field(name()) { (reader) throws(TractorError) in try reader.readNilIfPresent() }
    }

    /// Reads an array header that must announce exactly `count` elements.
    mutating func array(_ name: @autoclosure () -> String, count expected: Int) throws(TractorError) {
        let start = reader.offset
        let count = try field(name()) { (reader) throws(TractorError) in try reader.readArrayCount() }
        guard count == expected else {
            throw TractorError(
                .malformedData,
                "\(context), field \(name()) at offset \(start): \(count) elements; expected \(expected)"
            )
        }
    }

    /// Reads an array of any length, each element with `element`.
    mutating func list<E>(
        _ name: @autoclosure () -> String,
        _ element: (inout MessageFieldReader) throws(TractorError) -> E
    ) throws(TractorError) -> [E] {
        let count = try field(name()) { (reader) throws(TractorError) in try reader.readArrayCount() }
        var elements: [E] = []
        elements.reserveCapacity(MessagePackFormat.reservation(for: count))
        for _ in 0..<count {
            elements.append(try element(&self))
        }
        return elements
    }

    mutating func actor(_ name: @autoclosure () -> String) throws(TractorError) -> ActorID {
        try array(name(), count: 3)
        return ActorID(
            name: try string("\(name()).name"),
            uid: try string("\(name()).uid"),
            pid: try integer("\(name()).pid", as: Int32.self)
        )
    }

    mutating func errorInfo(_ name: @autoclosure () -> String, depth: Int) throws(TractorError) -> RemoteErrorInfo {
        guard depth < Message.maximumErrorNesting else {
            throw TractorError(
                .malformedData,
                "\(context): errors nest more than \(Message.maximumErrorNesting) deep at offset \(reader.offset)"
            )
        }
        try array(name(), count: 9)
        let source = try actor("\(name()).source")
        let typeName = try string("\(name()).typeName")
        let message = try string("\(name()).message")
        let backtrace = try nilIfPresent("\(name()).backtrace") ? nil : try string("\(name()).backtrace")
        let job = try nilIfPresent("\(name()).job") ? nil : try string("\(name()).job")
        let code = try nilIfPresent("\(name()).code") ? nil : try string("\(name()).code")
        let relayPath = try list("\(name()).relayPath") { (fields) throws(TractorError) in
            try fields.actor("\(name()).relayPath")
        }
        let nested = try list("\(name()).nested") { (fields) throws(TractorError) in
            try fields.errorInfo("\(name()).nested", depth: depth + 1)
        }
        let payload = try nilIfPresent("\(name()).value") ? nil : try bytes("\(name()).value")
        return RemoteErrorInfo(
            source: source,
            typeName: typeName,
            message: message,
            backtrace: backtrace,
            job: job,
            code: code,
            relayPath: relayPath,
            nested: nested,
            payload: payload
        )
    }
}
