//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension RemoteActorError: Codable {
    private enum CodingKeys: String, CodingKey {
        case info
        case inputIndex
    }

    /// Decodes a remote error encoded by ``encode(to:)``.
    ///
    /// The conformance lets an error type hold its remote context in a stored property and still synthesize its own
    /// `Codable` conformance (see ``RemoteContextCarrying``).
    ///
    /// ```swift
    /// let copy = try JSONDecoder().decode(RemoteActorError.self, from: JSONEncoder().encode(error))
    /// ```
    ///
    /// - Throws: The decoder's error when the value is not a remote error.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            try container.decode(RemoteErrorInfo.self, forKey: .info),
            inputIndex: try container.decodeIfPresent(Int.self, forKey: .inputIndex)
        )
    }

    /// Encodes every field: the source, the type name, the message, the backtrace, the job, the code, the relay
    /// path, the nested errors, the encoded value and the input index.
    ///
    /// ```swift
    /// let json = try JSONEncoder().encode(error)
    /// ```
    ///
    /// - Throws: The encoder's error.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(info, forKey: .info)
        try container.encodeIfPresent(inputIndex, forKey: .inputIndex)
    }
}
