//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// A set of logical CPUs, named by their operating-system numbers.
///
/// A `CPUSet` is a bitset of the numbers Linux gives its processing units (hardware threads, hwloc's "PUs"): the
/// numbers that `taskset -c`, `/proc/self/status` (`Cpus_allowed_list`) and `/sys/devices/system/cpu/cpuN` use. It
/// holds any number of CPUs up to ``indexLimit``, compares and hashes by content, and prints itself in the Linux
/// list syntax, such as `0-3,8,10-11`. It encodes (`Codable`) as that same string.
///
/// ```swift
/// var cpus = CPUSet(0..<4)
/// cpus.insert(8)
/// print(cpus)                                  // 0-3,8
/// let node = try CPUSet(parsing: "2-5")
/// print(cpus.intersection(node))               // 2-3
/// for cpu in cpus { print(cpu) }               // 0 1 2 3 8
/// ```
public struct CPUSet: Sendable, Hashable {
    /// Bit `i % 64` of word `i / 64` is set when CPU `i` is in the set; the last word, if any, is non-zero.
    private var words: [UInt64]

    /// One more than the largest CPU number a set may hold: 1,048,576.
    ///
    /// Linux supports at most 8,192 CPUs; the limit keeps a malformed list such as `0-99999999999` from allocating
    /// without bound.
    public static let indexLimit = 1 << 20

    /// Creates an empty set.
    ///
    /// ```swift
    /// let none = CPUSet()
    /// print(none.isEmpty)                          // true
    /// ```
    public init() {
        self.words = []
    }

    /// Creates a set of the given CPU numbers.
    ///
    /// ```swift
    /// let cpus = CPUSet([3, 1, 2])
    /// print(cpus)                                  // 1-3
    /// ```
    ///
    /// - Parameter cpus: CPU numbers, each in `0..<CPUSet.indexLimit`; duplicates are ignored.
    /// - Precondition: every number is in `0..<CPUSet.indexLimit`.
    public init<S: Sequence>(_ cpus: S) where S.Element: BinaryInteger {
        self.init()
        for cpu in cpus {
            precondition(cpu >= 0 && cpu < CPUSet.indexLimit, "CPU number \(cpu) is outside 0..<\(CPUSet.indexLimit)")
            self.insert(Int(cpu))
        }
    }

    /// Creates a set of the CPUs in a range.
    ///
    /// ```swift
    /// print(CPUSet(0..<4))                         // 0-3
    /// ```
    ///
    /// - Parameter range: CPU numbers, within `0..<CPUSet.indexLimit`.
    /// - Precondition: the range is within `0..<CPUSet.indexLimit`.
    public init(_ range: Range<Int>) {
        self.init()
        self.insert(contentsOf: range)
    }

    /// Creates a set of the CPUs in a closed range.
    ///
    /// ```swift
    /// print(CPUSet(4...7))                         // 4-7
    /// ```
    ///
    /// - Parameter range: CPU numbers, within `0..<CPUSet.indexLimit`.
    /// - Precondition: the range is within `0..<CPUSet.indexLimit`.
    public init(_ range: ClosedRange<Int>) {
        self.init(range.lowerBound..<(range.upperBound + 1))
    }

    /// Whether the set holds no CPU.
    public var isEmpty: Bool { words.isEmpty }

    /// The number of CPUs in the set.
    public var count: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// The smallest CPU number in the set, or `nil` when it is empty.
    public var first: Int? {
        guard let index = words.firstIndex(where: { $0 != 0 }) else { return nil }
        return index * 64 + words[index].trailingZeroBitCount
    }

    /// The largest CPU number in the set, or `nil` when it is empty.
    public var last: Int? {
        guard let word = words.last else { return nil }
        return (words.count - 1) * 64 + 63 - word.leadingZeroBitCount
    }

    /// Whether `cpu` is in the set.
    ///
    /// ```swift
    /// print(CPUSet(0..<4).contains(2))             // true
    /// ```
    public func contains(_ cpu: Int) -> Bool {
        guard cpu >= 0 else { return false }
        let (word, bit) = cpu.quotientAndRemainder(dividingBy: 64)
        return word < words.count && words[word] & (1 << UInt64(bit)) != 0
    }

    /// Adds `cpu` to the set.
    ///
    /// - Parameter cpu: A CPU number in `0..<CPUSet.indexLimit`.
    /// - Returns: `true` when the CPU was not in the set before.
    /// - Precondition: `cpu` is in `0..<CPUSet.indexLimit`.
    @discardableResult
    public mutating func insert(_ cpu: Int) -> Bool {
        precondition(cpu >= 0 && cpu < CPUSet.indexLimit, "CPU number \(cpu) is outside 0..<\(CPUSet.indexLimit)")
        let (word, bit) = cpu.quotientAndRemainder(dividingBy: 64)
        if word >= words.count {
            words.append(contentsOf: repeatElement(0, count: word - words.count + 1))
        }
        let mask: UInt64 = 1 << UInt64(bit)
        let added = words[word] & mask == 0
        words[word] |= mask
        return added
    }

    /// Adds every CPU of `range` to the set.
    ///
    /// - Precondition: the range is within `0..<CPUSet.indexLimit`.
    public mutating func insert(contentsOf range: Range<Int>) {
        guard !range.isEmpty else { return }
        precondition(
            range.lowerBound >= 0 && range.upperBound <= CPUSet.indexLimit,
            "CPU range \(range) is outside 0..<\(CPUSet.indexLimit)"
        )
        for cpu in range {
            insert(cpu)
        }
    }

    /// Removes `cpu` from the set.
    ///
    /// - Returns: `true` when the CPU was in the set.
    @discardableResult
    public mutating func remove(_ cpu: Int) -> Bool {
        guard contains(cpu) else { return false }
        let (word, bit) = cpu.quotientAndRemainder(dividingBy: 64)
        words[word] &= ~(1 << UInt64(bit))
        trim()
        return true
    }

    /// The CPUs in this set, in `other`, or in both.
    ///
    /// ```swift
    /// print(CPUSet(0...1).union(CPUSet(4...5)))    // 0-1,4-5
    /// ```
    public func union(_ other: CPUSet) -> CPUSet {
        var result = self
        result.formUnion(other)
        return result
    }

    /// Adds the CPUs of `other` to this set.
    public mutating func formUnion(_ other: CPUSet) {
        if other.words.count > words.count {
            words.append(contentsOf: repeatElement(0, count: other.words.count - words.count))
        }
        for index in other.words.indices {
            words[index] |= other.words[index]
        }
    }

    /// The CPUs that are in both this set and `other`.
    ///
    /// ```swift
    /// print(CPUSet(0...3).intersection(CPUSet(2...5)))   // 2-3
    /// ```
    public func intersection(_ other: CPUSet) -> CPUSet {
        var result = self
        result.formIntersection(other)
        return result
    }

    /// Keeps only the CPUs that are also in `other`.
    public mutating func formIntersection(_ other: CPUSet) {
        words.removeLast(Swift.max(0, words.count - other.words.count))
        for index in words.indices {
            words[index] &= other.words[index]
        }
        trim()
    }

    /// The CPUs of this set that are not in `other`.
    ///
    /// ```swift
    /// print(CPUSet(0...3).subtracting(CPUSet([1])))      // 0,2-3
    /// ```
    public func subtracting(_ other: CPUSet) -> CPUSet {
        var result = self
        for index in result.words.indices where index < other.words.count {
            result.words[index] &= ~other.words[index]
        }
        result.trim()
        return result
    }

    /// Whether every CPU of this set is also in `other`.
    public func isSubset(of other: CPUSet) -> Bool {
        subtracting(other).isEmpty
    }

    /// Whether this set and `other` have no CPU in common.
    public func isDisjoint(with other: CPUSet) -> Bool {
        intersection(other).isEmpty
    }

    /// Drops trailing zero words, so that equal sets have equal storage.
    private mutating func trim() {
        while let last = words.last, last == 0 {
            words.removeLast()
        }
    }
}

extension CPUSet: Sequence {
    /// Iterates over the CPU numbers of a ``CPUSet`` in increasing order.
    public struct Iterator: IteratorProtocol, Sendable {
        private let words: [UInt64]
        private var wordIndex = 0
        private var remaining: UInt64

        fileprivate init(words: [UInt64]) {
            self.words = words
            self.remaining = words.first ?? 0
        }

        /// The next CPU number, or `nil` after the last one.
        public mutating func next() -> Int? {
            while remaining == 0 {
                wordIndex += 1
                guard wordIndex < words.count else { return nil }
                remaining = words[wordIndex]
            }
            let bit = remaining.trailingZeroBitCount
            remaining &= remaining - 1
            return wordIndex * 64 + bit
        }
    }

    /// Returns an iterator over the CPU numbers in increasing order.
    public func makeIterator() -> Iterator {
        Iterator(words: words)
    }

    /// The number of CPUs in the set.
    public var underestimatedCount: Int { count }
}

extension CPUSet: ExpressibleByArrayLiteral {
    /// Creates a set from a list of CPU numbers: `let cpus: CPUSet = [0, 2]`.
    public init(arrayLiteral cpus: Int...) {
        self.init(cpus)
    }
}
