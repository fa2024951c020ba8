//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Encodes the `--json` output of the package's commands: pretty-printed, keys sorted, slashes not escaped, as
/// ``JSONValue/prettyPrinted`` writes it.
///
/// It takes what those outputs are made of (structs, arrays, dictionaries, optionals, strings, booleans, integers
/// and floating-point numbers) and needs nothing beyond the standard library. As with `JSONEncoder`, an optional
/// property that is `nil` is left out of its object, while a `nil` element of an array is `null`.
///
///     struct Entry: Encodable { var name: String; var cpus: String? }
///     print(try JSONOutputEncoder().encode([Entry(name: "a/b", cpus: nil)]))
///     // [
///     //   {
///     //     "name" : "a/b"
///     //   }
///     // ]
package struct JSONOutputEncoder: Sendable {
    package init() {}

    /// The JSON text of `value`.
    ///
    /// - Throws: `EncodingError.invalidValue` for a number JSON cannot spell (an infinity, a NaN), and whatever the
    ///   value's `encode(to:)` throws.
    package func encode<Value: Encodable>(_ value: Value) throws -> String {
        try JSONTreeEncoder.value(of: value, at: []).prettyPrinted
    }
}

/// The `Encoder` behind ``JSONOutputEncoder``: each value gets one, and its containers fill a ``JSONNode`` in place.
private final class JSONTreeEncoder: Encoder {
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    /// What the value has encoded so far; `nil` until it asks for a container.
    var node: JSONNode?

    init(codingPath: [any CodingKey]) {
        self.codingPath = codingPath
    }

    /// The JSON of `value`, encoded at `codingPath`: a number or string as it is, anything else through its
    /// `encode(to:)`. A value that encodes nothing is an empty object, as with `JSONEncoder`.
    static func value<Value: Encodable>(of value: Value, at codingPath: [any CodingKey]) throws -> JSONValue {
        if let leaf = try leaf(value, at: codingPath) { return leaf }
        let encoder = JSONTreeEncoder(codingPath: codingPath)
        try value.encode(to: encoder)
        return encoder.node?.value ?? .object([:])
    }

    private static func leaf<Value: Encodable>(_ value: Value, at codingPath: [any CodingKey]) throws -> JSONValue? {
        switch value {
        case let string as String: return .string(string)
        case let bool as Bool: return .bool(bool)
        case let integer as any FixedWidthInteger: return .number(String(describing: integer))
        case let double as Double: return try number(double, at: codingPath)
        case let float as Float: return try number(float, at: codingPath)
        default: return nil
        }
    }

    /// `JSONEncoder`'s spelling: the shortest text that reads back as the same number, without a trailing `.0`.
    private static func number<Number: BinaryFloatingPoint & CustomStringConvertible>(
        _ value: Number,
        at codingPath: [any CodingKey]
    ) throws -> JSONValue {
        guard value.isFinite else {
            throw EncodingError.invalidValue(
                value,
                EncodingError.Context(codingPath: codingPath, debugDescription: "\(value) is not a JSON number")
            )
        }
        let spelling = value.description
        return .number(spelling.hasSuffix(".0") ? String(spelling.dropLast(2)) : spelling)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(JSONKeyedContainer<Key>(object: object(), codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        JSONUnkeyedContainer(array: array(), codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        JSONSingleValueContainer(encoder: self)
    }

    /// The object this value encodes into; asked for twice, the same one.
    private func object() -> JSONObjectBox {
        if case .object(let box) = node { return box }
        let box = JSONObjectBox()
        node = .object(box)
        return box
    }

    private func array() -> JSONArrayBox {
        if case .array(let box) = node { return box }
        let box = JSONArrayBox()
        node = .array(box)
        return box
    }
}

/// A value under construction: containers stay open while nested values fill them.
private enum JSONNode {
    case value(JSONValue)
    case object(JSONObjectBox)
    case array(JSONArrayBox)
    /// A value encoded through an encoder handed out by `superEncoder()`: read when the document is finished.
    case encoder(JSONTreeEncoder)

    var value: JSONValue {
        switch self {
        case .value(let value): value
        case .object(let box): .object(box.members.mapValues(\.value))
        case .array(let box): .array(box.elements.map(\.value))
        case .encoder(let encoder): encoder.node?.value ?? .object([:])
        }
    }
}

private final class JSONObjectBox {
    var members: [String: JSONNode] = [:]
}

private final class JSONArrayBox {
    var elements: [JSONNode] = []
}

private struct JSONKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let object: JSONObjectBox
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws {
        object.members[key.stringValue] = .value(.null)
    }

    mutating func encode<Value: Encodable>(_ value: Value, forKey key: Key) throws {
        object.members[key.stringValue] = .value(try JSONTreeEncoder.value(of: value, at: codingPath + [key]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type,
        forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let nested = JSONObjectBox()
        object.members[key.stringValue] = .object(nested)
        return KeyedEncodingContainer(JSONKeyedContainer<NestedKey>(object: nested, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = JSONArrayBox()
        object.members[key.stringValue] = .array(nested)
        return JSONUnkeyedContainer(array: nested, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder {
        superEncoder(named: JSONKey(stringValue: "super"))
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        superEncoder(named: key)
    }

    private mutating func superEncoder(named key: any CodingKey) -> any Encoder {
        let encoder = JSONTreeEncoder(codingPath: codingPath + [key])
        object.members[key.stringValue] = .encoder(encoder)
        return encoder
    }
}

private struct JSONUnkeyedContainer: UnkeyedEncodingContainer {
    let array: JSONArrayBox
    let codingPath: [any CodingKey]
    var count: Int { array.elements.count }

    private var nextKey: JSONKey { JSONKey(intValue: count) }

    mutating func encodeNil() throws {
        array.elements.append(.value(.null))
    }

    mutating func encode<Value: Encodable>(_ value: Value) throws {
        array.elements.append(.value(try JSONTreeEncoder.value(of: value, at: codingPath + [nextKey])))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type
    ) -> KeyedEncodingContainer<NestedKey> {
        let nested = JSONObjectBox()
        let path = codingPath + [nextKey]
        array.elements.append(.object(nested))
        return KeyedEncodingContainer(JSONKeyedContainer<NestedKey>(object: nested, codingPath: path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = JSONArrayBox()
        let path = codingPath + [nextKey]
        array.elements.append(.array(nested))
        return JSONUnkeyedContainer(array: nested, codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        let encoder = JSONTreeEncoder(codingPath: codingPath + [nextKey])
        array.elements.append(.encoder(encoder))
        return encoder
    }
}

private struct JSONSingleValueContainer: SingleValueEncodingContainer {
    let encoder: JSONTreeEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }

    mutating func encodeNil() throws {
        encoder.node = .value(.null)
    }

    mutating func encode<Value: Encodable>(_ value: Value) throws {
        encoder.node = .value(try JSONTreeEncoder.value(of: value, at: codingPath))
    }
}

/// The keys the encoder makes up: `super`, and the positions in an array.
private struct JSONKey: CodingKey {
    let stringValue: String
    let intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = nil
    }

    init(intValue: Int) {
        self.stringValue = "Index \(intValue)"
        self.intValue = intValue
    }
}
