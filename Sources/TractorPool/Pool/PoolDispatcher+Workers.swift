//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc
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
            let portal: Portal
            switch await start(worker, in: nursery) {
            case .started(let started):
                portal = started
            case .failed(.retry(let delay)):
                // A replacement that could not start is tried again; the rest of the pool goes on meanwhile.
                try? await Task.sleep(for: delay)
                continue
            case .failed(.giveUp):
                return
            }
            await withDiscardingTaskGroup { group in
                for _ in 0..<window {
                    let slot = state.withLock { state in
                        defer { state.nextID += 1 }
                        return SlotID(rawValue: state.nextID)
                    }
                    // A slot's task only waits for the slot to end (its chunks move without it, see `SlotLink`); on
                    // the I/O thread, the end that resumes it wakes no other thread.
                    group.addTask(executorPreference: IOLoop.shared) {
                        await self.runSlot(slot, of: worker, portal: portal)
                    }
                }
            }
            // Retired or already dead (or being killed): either way the teardown ladder ends with the process reaped,
            // and it returns at once for a process that has exited.
            _ = state.withLock { $0.machine.slotsEnded(worker) }
            await stop(worker, portal: portal)
        }
    }

    private enum StartOutcome {
        case started(Portal)
        case failed(Machine.StartFailure)
    }

    /// Spawns a worker, reads its binding back and runs the initializer; on failure, what the machine decided.
    private func start(_ worker: WorkerRef, in nursery: ActorNursery) async -> StartOutcome {
        let placement = plan.workers[worker.index]
        let began = ContinuousClock.now
        let portal: Portal
        do {
            if let host = placement.host {
                portal = try await nursery.startActor(
                    "pool-worker-\(worker.index)",
                    on: host,
                    jobs: [],
                    executable: configuration.remoteExecutable ?? configuration.executable,
                    binding: placement.bindingSpec
                )
            } else {
                portal = try await nursery.startActor(
                    "pool-worker-\(worker.index)",
                    jobs: [],
                    executable: configuration.executable,
                    binding: placement.bindingSpec,
                    title: .poolWorker(worker.index, of: plan.workers.count)
                )
            }
        } catch {
            // Out of descriptors, processes or memory while the pool first starts: more attempts would only fail
            // again, and the workers up hold what the others need. Fail fast, saying what to change.
            if Self.isResourceExhaustion(error), !state.withLock({ $0.machine.startedAll }) {
                let started = state.withLock { $0.machine.statistics.workersStarted }
                let failure = TractorError(
                    .spawnFailed,
                    "the pool could not start its \(plan.workers.count) workers: the system refused worker "
                        + "\(worker.index) a resource after \(started) had started (\(Self.exhaustedResource(error))); each worker "
                        + "holds a socket and a pidfd in this process and is a process of its own: raise the limits "
                        + "(ulimit -n, ulimit -u) or ask for fewer workers",
                    cause: error
                )
                return .failed(startFailed(worker, failure, permanent: true))
            }
            // A host that is away fails every attempt alike until it joins again: say so once, not every second.
            let away = placement.host.map { !Tractor.hosts.contains($0) } ?? false
            let said = away && !state.withLock { $0.hostAwaySaid.insert(worker.index).inserted }
            return .failed(
                startFailed(
                    worker,
                    TractorError(
                        .spawnFailed, "pool worker \(worker.index)\(Self.onHost(placement.host)) could not start",
                        cause: error
                    ),
                    quietly: said
                )
            )
        }
        let uid = portal.actor.uid
        let exitedEarly = state.withLock { state -> TerminationStatus? in
            state.portals[worker] = portal
            state.workersByUID[uid] = worker
            return state.unclaimedExits.removeValue(forKey: uid)
        }
        if let exitedEarly { workerExited(worker, status: exitedEarly) }

        var step = "did not report its binding"
        var initializing = false
        do {
            let readback = try await portal.run(BindingReadback.job)
            if let initializer = configuration.initializer {
                step = "failed in the pool's initializer '\(initializer.jobName)'"
                initializing = true
                try await initializer.run(portal)
            }
            let binding = WorkerBinding(
                workerID: worker.index,
                pid: portal.actor.pid,
                cpus: placement.cpus == nil ? nil : CPUSet(readback.cpus),
                numaNode: placement.numaNode ?? (readback.memoryNodes.count == 1 ? readback.memoryNodes[0] : nil),
                memoryBound: readback.memoryPolicyMode == 2,
                host: placement.host
            )
            let accepted = transition { state in
                guard state.machine.workerStarted(worker, pid: portal.actor.pid) else { return (false, []) }
                state.bindings[worker.index] = binding
                return (true, [])
            }
            if accepted {
                _ = state.withLock { $0.hostAwaySaid.remove(worker.index) }
                metrics?.workerStarted(index: worker.index, after: .now - began)
                logger.debug("pool \(worker) is up as pid \(portal.actor.pid): \(Self.describe(binding))")
                return .started(portal)
            }
            // Terminated, or dead, while it started: no slot runs on it.
            await stop(worker, portal: portal)
            return .failed(.retry(after: .zero))
        } catch {
            let failure = TractorError(
                .spawnFailed, "pool worker \(worker.index) (pid \(portal.actor.pid)\(Self.onHost(placement.host))) \(step)",
                cause: error
            )
            await stop(worker, portal: portal)
            // The initializer's own error (boxed, or as the type its job declares) would come again: the pool is
            // broken. Anything else (the worker died or lost its connection while starting) is tried again.
            let permanent =
                initializing && !(error is TractorError || error is CancellationError || error is ContextCancelled)
            return .failed(startFailed(worker, failure, permanent: permanent))
        }
    }

    /// ` on host 'node-1'` for a worker on a joined host; empty for this machine's.
    static func onHost(_ host: String?) -> String {
        host.map { " on host '\($0)'" } ?? ""
    }

    /// A worker's binding for a log line: its CPUs and NUMA node, or `unbound`.
    static func describe(_ binding: WorkerBinding) -> String {
        (binding.cpus.map { "CPUs \($0)" } ?? "unbound") + (binding.numaNode.map { ", NUMA node \($0)" } ?? "")
    }

    /// Whether `error`, or an error that caused it, is the system refusing a resource: descriptors (`EMFILE`,
    /// `ENFILE`), processes (`EAGAIN` from spawning) or memory (`ENOMEM`).
    static func isResourceExhaustion(_ error: any Error) -> Bool {
        exhaustedErrno(error) != nil
    }

    /// What the system refused, in words, for an error that ``isResourceExhaustion(_:)``.
    static func exhaustedResource(_ error: any Error) -> String {
        exhaustedErrno(error).map { "\($0)" } ?? "\(error)"
    }

    private static func exhaustedErrno(_ error: any Error) -> Errno? {
        var current: (any Error)? = error
        while let error = current {
            if let errno = error as? Errno, [EMFILE, ENFILE, EAGAIN, ENOMEM].contains(errno.rawValue) { return errno }
            current = (error as? TractorError)?.cause
        }
        return nil
    }

    /// Tells the machine that a start failed, logs it, and returns the machine's decision.
    private func startFailed(
        _ worker: WorkerRef,
        _ failure: TractorError,
        permanent: Bool = false,
        quietly: Bool = false
    ) -> Machine.StartFailure {
        let (decision, brokeNow) = transition { state in
            let wasBroken = state.machine.rejection.map { if case .broken = $0 { true } else { false } } ?? false
            let (decision, actions) = state.machine.workerFailedToStart(worker, error: failure, permanent: permanent)
            let isBroken = state.machine.rejection.map { if case .broken = $0 { true } else { false } } ?? false
            return ((decision, isBroken && !wasBroken), actions)
        }
        guard !Task.isCancelled else { return decision }
        switch decision {
        case .retry(let delay) where quietly:
            logger.debug("\(failure); starting it again in \(delay)")
        case .retry(let delay):
            logger.warning("\(failure); starting it again in \(delay)")
        case .giveUp:
            // Said once, by the failure that broke the pool; the others that follow say nothing new.
            if brokeNow { logger.error("\(failure); the pool is broken") }
        }
        return decision
    }

    /// Cancels the worker's process (the teardown ladder, which returns at once for one that has exited) and
    /// returns how it ended.
    private func stopProcess(_ portal: Portal) async -> TerminationStatus {
        let outcome = try? await portal.cancelActor()
        return outcome?.status ?? TerminationStatus(.signaled(SIGKILL))
    }

    /// Stops a worker whose slots have ended and tells the machine, which frees its index for a replacement.
    private func stop(_ worker: WorkerRef, portal: Portal) async {
        let status = await stopProcess(portal)
        transition { state in
            state.portals[worker] = nil
            state.workersByUID[portal.actor.uid] = nil
            if state.bindings[worker.index]?.pid == portal.actor.pid { state.bindings[worker.index] = nil }
            return ((), state.machine.workerStopped(worker, status: status, now: .now))
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
        let unasked = transition { state in
            let phase = state.machine.workers[worker.index].phase
            let unasked = state.machine.workers[worker.index].isCurrent(worker)
                && (phase == .ready || phase == .retiring || phase == .lost || phase == .starting)
            return (unasked, state.machine.workerExited(worker, status: status, now: .now))
        }
        if unasked {
            logger.warning("pool worker \(worker.index) \(status); replacing it")
        } else {
            logger.debug("pool \(worker) \(status)")
        }
    }

    /// The bindings of the workers up now, by worker index.
    var currentBindings: [WorkerBinding] {
        state.withLock { $0.bindings.values.sorted { $0.workerID < $1.workerID } }
    }
}
