//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

@_spi(Benchmarks) import TractorRuntime

extension Topology {
    /// The topology as a host agent sends it to its head (``HostDescription/topology``): MessagePack.
    ///
    /// ```swift
    /// configuration.topology = try Topology.current().encodedForHostAgent()
    /// ```
    ///
    /// - Throws: ``TractorError`` `.encodingFailed` (which a well-formed topology never causes).
    package func encodedForHostAgent() throws -> [UInt8] {
        try MessagePackEncoder().encode(self)
    }

    /// The topology a host's agent reported, named after the host as it joined (its `--name`), so that binding
    /// reports name the host the pool knows it by.
    ///
    /// - Throws: ``TractorError`` `.invalidArgument` when the agent sent no topology or one that does not decode
    ///   (an agent of another version).
    package init(reportedBy host: HostDescription) throws {
        guard !host.topology.isEmpty else {
            throw TractorError(
                .invalidArgument,
                "\(host) did not report its topology: start it with a pool-worker of this version"
            )
        }
        do {
            self = try MessagePackDecoder().decode(Topology.self, from: host.topology)
        } catch {
            throw TractorError(.invalidArgument, "the topology \(host) reported does not decode: \(error)", cause: error)
        }
        hostname = host.name
    }
}
