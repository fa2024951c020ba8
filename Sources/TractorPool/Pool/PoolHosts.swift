//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The machines a process pool's workers run on: this one, hosts whose agents have joined this head, or both.
///
/// Each host contributes workers by the pool's ``ProcessPoolConfiguration/placement``, worked out on that host's own
/// topology within the CPUs its agent may use (the cpuset a cluster scheduler gave it): `.perCore` puts one worker on
/// each of its cores, bound there. Chunks go to whichever worker is idle, wherever it runs.
///
/// ```swift
/// try await Tractor.listenForAgents(on: "0.0.0.0:7000")
/// _ = try await Tractor.waitForHosts(2)
/// try await withProcessPool(hosts: .joined()) { pool in
///     print(try await pool.bindingReport)      // [node-1:4242] worker 0 bound to …
///     let sums = try await Array(pool.map(checksum, over: files))
/// }
/// ```
public struct PoolHosts: Sendable, Hashable, CustomStringConvertible {
    enum Selection: Sendable, Hashable {
        case local
        case joined(names: [String]?, includingLocal: Bool)
    }

    let selection: Selection

    /// This machine only: the default.
    public static let local = PoolHosts(selection: .local)

    /// Every host joined when the pool opens (see ``Tractor/waitForHosts(_:timeout:)``), and this machine too when
    /// `includingLocal` is set.
    ///
    /// ```swift
    /// try await withProcessPool(hosts: .joined(includingLocal: true)) { pool in ... }
    /// ```
    public static func joined(includingLocal: Bool = false) -> PoolHosts {
        PoolHosts(selection: .joined(names: nil, includingLocal: includingLocal))
    }

    /// The joined hosts named (their agents' `--name`), and this machine too when `includingLocal` is set.
    ///
    /// ```swift
    /// try await withProcessPool(hosts: .joined(["node-1", "node-2"])) { pool in ... }
    /// ```
    public static func joined(_ names: [String], includingLocal: Bool = false) -> PoolHosts {
        PoolHosts(selection: .joined(names: names, includingLocal: includingLocal))
    }

    /// `local`, `joined`, `joined(node-1, node-2)`, with `+ local` when this machine takes part too.
    public var description: String {
        switch selection {
        case .local: "local"
        case .joined(let names, let includingLocal):
            (names.map { "joined(\($0.joined(separator: ", ")))" } ?? "joined") + (includingLocal ? " + local" : "")
        }
    }

    /// Each machine of the pool: `nil` for this one, or the joined host, with the topology to place workers on.
    ///
    /// - Throws: ``TractorError`` `.invalidArgument` when this process does not listen for agents, no host has
    ///   joined, a host named has not joined (or has left), or a host's topology did not come.
    func machines(local: @autoclosure () throws -> Topology) throws -> [(host: RemoteHost?, topology: Topology)] {
        guard case .joined(let names, let includingLocal) = selection else { return [(nil, try local())] }
        guard let agents = ActorRuntime.agentListener else {
            throw TractorError(
                .invalidArgument,
                "a pool over \(self) needs this process to listen for host agents: call Tractor.listenForAgents(on:) "
                    + "and Tractor.waitForHosts(_:) first"
            )
        }
        let joined = agents.hosts.filter(\.value.isConnected)
        let wanted = names ?? joined.keys.sorted()
        let missing = wanted.filter { joined[$0] == nil }
        guard missing.isEmpty, !wanted.isEmpty || includingLocal else {
            let list = joined.keys.sorted().joined(separator: ", ")
            let what = missing.isEmpty ? "no host has joined" : "no host named \(missing.map { "'\($0)'" }.joined(separator: ", ")) has joined"
            throw TractorError(
                .invalidArgument,
                "cannot open a pool over \(self): \(what) (joined: \(list.isEmpty ? "none" : list)); "
                    + "wait for them with Tractor.waitForHosts(_:)"
            )
        }
        var machines: [(host: RemoteHost?, topology: Topology)] = []
        if includingLocal { machines.append((nil, try local())) }
        for name in wanted {
            let host = joined[name]!
            machines.append((host, try Topology(reportedBy: host.description)))
        }
        return machines
    }
}

extension PlacementPlan {
    /// The plans of several machines as one: workers numbered on from one machine to the next, each naming its host
    /// (`nil`: this machine), and warnings prefixed with the host they are about.
    static func combining(_ plans: [(host: String?, plan: PlacementPlan)]) -> PlacementPlan {
        var workers: [Worker] = []
        var warnings: [String] = []
        for (host, plan) in plans {
            for var worker in plan.workers {
                worker.index = workers.count
                worker.host = host
                workers.append(worker)
            }
            warnings += plan.warnings.map { warning in host.map { "host '\($0)': \(warning)" } ?? warning }
        }
        return PlacementPlan(workers: workers, warnings: warnings)
    }
}
