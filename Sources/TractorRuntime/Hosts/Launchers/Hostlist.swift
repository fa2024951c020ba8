//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Slurm's compressed host lists (`SLURM_JOB_NODELIST`), expanded here without asking Slurm.
///
/// A list is names separated by commas; a name may hold bracketed ranges, `node[01-03,07]`, whose numbers keep the
/// width of their first bound (`[08-10]` gives `08`, `09`, `10`; `[8-10]` gives `8`, `9`, `10`). A name with several
/// bracketed groups, `rack[1-2]-n[1-3]`, expands to every combination, the last group varying fastest, as
/// `scontrol show hostnames` prints them.
///
/// ```swift
/// let nodes = try Hostlist.expand("node[01-03,07],gpu5")   // ["node01", "node02", "node03", "node07", "gpu5"]
/// ```
public enum Hostlist {
    /// The most names one list may expand to: 1,048,576 (a guard against `n[0-99999999999]`).
    public static let maximumCount = 1 << 20

    /// The names `list` stands for, in order, duplicates kept.
    ///
    /// ```swift
    /// let nodes = try Hostlist.expand(sys_getenv("SLURM_JOB_NODELIST") ?? "")
    /// ```
    ///
    /// - Parameter list: A Slurm host list, as `SLURM_JOB_NODELIST` holds it.
    /// - Returns: The names; empty for an empty list.
    /// - Throws: ``HostlistError`` `.unbalancedBracket`, `.invalidRange` (a bound that is not a number, or a range
    ///   that runs backwards), `.emptyName` (two commas in a row) or `.tooManyHosts` (past ``maximumCount``).
    public static func expand(_ list: String) throws(HostlistError) -> [String] {
        let characters = Array(list.unicodeScalars)
        var names: [String] = []
        var start = 0
        var depth = 0
        for (offset, character) in characters.enumerated() {
            switch character {
            case "[":
                guard depth == 0 else {
                    throw HostlistError(.unbalancedBracket, "a '[' inside brackets", list: list, offset: offset)
                }
                depth = 1
            case "]":
                guard depth == 1 else {
                    throw HostlistError(.unbalancedBracket, "a ']' without its '['", list: list, offset: offset)
                }
                depth = 0
            case "," where depth == 0:
                try expandName(characters[start..<offset], list: list, offset: start, into: &names)
                start = offset + 1
            default:
                break
            }
        }
        guard depth == 0 else {
            throw HostlistError(.unbalancedBracket, "a '[' that is never closed", list: list, offset: characters.count)
        }
        if start < characters.count || start > 0 {
            try expandName(characters[start...], list: list, offset: start, into: &names)
        }
        return names
    }

    /// Appends the names one comma-separated item stands for.
    private static func expandName(
        _ item: ArraySlice<Unicode.Scalar>, list: String, offset: Int, into names: inout [String]
    ) throws(HostlistError) {
        let trimmed = item.drop { $0.properties.isWhitespace }.reversed().drop { $0.properties.isWhitespace }.reversed()
        guard !trimmed.isEmpty else {
            throw HostlistError(.emptyName, "an empty name between two commas", list: list, offset: offset)
        }
        // The item as literal parts and bracketed groups: ["rack", ["1", "2"], "-n", ["1", "2", "3"]].
        var expansions = [""]
        var text = Array(trimmed)[...]
        var position = offset + (item.count - item.drop { $0.properties.isWhitespace }.count)
        while !text.isEmpty {
            if text.first == "[" {
                guard let close = text.firstIndex(of: "]") else {
                    throw HostlistError(.unbalancedBracket, "a '[' that is never closed", list: list, offset: position)
                }
                let choices = try expandRanges(text[(text.startIndex + 1)..<close], list: list, offset: position + 1)
                let count = expansions.count.multipliedReportingOverflow(by: choices.count)
                guard !count.overflow, names.count + count.partialValue <= maximumCount else {
                    throw HostlistError(
                        .tooManyHosts, "more than \(maximumCount) names", list: list, offset: position
                    )
                }
                expansions = expansions.flatMap { prefix in choices.map { prefix + $0 } }
                position += close - text.startIndex + 1
                text = text[(close + 1)...]
            } else {
                let end = text.firstIndex(of: "[") ?? text.endIndex
                let literal = String(String.UnicodeScalarView(text[..<end]))
                expansions = expansions.map { $0 + literal }
                position += end - text.startIndex
                text = text[end...]
            }
        }
        names.append(contentsOf: expansions)
    }

    /// The strings of a bracket's body, `01-03,07`: each range in order, zero-padded to its first bound's width.
    private static func expandRanges(
        _ body: ArraySlice<Unicode.Scalar>, list: String, offset: Int
    ) throws(HostlistError) -> [String] {
        var strings: [String] = []
        var position = offset
        for range in body.split(separator: ",", omittingEmptySubsequences: false) {
            defer { position += range.count + 1 }
            let bounds = range.split(separator: "-", omittingEmptySubsequences: false)
            guard bounds.count <= 2, let low = number(bounds[0]), let high = bounds.count == 2 ? number(bounds[1]) : low
            else {
                throw HostlistError(
                    .invalidRange, "'\(String(String.UnicodeScalarView(range)))' is not N or N-M", list: list,
                    offset: position
                )
            }
            guard low.value <= high.value else {
                throw HostlistError(.invalidRange, "the range runs backwards", list: list, offset: position)
            }
            guard strings.count + (high.value - low.value) < maximumCount else {
                throw HostlistError(.tooManyHosts, "more than \(maximumCount) names", list: list, offset: position)
            }
            for value in low.value...high.value {
                let digits = String(value)
                strings.append(String(repeating: "0", count: max(0, low.width - digits.count)) + digits)
            }
        }
        return strings
    }

    /// A bound: its value and its width in digits, or `nil` if it is not 1 to 18 decimal digits.
    private static func number(_ digits: ArraySlice<Unicode.Scalar>) -> (value: Int, width: Int)? {
        guard (1...18).contains(digits.count) else { return nil }
        var value = 0
        for digit in digits {
            guard ("0"..."9").contains(digit) else { return nil }
            value = value * 10 + Int(digit.value - 48)
        }
        return (value, digits.count)
    }
}

/// A host list that ``Hostlist/expand(_:)`` could not read.
///
/// ```swift
/// do { _ = try Hostlist.expand("node[3-1]") } catch { print(error.code, error.offset) }   // invalidRange 5
/// ```
public struct HostlistError: Error, Sendable, CustomStringConvertible {
    /// What is wrong.
    public var code: Code
    /// What is wrong, in words.
    public var message: String
    /// The list.
    public var list: String
    /// Where in the list (counted in Unicode scalars from 0) the fault was found.
    public var offset: Int
    /// Where the error was made.
    public var file: String
    public var line: Int

    /// An error of `code` at `offset` in `list`.
    public init(
        _ code: Code, _ message: String, list: String, offset: Int, file: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.list = list
        self.offset = offset
        self.file = file
        self.line = line
    }

    /// `HostlistError.invalidRange: the range runs backwards at offset 5 of 'node[3-1]'`.
    public var description: String {
        "HostlistError.\(code): \(message) at offset \(offset) of '\(list)'; a Slurm host list looks like "
            + "'node[01-03,07],gpu5'"
    }

    /// The kinds of fault, as static members so that more can be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Storage: String, Hashable, Sendable {
            case unbalancedBracket, invalidRange, emptyName, tooManyHosts
        }

        private let storage: Storage

        private init(_ storage: Storage) { self.storage = storage }

        /// A `[` never closed, a `]` never opened, or brackets inside brackets.
        public static var unbalancedBracket: Self { .init(.unbalancedBracket) }
        /// A bracket's range that is not `N` or `N-M` in decimal digits, or that runs backwards.
        public static var invalidRange: Self { .init(.invalidRange) }
        /// Nothing between two commas, or between a comma and an end of the list.
        public static var emptyName: Self { .init(.emptyName) }
        /// More names than ``Hostlist/maximumCount``.
        public static var tooManyHosts: Self { .init(.tooManyHosts) }

        public var description: String { storage.rawValue }
    }
}
