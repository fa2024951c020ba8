//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

internal import FoundationEssentials

/// The `Encoder` that ``MessagePackEncoder`` hands to `encode(to:)`.
///
/// All containers write into one ``MessagePackWriter``. An array or map is opened with a one-byte placeholder header
/// and recorded on ``open``; when it is closed (its value's `encode(to:)` returned, or its parent was written to
/// again) the header is rewritten with the element count, widened if the count needs it. Values from
/// `superEncoder()` are encoded separately and spliced in when their container closes.
final class MessagePackEncoderImpl: Encoder {
    /// A container that may still receive elements.
    struct OpenContainer {
        var id: Int
        var headerOffset: Int
        var count: Int
        var isMap: Bool
        var splices: [(offset: Int, encoder: MessagePackEncoderImpl)]
    }

    let writer: MessagePackWriter
    // The encoder is used by one thread at a time and never hands out these properties by reference, so the
    // run-time exclusivity checks on them (a large share of the cost of a small struct) are switched off.
    @exclusivity(unchecked) var codingPath: [any CodingKey]
    let sendableUserInfo: [CodingUserInfoKey: any Sendable]
    var userInfo: [CodingUserInfoKey: Any] { sendableUserInfo }

    /// The open containers, outermost first.
    @exclusivity(unchecked) var open: [OpenContainer] = []
    @exclusivity(unchecked) private var nextContainerID = 0
    /// Where the value being encoded starts, and how many containers were open when it started.
    @exclusivity(unchecked) private var valueStart = 0
    @exclusivity(unchecked) private var valueBase = 0
    /// A misuse noticed where nothing can throw (asking for a container); thrown by ``finish()``.
    var deferredError: TractorError?

    init(writer: MessagePackWriter, codingPath: [any CodingKey], userInfo: [CodingUserInfoKey: any Sendable]) {
        self.writer = writer
        self.codingPath = codingPath
        self.sendableUserInfo = userInfo
        self.valueStart = writer.count
    }

    // MARK: Encoder

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let (slot, id) = containerForCurrentValue(isMap: true)
        return KeyedEncodingContainer(
            MessagePackKeyedEncodingContainer(encoder: self, slot: slot, id: id, codingPath: codingPath)
        )
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let (slot, id) = containerForCurrentValue(isMap: false)
        return MessagePackUnkeyedEncodingContainer(encoder: self, slot: slot, id: id, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        MessagePackSingleValueEncodingContainer(
            encoder: self,
            start: valueStart,
            base: valueBase,
            codingPath: codingPath
        )
    }

    /// The container of the value being encoded: the one it already opened, or a new one.
    private func containerForCurrentValue(isMap: Bool) -> (slot: Int, id: Int) {
        if open.count > valueBase, open[valueBase].headerOffset == valueStart {
            if open[valueBase].isMap == isMap {
                return (valueBase, open[valueBase].id)
            }
        } else if open.count == valueBase, writer.count == valueStart {
            return openContainer(isMap: isMap)
        }
        deferredError =
            deferredError
            ?? TractorError(
                .encodingFailed,
                "a value at \(Self.render(codingPath)) asked for a \(isMap ? "keyed" : "unkeyed") container "
                    + "after it had already written something else"
            )
        return (-1, -1)
    }

    /// Writes a placeholder header and records a new container.
    func openContainer(isMap: Bool) -> (slot: Int, id: Int) {
        nextContainerID &+= 1
        open.append(OpenContainer(id: nextContainerID, headerOffset: writer.count, count: 0, isMap: isMap, splices: []))
        writer.writeByte(isMap ? MessagePackFormat.fixmap : MessagePackFormat.fixarray)
        return (open.count - 1, nextContainerID)
    }

    // MARK: Container bookkeeping

    /// Makes `slot` the innermost open container before an element is written to it; closes the ones inside it.
    @inline(__always)
    func beginElement(slot: Int, id: Int) throws(TractorError) {
        if slot != open.count &- 1 || open[slot].id != id {
            try beginElementSlowPath(slot: slot, id: id)
        }
    }

    private func beginElementSlowPath(slot: Int, id: Int) throws(TractorError) {
        guard slot >= 0, slot < open.count, open[slot].id == id else {
            if let deferredError {
                throw deferredError
            }
            throw TractorError(
                .encodingFailed,
                "a container at \(Self.render(codingPath)) was written to after a container opened later had "
                    + "been used; this encoder writes containers in the order they are used"
            )
        }
        try close(downTo: slot + 1)
    }

    @inline(__always)
    func endElement(slot: Int) {
        open[slot].count &+= 1
    }

    /// Records a value from `superEncoder()` to splice in at the current end when `slot` closes.
    func addSplice(slot: Int, encoder: MessagePackEncoderImpl) {
        open[slot].splices.append((writer.count, encoder))
    }

    /// Closes every container at index `depth` and above, innermost first.
    func close(downTo depth: Int) throws(TractorError) {
        while open.count > depth {
            let container = open.removeLast()
            for splice in container.splices.reversed() {
                try splice.encoder.finish()
                splice.encoder.writer.withUnsafeBytes { writer.insert($0, at: splice.offset) }
            }
            try writeHeader(of: container)
        }
    }

    private func writeHeader(of container: OpenContainer) throws(TractorError) {
        let offset = container.headerOffset
        let count = container.count
        if count < 16 {
            writer.setByte(writer.byte(at: offset) | UInt8(truncatingIfNeeded: count), at: offset)
        } else if count <= Int(UInt16.max) {
            writer.insertGap(at: offset + 1, count: 2)
            writer.setByte(container.isMap ? MessagePackFormat.map16 : MessagePackFormat.array16, at: offset)
            writer.setBigEndian(UInt16(truncatingIfNeeded: count), at: offset + 1)
        } else {
            let what = container.isMap ? "a map" : "an array"
            let count32 = try MessagePackWriter.length32(count, of: what)
            writer.insertGap(at: offset + 1, count: 4)
            writer.setByte(container.isMap ? MessagePackFormat.map32 : MessagePackFormat.array32, at: offset)
            writer.setBigEndian(count32, at: offset + 1)
        }
    }

    /// Closes everything still open and reports a deferred misuse. An encoder that wrote nothing writes an empty map.
    func finish() throws(TractorError) {
        try close(downTo: 0)
        if let deferredError {
            throw deferredError
        }
        if writer.count == 0 {
            writer.writeByte(MessagePackFormat.fixmap)
        }
    }

    // MARK: Values

    /// Encodes one complete value: a recognised type directly, anything else through its `encode(to:)`.
    func encodeValue<T: Encodable>(_ value: T) throws {
        if let kind = MessagePackDirectType.of(T.self) {
            try encodeDirectly(value, as: kind)
            return
        }
        try encodeThroughConformance(value)
    }

    private func encodeThroughConformance<T: Encodable>(_ value: T) throws {
        let savedStart = valueStart
        let savedBase = valueBase
        valueStart = writer.count
        valueBase = open.count
        defer {
            valueStart = savedStart
            valueBase = savedBase
        }
        try value.encode(to: self)
        try close(downTo: valueBase)
        if writer.count == valueStart {
            writer.writeByte(MessagePackFormat.fixmap)
        }
    }

    /// Encodes `value` at key or index `key` of the current coding path.
    @inline(__always)
    func encodeValue<T: Encodable>(_ value: T, at key: @autoclosure () -> any CodingKey) throws {
        if let kind = MessagePackDirectType.of(T.self) {
            try encodeDirectly(value, as: kind)
            return
        }
        codingPath.append(key())
        defer { codingPath.removeLast() }
        try encodeThroughConformance(value)
    }

    /// Writes the types this format represents natively, and the arrays it writes in bulk.
    @inline(__always)
    private func encodeDirectly<T: Encodable>(_ value: T, as kind: MessagePackDirectType) throws {
        if try Self.writeScalar(value, as: kind, to: writer) { return }
        switch kind {
        case .intArray: try writer.writeIntArray(identityCast(value, to: [Int].self))
        case .byteArray: try writer.writeBinary(identityCast(value, to: [UInt8].self))
        case .stringArray: try writer.writeStringArray(identityCast(value, to: [String].self))
        case .doubleArray: try writer.writeDoubleArray(identityCast(value, to: [Double].self))
        case .data: try identityCast(value, to: Data.self).withUnsafeBytes { raw in try writer.writeBinary(raw) }
        case .date: try writer.writeDate(identityCast(value, to: Date.self))
        case .value: try identityCast(value, to: MessagePackValue.self).write(to: writer)
        default: preconditionFailure("\(kind) is written by writeScalar")
        }
    }

    /// Writes `value` when `kind` is a number, a Bool or a String, in its smallest form; returns `false` (and writes
    /// nothing) for the other kinds.
    @inline(__always)
    static func writeScalar<T>(_ value: T, as kind: MessagePackDirectType, to sink: some MessagePackSink) throws(TractorError) -> Bool {
        switch kind {
        case .string: try sink.writeString(identityCast(value, to: String.self))
        case .int: sink.writeInt(Int64(identityCast(value, to: Int.self)))
        case .double: sink.writeDouble(identityCast(value, to: Double.self))
        case .bool: sink.writeBool(identityCast(value, to: Bool.self))
        case .float: sink.writeFloat(identityCast(value, to: Float.self))
        case .int8: sink.writeInt(Int64(identityCast(value, to: Int8.self)))
        case .int16: sink.writeInt(Int64(identityCast(value, to: Int16.self)))
        case .int32: sink.writeInt(Int64(identityCast(value, to: Int32.self)))
        case .int64: sink.writeInt(identityCast(value, to: Int64.self))
        case .uint: sink.writeUInt(UInt64(identityCast(value, to: UInt.self)))
        case .uint8: sink.writeUInt(UInt64(identityCast(value, to: UInt8.self)))
        case .uint16: sink.writeUInt(UInt64(identityCast(value, to: UInt16.self)))
        case .uint32: sink.writeUInt(UInt64(identityCast(value, to: UInt32.self)))
        case .uint64: sink.writeUInt(identityCast(value, to: UInt64.self))
        case .intArray, .byteArray, .stringArray, .doubleArray, .data, .date, .value: return false
        }
        return true
    }

    /// A coding path as `a.b[2].c`, for error messages.
    static func render(_ path: [any CodingKey]) -> String {
        guard !path.isEmpty else {
            return "the top level"
        }
        var text = ""
        for key in path {
            if let index = key.intValue, key.stringValue == "Index \(index)" {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return text
    }
}

/// The key of an element of an unkeyed container, or of the `super` value.
struct MessagePackIndexKey: CodingKey {
    let intValue: Int?
    private let name: String?

    /// `"Index 3"` for an element, as other coders name them; made only when asked for.
    var stringValue: String { name ?? "Index \(intValue ?? 0)" }

    init(index: Int) {
        self.intValue = index
        self.name = nil
    }

    init?(stringValue: String) {
        self.intValue = nil
        self.name = stringValue
    }

    init?(intValue: Int) {
        self.init(index: intValue)
    }

    static let superKey = MessagePackIndexKey(stringValue: "super")!
}
