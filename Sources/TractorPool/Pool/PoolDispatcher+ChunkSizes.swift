//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Logging

// The chunk sizes the machine decides and, at `debug` level, a log line each time the size for a job changes.

extension PoolDispatcher {
    /// How many items a `map` of `job` with chunks of `chunkSize` items sends in one request.
    func mapChunkSize(for job: String, chunkSize: Int) -> Int {
        let logger = self.logger
        guard logger.logLevel <= .debug else {
            return state.withLock { $0.machine.mapChunkSize(for: job, chunkSize: chunkSize) }
        }
        let key = "\(job) \(chunkSize)"
        let (size, perItem, changed) = state.withLock { state in
            let size = state.machine.mapChunkSize(for: job, chunkSize: chunkSize)
            defer { state.loggedChunkSizes[key] = size }
            return (size, state.machine.tuner.nanosecondsPerItem(of: job), state.loggedChunkSizes[key] != size)
        }
        if changed {
            let target = configuration.targetChunkDuration
            logger.debug("map of '\(job)' in chunks of \(chunkSize): \(size) per call\(Self.measured(perItem, target))")
        }
        return size
    }

    /// How many items the next `map` chunk of `job` should hold.
    func chunkSize(for job: String) -> Int {
        let logger = self.logger
        guard logger.logLevel <= .debug else {
            return state.withLock { $0.machine.chunkSize(for: job) }
        }
        let (size, perItem, changed) = state.withLock { state in
            let size = state.machine.chunkSize(for: job)
            defer { state.loggedChunkSizes[job] = size }
            return (size, state.machine.tuner.nanosecondsPerItem(of: job), state.loggedChunkSizes[job] != size)
        }
        if changed {
            let target = configuration.targetChunkDuration
            let items = size == 1 ? "1 item" : "\(size) items"
            logger.debug("chunks of job '\(job)' now hold \(items)\(Self.measured(perItem, target))")
        }
        return size
    }

    /// What a size was decided from, for a log line.
    private static func measured(_ nanosecondsPerItem: Double?, _ target: Duration) -> String {
        guard let nanosecondsPerItem else { return " (not measured yet)" }
        let perItem = Duration.nanoseconds(Int64(Swift.min(nanosecondsPerItem, 1e18).rounded()))
        return " (measured \(perItem) per item; target \(target) per chunk)"
    }
}
