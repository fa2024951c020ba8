//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension Tractor {
    /// Finds a registered actor of the tree by name and opens a portal to it for the duration of `body`.
    ///
    /// Every actor registers with the registry (served by the root actor) when it starts and vanishes from it when it
    /// ends. When several actors share the name, the oldest is chosen.
    ///
    /// ```swift
    /// let gretchen = Job("gretchen") { () -> String in
    ///     try await Tractor.findActor(named: "donny") { donny in try await donny.run(hi) }
    /// }
    /// ```
    ///
    /// - Throws: ``TractorError`` `.unknownActor` when no actor has that name.
    public static func findActor<Result: Sendable>(
        named name: String,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (Portal) async throws -> Result
    ) async throws -> Result {
        let entries = try await lookUp(name)
        guard let entry = entries.first else {
            throw TractorError(.unknownActor, "no actor named '\(name)' is registered")
        }
        return try await withPortal(to: entry, body)
    }

    /// Waits until an actor of that name is registered, then opens a portal to it for the duration of `body`.
    ///
    /// ```swift
    /// try await Tractor.waitForActor(named: "donny") { donny in print(try await donny.run(hi)) }
    /// ```
    public static func waitForActor<Result: Sendable>(
        named name: String,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (Portal) async throws -> Result
    ) async throws -> Result {
        let runtime = ActorRuntime.shared
        let entry: RegistryEntry
        if runtime.isRoot {
            entry = try await runtime.registry.wait(for: name)
        } else {
            let connection = try registryConnection()
            let payload = try await connection.call(
                job: "tractor.registry.wait",
                payload: try MessagePackEncoder().encode(name)
            )
            entry = try MessagePackDecoder().decode(RegistryEntry.self, from: payload)
        }
        return try await withPortal(to: entry, body)
    }

    /// The actors registered under `name` (empty if none).
    ///
    /// ```swift
    /// let donnys = try await Tractor.registeredActors(named: "donny")
    /// ```
    public static func registeredActors(named name: String) async throws -> [RegistryEntry] {
        try await lookUp(name)
    }

    private static func lookUp(_ name: String) async throws -> [RegistryEntry] {
        let runtime = ActorRuntime.shared
        if runtime.isRoot { return runtime.registry.find(name) }
        let connection = try registryConnection()
        let payload = try await connection.call(
            job: "tractor.registry.find",
            payload: try MessagePackEncoder().encode(name)
        )
        return try MessagePackDecoder().decode([RegistryEntry].self, from: payload)
    }

    private static func registryConnection() throws(TractorError) -> PeerConnection {
        guard let connection = ActorRuntime.shared.registryConnection else {
            throw TractorError(.unknownActor, "this actor has no registry to ask")
        }
        return connection
    }

    private static func withPortal<Result: Sendable>(
        isolation: isolated (any Actor)? = #isolation,
        to entry: RegistryEntry,
        _ body: (Portal) async throws -> Result
    ) async throws -> Result {
        let runtime = ActorRuntime.shared
        try runtime.startListening()
        let connection = try await runtime.connect(to: entry.address)
        defer { connection.channel.close() }
        return try await body(Portal(connection: connection, child: nil))
    }
}
