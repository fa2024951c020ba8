//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// A JSON document as the package's commands print it: what ``JSONOutputEncoder`` builds from an `Encodable` value.
///
///     let value = JSONValue.object(["name": .string("noop"), "workers": .array([.number("1"), .null])])
///     print(value.prettyPrinted)
package indirect enum JSONValue: Sendable, Hashable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number, already spelt as JSON spells it (`42`, `-1.5`).
    case number(String)
    /// A string, escaped when it is written.
    case string(String)
    /// An array, its elements in order.
    case array([JSONValue])
    /// An object, written with its keys sorted.
    case object([String: JSONValue])

    /// The document, pretty-printed: two spaces an indentation level, `"key" : value`, the keys of each object
    /// sorted by their UTF-8 bytes, every element and member on a line of its own, no newline at the end. Strings
    /// escape `"`, `\` and the control characters (`\n`, `\t`, `\u001b`, …) and nothing else: `/` and non-ASCII
    /// characters are written as they are.
    ///
    /// These are the rules of `JSONEncoder` with `[.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]`, so the
    /// text is the same byte for byte.
    package var prettyPrinted: String {
        var text = ""
        write(to: &text, level: 0)
        return text
    }

    private func write(to text: inout String, level: Int) {
        switch self {
        case .null:
            text += "null"
        case .bool(let value):
            text += value ? "true" : "false"
        case .number(let spelling):
            text += spelling
        case .string(let value):
            JSONValue.write(quoted: value, to: &text)
        case .array(let elements):
            text += "[\n"
            for (index, element) in elements.enumerated() {
                if index > 0 { text += ",\n" }
                JSONValue.indent(&text, level: level + 1)
                element.write(to: &text, level: level + 1)
            }
            text += "\n"
            JSONValue.indent(&text, level: level)
            text += "]"
        case .object(let members):
            text += "{\n"
            let sorted = members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            for (index, member) in sorted.enumerated() {
                if index > 0 { text += ",\n" }
                JSONValue.indent(&text, level: level + 1)
                JSONValue.write(quoted: member.key, to: &text)
                text += " : "
                member.value.write(to: &text, level: level + 1)
            }
            text += "\n"
            JSONValue.indent(&text, level: level)
            text += "}"
        }
    }

    private static func indent(_ text: inout String, level: Int) {
        text += String(repeating: "  ", count: level)
    }

    private static func write(quoted value: String, to text: inout String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\u{08}": text += "\\b"
            case "\u{0C}": text += "\\f"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case "\u{00}"..."\u{1F}":
                let digits = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
            default:
                text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}
