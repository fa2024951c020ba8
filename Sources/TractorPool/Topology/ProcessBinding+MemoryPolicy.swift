//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension ProcessBinding {
    /// A Linux NUMA memory policy: where the kernel takes a thread's new pages from.
    ///
    /// A struct with static members rather than an enum, so that new policies are not a breaking change. It encodes
    /// as its name.
    ///
    /// ```swift
    /// if try ProcessBinding.current().memoryPolicy == .bind {
    ///     print("memory is bound")
    /// }
    /// ```
    public struct MemoryPolicy: Sendable, Hashable, Codable, CustomStringConvertible {
        /// The policy's name.
        private let name: String

        init(name: String) {
            self.name = name
        }

        /// The policy of a Linux mode number (`MPOL_DEFAULT` 0 … `MPOL_PREFERRED_MANY` 5, from linux/mempolicy.h).
        init(mode: Int32) {
            switch mode {
            case 0: self = .default
            case 1: self = .preferred
            case 2: self = .bind
            case 3: self = .interleave
            case 4: self = .local
            case 5: self = .preferredMany
            default: self.init(name: "mode \(mode)")
            }
        }

        /// The system default: pages come from the node of the CPU that touches them first.
        public static var `default`: Self { .init(name: "default") }
        /// Pages come only from the policy's nodes (`MPOL_BIND`).
        public static var bind: Self { .init(name: "bind") }
        /// Pages come from the policy's node when it has free memory, from others otherwise (`MPOL_PREFERRED`).
        public static var preferred: Self { .init(name: "preferred") }
        /// Pages come from several preferred nodes (`MPOL_PREFERRED_MANY`).
        public static var preferredMany: Self { .init(name: "preferredMany") }
        /// Pages are spread round-robin over the policy's nodes (`MPOL_INTERLEAVE`).
        public static var interleave: Self { .init(name: "interleave") }
        /// Pages come from the node of the CPU that allocates them (`MPOL_LOCAL`).
        public static var local: Self { .init(name: "local") }

        /// The policy's name, such as `bind`.
        public var description: String { name }

        /// Decodes a policy from its name.
        public init(from decoder: any Decoder) throws {
            self.name = try decoder.singleValueContainer().decode(String.self)
        }

        /// Encodes the policy as its name.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(name)
        }
    }
}
