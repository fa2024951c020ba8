//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension CPUSet {
    /// Parses the Linux CPU list syntax: `0-3,8,10-11`.
    ///
    /// The syntax is the one of `/proc/PID/status` (`Cpus_allowed_list`), `/sys/devices/system/cpu/online`,
    /// cgroup `cpuset.cpus` files and `taskset -c`: comma-separated entries, each a CPU number `N`, a range `N-M`
    /// (both ends included, `N <= M`), or a range with a stride `N-M:S` (every `S`-th CPU from `N`). Surrounding
    /// white space (such as the newline at the end of a sysfs file) is ignored; an empty list is the empty set.
    ///
    /// ```swift
    /// let cpus = try CPUSet(parsing: "0-3,8,10-11")
    /// print(cpus.count)                            // 7
    /// print(try CPUSet(parsing: "0-7:2"))          // 0,2,4,6
    /// ```
    ///
    /// - Parameter list: The text to parse.
    /// - Throws: ``TractorError`` with code `.invalidArgument` when the text is not a CPU list, or names a CPU at or
    ///   above ``indexLimit``; the message quotes the offending entry.
    public init(parsing list: String) throws(TractorError) {
        self.init()
        let text = list.trimmingWhitespace()
        guard !text.isEmpty else { return }
        for entry in text.split(separator: ",", omittingEmptySubsequences: false) {
            let range = try CPUSet.parseEntry(entry, in: list)
            for cpu in stride(from: range.first, through: range.last, by: range.stride) {
                insert(cpu)
            }
        }
    }

    /// Parses one entry of a list: `N`, `N-M` or `N-M:S`.
    private static func parseEntry(
        _ entry: Substring,
        in list: String
    ) throws(TractorError) -> (first: Int, last: Int, stride: Int) {
        func failure(_ reason: String) -> TractorError {
            TractorError(
                .invalidArgument,
                "invalid CPU list \"\(list)\": entry \"\(entry)\" \(reason); expected a list such as \"0-3,8,10-11\""
            )
        }
        func number(_ digits: Substring) throws(TractorError) -> Int {
            guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
            else {
                throw failure(digits.isEmpty ? "is missing a number" : "has \"\(digits)\", which is not a CPU number")
            }
            guard let value = Int(digits), value < indexLimit else {
                throw failure("names a CPU at or above the limit of \(indexLimit)")
            }
            return value
        }

        let rangeAndStride = entry.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let bounds = rangeAndStride[0].split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        let first = try number(bounds[0])
        let last = bounds.count == 2 ? try number(bounds[1]) : first
        guard first <= last else {
            throw failure("is a range whose end comes before its start")
        }
        var stride = 1
        if rangeAndStride.count == 2 {
            guard bounds.count == 2 else {
                throw failure("has a stride but no range")
            }
            stride = try number(rangeAndStride[1])
            guard stride > 0 else {
                throw failure("has a stride of 0")
            }
        }
        return (first, last, stride)
    }

    /// The set in the Linux CPU list syntax, such as `0-3,8,10-11`; the empty set is the empty string.
    ///
    /// Runs of two or more consecutive CPUs print as ranges, as the kernel prints them. ``init(parsing:)`` reads
    /// the result back into an equal set.
    ///
    /// ```swift
    /// print(CPUSet([0, 1, 2, 3, 8]).listDescription)   // 0-3,8
    /// ```
    public var listDescription: String {
        var parts: [String] = []
        var runStart: Int?
        var previous = -2
        for cpu in self {
            if cpu != previous + 1 {
                if let start = runStart {
                    parts.append(CPUSet.describeRun(start, previous))
                }
                runStart = cpu
            }
            previous = cpu
        }
        if let start = runStart {
            parts.append(CPUSet.describeRun(start, previous))
        }
        return parts.joined(separator: ",")
    }

    private static func describeRun(_ start: Int, _ end: Int) -> String {
        start == end ? "\(start)" : "\(start)-\(end)"
    }
}

extension CPUSet: CustomStringConvertible {
    /// The set in the Linux CPU list syntax (``listDescription``), such as `0-3,8,10-11`.
    public var description: String { listDescription }
}

extension CPUSet: Codable {
    /// Decodes a set from its CPU list string, such as `"0-3,8"`.
    ///
    /// - Throws: `DecodingError.dataCorrupted` when the string is not a CPU list.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let list = try container.decode(String.self)
        do {
            self = try CPUSet(parsing: list)
        } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: error.message, underlyingError: error)
            )
        }
    }

    /// Encodes the set as its CPU list string, such as `"0-3,8"`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(listDescription)
    }
}

extension String {
    /// The string without leading and trailing white space (spaces, tabs, newlines).
    func trimmingWhitespace() -> Substring {
        guard let start = firstIndex(where: { !$0.isWhitespace }), let end = lastIndex(where: { !$0.isWhitespace })
        else {
            return ""
        }
        return self[start...end]
    }
}
