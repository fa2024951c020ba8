//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// One message of the wire protocol: the closed set of things two actors say to each other.
///
/// Every frame on a channel carries exactly one `Message`. Only this file knows the byte layout (see
/// ``encode(into:)`` and `decode(from:)`); everything else works with these values. Job inputs, outputs
/// and stream elements travel as `payload` bytes, themselves MessagePack-encoded by the job's typed codec, so the
/// protocol never depends on user types.
///
/// The conversation is: `hello` both ways, then `spawnSpec` from parent to a new child; then any number of calls,
/// each identified by a call id (`cid`) chosen by the caller: `start` → (`started`) → `yield`/`credit`/`stop`…
/// → `return` or `error`; `cancel`/`cancelAck` for one call (`cid`) or the whole actor (`cid == nil`). A `batch` is a
/// call of many inputs of one call job, answered by one `batchReturn` (or `error`, or `cancelAck`).
package enum Message: Sendable, Hashable {
    /// Handshake, sent first by each side of a new connection.
    case hello(Hello)
    /// Parent → new child: what the child is allowed and asked to do.
    case spawnSpec(SpawnSpec)
    /// Begins a job in the receiving actor.
    case start(Start)
    /// A context job opened: its first value.
    case started(cid: UInt64, payload: [UInt8])
    /// One stream element, in either direction of a stream or context.
    case yield(cid: UInt64, payload: [UInt8])
    /// The receiver of a stream grants the sender `count` more `yield`s.
    case credit(cid: UInt64, count: UInt32)
    /// The sender ends its direction of a stream.
    case stop(cid: UInt64)
    /// A job's result; ends the call.
    case `return`(cid: UInt64, payload: [UInt8])
    /// A job's failure (`cid` set) or the actor's failure (`cid == nil`); ends the call or the actor.
    case error(cid: UInt64?, RemoteErrorInfo)
    /// Asks the receiver to cancel one call (`cid` set) or everything it runs (`cid == nil`).
    case cancel(cid: UInt64?)
    /// Acknowledges a `cancel`: the call (or actor) has stopped.
    case cancelAck(cid: UInt64?)
    /// Runs many inputs of one call job in the receiving actor, one after another.
    case batch(Batch)
    /// The results of a `batch`, one per input; ends the call.
    case batchReturn(cid: UInt64, BatchResults)
}

/// The version of the wire protocol this build speaks; sent in ``Hello``. Peers with another version are refused.
///
/// Version 2 added `batch` and `batchReturn`; version 3 added an error's encoded value (the last field of `info`).
package let tractorWireVersion: UInt32 = 3

// MARK: - Byte layout

// Every message is one MessagePack array: a small-integer tag, then the fields in declaration order. Nested
// structs are arrays of their fields, optionals are nil when absent, payloads and cookies are binary data:
//
//   hello      [0, actor, version, cookie]           actor   = [name, uid, pid]
//   spawnSpec  [1, [job], binding?, registry?, logLevel, teardown, parent]
//                                                    binding = [[cpu], memoryNode?], teardown = [cancelMs, terminateMs]
//   start      [2, cid, job, kind, payload]          kind    = 0 call, 1 stream, 2 context
//   started    [3, cid, payload]
//   yield      [4, cid, payload]
//   credit     [5, cid, count]
//   stop       [6, cid]
//   return     [7, cid, payload]
//   error      [8, cid?, info]                        info    = [source, typeName, message, backtrace?, job?,
//                                                                code?, [relay actor], [nested info], value?]
//                                                    value   = bin: the error encoded by its declared type
//   cancel     [9, cid?]
//   cancelAck  [10, cid?]
//   batch        [11, cid, job, inputs]                inputs  = bin: one array of the encoded inputs
//   batchReturn  [12, cid, elapsedNs, outputs, [[index, info]]]
//                                                    outputs = bin: one array of the encoded outputs of the
//                                                              inputs that succeeded, in input order; each failed
//                                                              input by its index, with its error as in `error`

extension Message {
    /// The tag that starts each message's array on the wire.
    enum Tag: UInt8 {
        case hello = 0
        case spawnSpec, start, started, yield, credit, stop, `return`, error, cancel, cancelAck, batch, batchReturn
    }

    /// How deeply ``RemoteErrorInfo/nested`` errors may nest in a decoded message.
    static let maximumErrorNesting = 32

    /// The case's name, for error messages.
    var kindName: String { "\(tag)" }

    private var tag: Tag {
        switch self {
        case .hello: .hello
        case .spawnSpec: .spawnSpec
        case .start: .start
        case .started: .started
        case .yield: .yield
        case .credit: .credit
        case .stop: .stop
        case .return: .return
        case .error: .error
        case .cancel: .cancel
        case .cancelAck: .cancelAck
        case .batch: .batch
        case .batchReturn: .batchReturn
        }
    }

    /// Appends this message's MessagePack bytes to `buffer`.
    ///
    /// ```swift
    /// var buffer: [UInt8] = []
    /// try Message.credit(cid: 7, count: 16).encode(into: &buffer)   // [0x93, 0x05, 0x07, 0x10]
    /// ```
    ///
    /// - Throws: `encodingFailed` when a string, payload or list is longer than 2^32 - 1; `buffer` then holds
    ///   what it held before.
    package func encode(into buffer: inout [UInt8]) throws(TractorError) {
        let start = buffer.count
        do {
            try ByteArraySink.withSink(appendingTo: &buffer) { (sink) throws(TractorError) in try write(to: sink) }
        } catch {
            buffer.removeSubrange(start...)
            throw error
        }
    }

    /// Appends a complete frame holding this message to `buffer`: the 4-byte length, then the message.
    ///
    /// The message is written in place after a reserved length, so nothing is copied.
    ///
    /// ```swift
    /// var output: [UInt8] = []
    /// try Message.stop(cid: 3).encodeFrame(into: &output)   // [0, 0, 0, 3, 0x92, 0x06, 0x03]
    /// ```
    ///
    /// - Parameters:
    ///   - buffer: The buffer to append to; on error it holds what it held before.
    ///   - maximumFrameSize: The largest message accepted, in bytes. 64 MiB by default.
    /// - Throws: `frameTooLarge` when the message is longer than `maximumFrameSize`; otherwise as
    ///   ``encode(into:)``.
    package func encodeFrame(
        into buffer: inout [UInt8],
        maximumFrameSize: Int = FrameDecoder.defaultMaximumFrameSize
    ) throws(TractorError) {
        do {
            try FrameEncoder(maximumFrameSize: maximumFrameSize).encodeFrame(into: &buffer) { body in
                try encode(into: &body)
            }
        } catch let error as TractorError {
            throw error
        } catch {
            throw TractorError(.encodingFailed, "could not frame \(tag) message: \(error)", cause: error)
        }
    }

    /// Appends the frame of `.yield(cid: cid, payload: payload)` to `buffer`, byte for byte what
    /// ``encodeFrame(into:maximumFrameSize:)`` writes for it, without making the message: the path every stream
    /// element takes.
    ///
    /// - Throws: `frameTooLarge` when the message would be longer than `maximumFrameSize`; `buffer` is then unchanged.
    static func encodeYieldFrame(
        cid: UInt64,
        payload: UnsafeRawBufferPointer,
        into buffer: inout [UInt8],
        maximumFrameSize: Int = FrameDecoder.defaultMaximumFrameSize
    ) throws(TractorError) {
        // [fixarray(3), tag, cid, bin payload]
        let cidSize = cid < 0x80 ? 1 : cid <= 0xff ? 2 : cid <= 0xffff ? 3 : cid <= 0xffff_ffff ? 5 : 9
        let binHeaderSize = payload.count <= 0xff ? 2 : payload.count <= 0xffff ? 3 : 5
        let length = 2 + cidSize + binHeaderSize + payload.count
        guard length <= maximumFrameSize, payload.count <= Int(UInt32.max) else {
            throw TractorError(
                .frameTooLarge,
                "a frame of \(length) bytes exceeds the maximum frame size of \(maximumFrameSize) bytes"
            )
        }
        buffer.reserveCapacity(buffer.count + 4 + length)
        appendBigEndian(UInt32(truncatingIfNeeded: length), to: &buffer)
        buffer.append(MessagePackFormat.fixarray | 3)
        buffer.append(Tag.yield.rawValue)
        switch cidSize {
        case 1:
            buffer.append(UInt8(truncatingIfNeeded: cid))
        case 2:
            buffer.append(MessagePackFormat.uint8)
            buffer.append(UInt8(truncatingIfNeeded: cid))
        case 3:
            buffer.append(MessagePackFormat.uint16)
            appendBigEndian(UInt16(truncatingIfNeeded: cid), to: &buffer)
        case 5:
            buffer.append(MessagePackFormat.uint32)
            appendBigEndian(UInt32(truncatingIfNeeded: cid), to: &buffer)
        default:
            buffer.append(MessagePackFormat.uint64)
            appendBigEndian(cid, to: &buffer)
        }
        switch binHeaderSize {
        case 2:
            buffer.append(MessagePackFormat.bin8)
            buffer.append(UInt8(truncatingIfNeeded: payload.count))
        case 3:
            buffer.append(MessagePackFormat.bin16)
            appendBigEndian(UInt16(truncatingIfNeeded: payload.count), to: &buffer)
        default:
            buffer.append(MessagePackFormat.bin32)
            appendBigEndian(UInt32(truncatingIfNeeded: payload.count), to: &buffer)
        }
        buffer.append(contentsOf: payload)
    }

    /// Recognises a frame holding a `yield` and returns its call id and where its payload lies in `frame`, without
    /// making a message. Returns `nil` for anything else, including every malformed frame: the full decoder then
    /// takes it and names the fault.
    static func peekYield(_ frame: UnsafeRawBufferPointer) -> (cid: UInt64, payload: Range<Int>)? {
        var reader = MessagePackReader(frame)
        guard (try? reader.readArrayCount()) == 3, (try? reader.readInteger(UInt8.self)) == Tag.yield.rawValue,
            let cid = try? reader.readInteger(UInt64.self), let payload = try? reader.readBinary(), reader.isAtEnd
        else {
            return nil
        }
        return (cid, (frame.count - payload.count)..<frame.count)
    }

    @inline(__always)
    private static func appendBigEndian<T: FixedWidthInteger>(_ value: T, to buffer: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { buffer.append(contentsOf: $0) }
    }

    private func write(to sink: ByteArraySink) throws(TractorError) {
        switch self {
        case .hello(let hello):
            try sink.writeArrayHeader(count: 4)
            sink.writeUInt(UInt64(tag.rawValue))
            try Self.write(hello.actor, to: sink)
            sink.writeUInt(UInt64(hello.version))
            try sink.writeBinary(hello.cookie)
        case .spawnSpec(let spec):
            try sink.writeArrayHeader(count: 7)
            sink.writeUInt(UInt64(tag.rawValue))
            try sink.writeArrayHeader(count: spec.jobs.count)
            for job in spec.jobs {
                try sink.writeString(job)
            }
            if let binding = spec.binding {
                try sink.writeArrayHeader(count: 2)
                try sink.writeArrayHeader(count: binding.cpus.count)
                for cpu in binding.cpus {
                    sink.writeUInt(UInt64(cpu))
                }
                Self.writeOptional(binding.memoryNode.map(Int64.init), to: sink)
            } else {
                sink.writeNil()
            }
            try Self.writeOptional(spec.registryAddress, to: sink)
            try sink.writeString(spec.logLevel)
            try sink.writeArrayHeader(count: 2)
            sink.writeUInt(UInt64(spec.teardown.cancelGraceMilliseconds))
            sink.writeUInt(UInt64(spec.teardown.terminateGraceMilliseconds))
            try Self.write(spec.parent, to: sink)
        case .start(let start):
            try sink.writeArrayHeader(count: 5)
            sink.writeUInt(UInt64(tag.rawValue))
            sink.writeUInt(start.cid)
            try sink.writeString(start.job)
            sink.writeUInt(UInt64(start.kind.rawValue))
            try sink.writeBinary(start.payload)
        case .started(let cid, let payload), .yield(let cid, let payload), .return(let cid, let payload):
            try sink.writeArrayHeader(count: 3)
            sink.writeUInt(UInt64(tag.rawValue))
            sink.writeUInt(cid)
            try sink.writeBinary(payload)
        case .credit(let cid, let count):
            try sink.writeArrayHeader(count: 3)
            sink.writeUInt(UInt64(tag.rawValue))
            sink.writeUInt(cid)
            sink.writeUInt(UInt64(count))
        case .stop(let cid):
            try sink.writeArrayHeader(count: 2)
            sink.writeUInt(UInt64(tag.rawValue))
            sink.writeUInt(cid)
        case .error(let cid, let info):
            try sink.writeArrayHeader(count: 3)
            sink.writeUInt(UInt64(tag.rawValue))
            Self.writeOptional(cid, to: sink)
            try Self.write(info, to: sink)
        case .cancel(let cid), .cancelAck(let cid):
            try sink.writeArrayHeader(count: 2)
            sink.writeUInt(UInt64(tag.rawValue))
            Self.writeOptional(cid, to: sink)
        case .batch(let batch):
            try sink.writeArrayHeader(count: 4)
            sink.writeUInt(UInt64(tag.rawValue))
            sink.writeUInt(batch.cid)
            try sink.writeString(batch.job)
            try sink.writeBinary(batch.inputs)
        case .batchReturn(let cid, let results):
            try sink.writeArrayHeader(count: 5)
            sink.writeUInt(UInt64(tag.rawValue))
            sink.writeUInt(cid)
            sink.writeUInt(results.elapsedNanoseconds)
            try sink.writeBinary(results.outputs)
            try sink.writeArrayHeader(count: results.failures.count)
            for failure in results.failures {
                try sink.writeArrayHeader(count: 2)
                sink.writeUInt(UInt64(failure.index))
                try Self.write(failure.error, to: sink)
            }
        }
    }

    private static func write(_ actor: ActorID, to sink: ByteArraySink) throws(TractorError) {
        try sink.writeArrayHeader(count: 3)
        try sink.writeString(actor.name)
        try sink.writeString(actor.uid)
        sink.writeInt(Int64(actor.pid))
    }

    private static func write(_ info: RemoteErrorInfo, to sink: ByteArraySink) throws(TractorError) {
        try sink.writeArrayHeader(count: 9)
        try write(info.source, to: sink)
        try sink.writeString(info.typeName)
        try sink.writeString(info.message)
        try writeOptional(info.backtrace, to: sink)
        try writeOptional(info.job, to: sink)
        try writeOptional(info.code, to: sink)
        try sink.writeArrayHeader(count: info.relayPath.count)
        for actor in info.relayPath {
            try write(actor, to: sink)
        }
        try sink.writeArrayHeader(count: info.nested.count)
        for nested in info.nested {
            try write(nested, to: sink)
        }
        if let payload = info.payload { try sink.writeBinary(payload) } else { sink.writeNil() }
    }

    private static func writeOptional(_ value: UInt64?, to sink: ByteArraySink) {
        if let value { sink.writeUInt(value) } else { sink.writeNil() }
    }

    private static func writeOptional(_ value: Int64?, to sink: ByteArraySink) {
        if let value { sink.writeInt(value) } else { sink.writeNil() }
    }

    private static func writeOptional(_ value: String?, to sink: ByteArraySink) throws(TractorError) {
        if let value { try sink.writeString(value) } else { sink.writeNil() }
    }
}

// MARK: - Decoding

extension Message {
    /// Decodes one message that fills `bytes` exactly (the payload of one frame).
    ///
    /// ```swift
    /// let message = try Message.decode(from: [0x93, 0x05, 0x07, 0x10])   // .credit(cid: 7, count: 16)
    /// ```
    ///
    /// - Throws: `malformedData` for anything that is not exactly one message of this protocol: invalid or
    ///   truncated MessagePack, an unknown tag, a field of the wrong type, the wrong number of fields, or bytes
    ///   after the message. The message says which message and field, and at which offset; the reader's own error
    ///   is the `cause`.
    package static func decode(from bytes: [UInt8]) throws(TractorError) -> Message {
        try bytes.withUnsafeBytes { raw in Result { () throws(TractorError) in try decode(from: raw) } }.get()
    }

    /// Decodes one message that fills `bytes` exactly; see `decode(from:)`.
    package static func decode(from bytes: ArraySlice<UInt8>) throws(TractorError) -> Message {
        try bytes.withUnsafeBytes { raw in Result { () throws(TractorError) in try decode(from: raw) } }.get()
    }

    /// Decodes one message that fills `bytes` exactly; see `decode(from:)`.
    package static func decode(from bytes: UnsafeRawBufferPointer) throws(TractorError) -> Message {
        var fields = MessageFieldReader(reader: MessagePackReader(bytes))
        let count = try fields.field("header") { (reader) throws(TractorError) in try reader.readArrayCount() }
        guard count >= 1 else {
            throw TractorError(.malformedData, "a message is an array [tag, fields...], but this array is empty")
        }
        let rawTag = try fields.field("tag") { (reader) throws(TractorError) in try reader.readInteger(UInt64.self) }
        guard let tag = Tag(rawValue: UInt8(truncatingIfNeeded: rawTag)), rawTag <= UInt64(UInt8.max) else {
            throw TractorError(.malformedData, "unknown message tag \(rawTag)")
        }
        fields.tag = tag
        let expected = tag.fieldCount + 1
        guard count == expected else {
            throw TractorError(.malformedData, "\(fields.context) has \(count) elements; expected \(expected)")
        }
        let message = try decodeFields(of: tag, from: &fields)
        guard fields.reader.isAtEnd else {
            throw TractorError(
                .malformedData,
                "\(fields.context) ends at offset \(fields.reader.offset) but \(fields.reader.remaining) bytes follow"
            )
        }
        return message
    }

    private static func decodeFields(of tag: Tag, from fields: inout MessageFieldReader) throws(TractorError) -> Message
    {
        switch tag {
        case .hello:
            let actor = try fields.actor("actor")
            let version = try fields.integer("version", as: UInt32.self)
            return .hello(Hello(actor: actor, version: version, cookie: try fields.bytes("cookie")))
        case .spawnSpec:
            let jobs = try fields.list("jobs") { (fields) throws(TractorError) in try fields.string("jobs") }
            var binding: BindingSpec?
            if try !fields.nilIfPresent("binding") {
                try fields.array("binding", count: 2)
                let cpus = try fields.list("binding.cpus") { (fields) throws(TractorError) in
                    try fields.integer("binding.cpus", as: UInt32.self)
                }
                let node =
                    try fields.nilIfPresent("memoryNode") ? nil : try fields.integer("memoryNode", as: Int32.self)
                binding = BindingSpec(cpus: cpus, memoryNode: node)
            }
            let registry = try fields.nilIfPresent("registryAddress") ? nil : try fields.string("registryAddress")
            let logLevel = try fields.string("logLevel")
            try fields.array("teardown", count: 2)
            let teardown = TeardownSpec(
                cancelGraceMilliseconds: try fields.integer("teardown.cancelGrace", as: UInt32.self),
                terminateGraceMilliseconds: try fields.integer("teardown.terminateGrace", as: UInt32.self)
            )
            let spec = SpawnSpec(
                jobs: jobs,
                binding: binding,
                registryAddress: registry,
                logLevel: logLevel,
                teardown: teardown,
                parent: try fields.actor("parent")
            )
            return .spawnSpec(spec)
        case .start:
            let cid = try fields.integer("cid", as: UInt64.self)
            let job = try fields.string("job")
            let rawKind = try fields.integer("kind", as: UInt8.self)
            guard let kind = CallKind(rawValue: rawKind) else {
                throw TractorError(.malformedData, "\(fields.context): unknown call kind \(rawKind)")
            }
            return .start(Start(cid: cid, job: job, kind: kind, payload: try fields.bytes("payload")))
        case .started:
            return .started(cid: try fields.integer("cid", as: UInt64.self), payload: try fields.bytes("payload"))
        case .yield:
            return .yield(cid: try fields.integer("cid", as: UInt64.self), payload: try fields.bytes("payload"))
        case .credit:
            return .credit(
                cid: try fields.integer("cid", as: UInt64.self),
                count: try fields.integer("count", as: UInt32.self)
            )
        case .stop:
            return .stop(cid: try fields.integer("cid", as: UInt64.self))
        case .return:
            return .return(cid: try fields.integer("cid", as: UInt64.self), payload: try fields.bytes("payload"))
        case .error:
            let cid = try fields.nilIfPresent("cid") ? nil : try fields.integer("cid", as: UInt64.self)
            return .error(cid: cid, try fields.errorInfo("error", depth: 0))
        case .cancel:
            return .cancel(cid: try fields.nilIfPresent("cid") ? nil : try fields.integer("cid", as: UInt64.self))
        case .cancelAck:
            return .cancelAck(cid: try fields.nilIfPresent("cid") ? nil : try fields.integer("cid", as: UInt64.self))
        case .batch:
            let cid = try fields.integer("cid", as: UInt64.self)
            let job = try fields.string("job")
            return .batch(Batch(cid: cid, job: job, inputs: try fields.bytes("inputs")))
        case .batchReturn:
            let cid = try fields.integer("cid", as: UInt64.self)
            let elapsed = try fields.integer("elapsedNs", as: UInt64.self)
            let outputs = try fields.bytes("outputs")
            let failures = try fields.list("failures") { (fields) throws(TractorError) in
                try fields.array("failures", count: 2)
                let index = try fields.integer("failures.index", as: UInt32.self)
                return BatchFailure(index: index, error: try fields.errorInfo("failures.error", depth: 0))
            }
            return .batchReturn(
                cid: cid,
                BatchResults(elapsedNanoseconds: elapsed, outputs: outputs, failures: failures)
            )
        }
    }
}

extension Message.Tag {
    /// The number of fields after the tag.
    fileprivate var fieldCount: Int {
        switch self {
        case .hello: 3
        case .spawnSpec: 6
        case .start, .batchReturn: 4
        case .batch: 3
        case .started, .yield, .credit, .return, .error: 2
        case .stop, .cancel, .cancelAck: 1
        }
    }
}
