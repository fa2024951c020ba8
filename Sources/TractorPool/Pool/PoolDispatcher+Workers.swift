//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Logging

// The worker processes: one loop per placement slot starts a worker, runs its window of slots, retires it or
// learns of its death, and starts the next, for as long as the pool needs one.

extension PoolDispatcher {
    /// Runs every worker of the pool until the pool needs none (it has finished or is broken) or the task is
    /// cancelled; returns once each has been reaped.
    func runWorkers(in nursery: ActorNursery) async {
        await withDiscardingTaskGroup { group in
            for index in plan.workers.indices {
                group.addTask { await self.runWorker(index, in: nursery) }
            }
        }
    }

    private func runWorker(_ index: Int, in nursery: ActorNursery) async {
        while !Task.isCancelled, let worker = transition({ state in (state.machine.startWorker(index), []) }) {
            guard let portal = await start(worker, in: nursery) else { return }
            await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<window { addSlot(of: worker, portal: portal, to: &group) }
                // A slot whose chunk was cancelled ends: the window is refilled while the worker takes chunks.
                while let chunkCancelled = await group.next() {
                    if chunkCancelled, isTakingChunks(worker) { addSlot(of: worker, portal: portal, to: &group) }
                }
            }
            if case .retire = state.withLock({ $0.machine.slotsEnded(worker) }) {
                _ = try? await portal.cancelActor()
            }
            stopped(worker, portal: portal)
        }
    }

    private func addSlot(of worker: WorkerRef, portal: Portal, to group: inout TaskGroup<Bool>) {
        let slot = state.withLock { state in
            defer { state.nextID += 1 }
            return SlotID(rawValue: state.nextID)
        }
        group.addTask { await self.runSlot(slot, of: worker, portal: portal) }
    }

    private func isTakingChunks(_ worker: WorkerRef) -> Bool {
        state.withLock { state in
            let current = state.machine.workers[worker.index]
            return current.generation == worker.generation && current.phase == .ready
        }
    }

    /// Spawns a worker, reads its binding back and runs the initializer; `nil` (and the pool broken) on failure.
    private func start(_ worker: WorkerRef, in nursery: ActorNursery) async -> Portal? {
        let placement = plan.workers[worker.index]
        let portal: Portal
        do {
            portal = try await nursery.startActor(
                "pool-worker-\(worker.index)",
                jobs: [],
                executable: configuration.executable,
                binding: placement.bindingSpec
            )
        } catch {
            let failure = TractorError(
                .spawnFailed, "pool worker \(worker.index) could not start: \(error)", cause: error
            )
            transition { state in ((), state.machine.workerFailedToStart(worker, error: failure)) }
            return nil
        }
        let uid = portal.actor.uid
        let exitedEarly = state.withLock { state -> TerminationStatus? in
            state.portals[worker] = portal
            state.workersByUID[uid] = worker
            return state.unclaimedExits.removeValue(forKey: uid)
        }
        if let exitedEarly { workerExited(worker, status: exitedEarly) }

        var step = "did not report its binding"
        do {
            let readback = try await portal.run(BindingReadback.job)
            if let initializer = configuration.initializer {
                step = "failed in the pool's initializer '\(initializer.jobName)'"
                try await initializer.run(portal)
            }
            let binding = WorkerBinding(
                workerID: worker.index,
                pid: portal.actor.pid,
                cpus: placement.cpus == nil ? nil : CPUSet(readback.cpus),
                numaNode: placement.numaNode ?? (readback.memoryNodes.count == 1 ? readback.memoryNodes[0] : nil),
                memoryBound: readback.memoryPolicyMode == 2
            )
            transition { state in
                state.bindings[worker.index] = binding
                state.machine.workerStarted(worker, pid: portal.actor.pid)
                return ((), [])
            }
            return portal
        } catch {
            let failure = TractorError(
                .spawnFailed,
                "pool worker \(worker.index) (pid \(portal.actor.pid)) \(step): \(error)",
                cause: error
            )
            if !Task.isCancelled { ActorRuntime.shared.logger.error("\(failure.message); the pool is broken") }
            transition { state in ((), state.machine.workerFailedToStart(worker, error: failure)) }
            _ = try? await portal.cancelActor()
            stopped(worker, portal: portal)
            return nil
        }
    }

    private func stopped(_ worker: WorkerRef, portal: Portal) {
        transition { state in
            state.portals[worker] = nil
            state.workersByUID[portal.actor.uid] = nil
            if state.bindings[worker.index]?.pid == portal.actor.pid { state.bindings[worker.index] = nil }
            return ((), state.machine.workerStopped(worker, now: .now))
        }
    }

    /// A worker process died unasked (the nursery's unexpected-exit handler, on the I/O thread).
    func actorExited(_ actor: ActorID, status: TerminationStatus) {
        let worker = state.withLock { state -> WorkerRef? in
            if let worker = state.workersByUID[actor.uid] { return worker }
            state.unclaimedExits[actor.uid] = status
            return nil
        }
        guard let worker else { return }
        workerExited(worker, status: status)
    }

    private func workerExited(_ worker: WorkerRef, status: TerminationStatus) {
        let killed = transition { state in
            let killed = state.machine.workers[worker.index].phase == .killing
            return (killed, state.machine.workerExited(worker, status: status, now: .now))
        }
        if !killed {
            ActorRuntime.shared.logger.warning("pool worker \(worker.index) \(status); replacing it")
        }
    }

    /// The bindings of the workers up now, by worker index.
    var currentBindings: [WorkerBinding] {
        state.withLock { $0.bindings.values.sorted { $0.workerID < $1.workerID } }
    }
}
