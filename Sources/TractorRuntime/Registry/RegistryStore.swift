//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

/// One actor as the registry knows it: who it is and where its listener is.
///
/// ```swift
/// for entry in try await Tractor.registeredActors(named: "frank") { print(entry.actor, entry.address) }
/// ```
public struct RegistryEntry: Sendable, Hashable, Codable {
    /// The actor.
    public var actor: ActorID
    /// The Unix-socket path of its listener.
    public var address: String

    /// Creates an entry.
    public init(actor: ActorID, address: String) {
        self.actor = actor
        self.address = address
    }
}

/// The root's name → address table. Entries registered over a connection vanish when that connection closes, so an
/// actor that dies, however it dies, leaves the registry.
package final class RegistryStore: Sendable {
    private let state = Mutex(State())

    private struct State: ~Copyable {
        var entries: [String: [RegistryEntry]] = [:]
        var owners: [String: ObjectIdentifier] = [:]
        var waiters: [String: [Int: CheckedContinuation<RegistryEntry, any Error>]] = [:]
        var nextWaiter = 0
    }

    package init() {}

    /// Adds `entry`; when `owner` closes, the entry is removed.
    package func register(_ entry: RegistryEntry, owner: PeerConnection?) {
        let waiters = state.withLock { state -> [CheckedContinuation<RegistryEntry, any Error>] in
            state.entries[entry.actor.name, default: []].removeAll { $0.actor.uid == entry.actor.uid }
            state.entries[entry.actor.name, default: []].append(entry)
            if let owner { state.owners[entry.actor.uid] = ObjectIdentifier(owner) }
            let waiters = state.waiters.removeValue(forKey: entry.actor.name).map { Array($0.values) } ?? []
            return waiters
        }
        owner?.channel.attachCloseObserver { [self] in unregister(uid: entry.actor.uid) }
        for waiter in waiters { waiter.resume(returning: entry) }
    }

    /// Removes the actor with unique id `uid`.
    package func unregister(uid: String) {
        state.withLock { state in
            for name in state.entries.keys {
                state.entries[name]?.removeAll { $0.actor.uid == uid }
                if state.entries[name]?.isEmpty == true { state.entries.removeValue(forKey: name) }
            }
            state.owners.removeValue(forKey: uid)
        }
    }

    /// The actors registered under `name`, oldest first.
    package func find(_ name: String) -> [RegistryEntry] {
        state.withLock { $0.entries[name] ?? [] }
    }

    /// Every entry.
    package var all: [RegistryEntry] {
        state.withLock { $0.entries.values.flatMap { $0 } }
    }

    /// The first actor registered under `name`, waiting until there is one.
    package func wait(for name: String) async throws -> RegistryEntry {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<RegistryEntry, any Error>) in
                let ready = state.withLock { state -> Result<RegistryEntry, any Error>? in
                    if let entry = state.entries[name]?.first { return .success(entry) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.waiters[name, default: [:]][id] = continuation
                    return nil
                }
                if let ready { continuation.resume(with: ready) }
            }
        } onCancel: {
            state.withLock { $0.waiters[name]?.removeValue(forKey: id) }?.resume(throwing: CancellationError())
        }
    }

    /// The jobs through which other actors use this store (served by the root only).
    static func jobs(for runtime: ActorRuntime) -> [any JobDefinition] {
        let store = runtime.registry
        return [
            Job("tractor.registry.register") { (entry: RegistryEntry) -> NoInput in
                store.register(entry, owner: ServingContext.connection)
                return NoInput()
            },
            Job("tractor.registry.find") { (name: String) -> [RegistryEntry] in
                store.find(name)
            },
            Job("tractor.registry.wait") { (name: String) -> RegistryEntry in
                try await store.wait(for: name)
            },
        ]
    }
}

/// What a served job can learn about the call it serves.
package enum ServingContext {
    /// The connection the current job was called over.
    @TaskLocal package static var connection: PeerConnection?
}
