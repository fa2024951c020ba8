//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension Topology {
    /// A CPU cache: its level, kind, size and the CPUs that share it.
    ///
    /// ```swift
    /// for cache in try Topology.current().caches where cache.kind != .instruction {
    ///     print("\(cache.name): \(cache.sizeBytes / 1024) KiB shared by CPUs \(cache.cpus)")
    /// }
    /// ```
    public struct Cache: Sendable, Hashable, Codable {
        /// The level: 1 for L1, 2 for L2, and so on.
        public var level: Int
        /// What the cache holds: data, instructions, or both.
        public var kind: Kind
        /// The capacity in bytes; 0 when unknown.
        public var sizeBytes: UInt64
        /// The size of a cache line in bytes; 0 when unknown.
        public var lineSizeBytes: Int
        /// The allowed CPUs sharing the cache.
        public var cpus: CPUSet

        /// Creates a cache.
        ///
        /// - Parameters:
        ///   - level: 1 for L1, 2 for L2, and so on.
        ///   - kind: Data, instruction or unified.
        ///   - sizeBytes: The capacity in bytes, 0 when unknown.
        ///   - lineSizeBytes: The line size in bytes, 0 when unknown.
        ///   - cpus: The CPUs sharing it.
        public init(level: Int, kind: Kind = .unified, sizeBytes: UInt64, lineSizeBytes: Int = 0, cpus: CPUSet) {
            self.level = level
            self.kind = kind
            self.sizeBytes = sizeBytes
            self.lineSizeBytes = lineSizeBytes
            self.cpus = cpus
        }

        /// The name `lscpu` uses: `L1d`, `L1i`, `L2`, `L3`, ….
        public var name: String { "L\(level)\(kind.suffix)" }
    }
}

extension Topology.Cache {
    /// What a cache holds: ``data``, ``instruction``, or both (``unified``).
    ///
    /// A struct with static members rather than an enum, so that new kinds are not a breaking change. It encodes as
    /// its name.
    ///
    /// ```swift
    /// let dataCaches = try Topology.current().caches.filter { $0.kind == .data }
    /// ```
    public struct Kind: Sendable, Hashable, Codable, CustomStringConvertible {
        private let name: String

        private init(_ name: String) {
            self.name = name
        }

        /// A cache of both data and instructions.
        public static var unified: Self { .init("unified") }
        /// A data cache, such as an L1d.
        public static var data: Self { .init("data") }
        /// An instruction cache, such as an L1i.
        public static var instruction: Self { .init("instruction") }

        /// `unified`, `data` or `instruction`.
        public var description: String { name }

        /// The letter `lscpu` appends to the level: `d`, `i`, or nothing.
        var suffix: String {
            switch self {
            case .data: "d"
            case .instruction: "i"
            default: ""
            }
        }

        /// Decodes a kind from its name.
        ///
        /// - Throws: `DecodingError.dataCorrupted` for a name other than `unified`, `data` and `instruction`.
        public init(from decoder: any Decoder) throws {
            let name = try decoder.singleValueContainer().decode(String.self)
            guard let kind = [Self.unified, .data, .instruction].first(where: { $0.name == name }) else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: decoder.codingPath, debugDescription: "unknown cache kind \"\(name)\"")
                )
            }
            self = kind
        }

        /// Encodes the kind as its name.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(name)
        }
    }
}
