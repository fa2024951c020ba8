//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension ProcessPoolConfiguration {
    /// Checks every setting's range, as `concurrent.futures.ProcessPoolExecutor` checks `max_workers` and
    /// `max_tasks_per_child`: a setting out of range is a mistake to report at once, not to round silently.
    ///
    /// - Throws: ``TractorError`` `.invalidArgument`, naming the setting, its value and what it must be.
    func validate() throws(TractorError) {
        if let error = placement.validationError { throw error }
        try Self.require(inFlightChunksPerWorker >= 1, "inFlightChunksPerWorker", inFlightChunksPerWorker, "at least 1")
        try Self.require(queueCapacity >= 1, "queueCapacity", queueCapacity, "at least 1")
        if let maxJobsPerWorker {
            try Self.require(maxJobsPerWorker >= 1, "maxJobsPerWorker", maxJobsPerWorker, "at least 1, or nil for no limit")
        }
        if let mapReadAhead {
            try Self.require(mapReadAhead >= 1, "mapReadAhead", mapReadAhead, "at least 1, or nil for the default")
        }
        try Self.require(maximumChunkSize >= 1, "maximumChunkSize", maximumChunkSize, "at least 1")
        try Self.require(targetChunkDuration > .zero, "targetChunkDuration", targetChunkDuration, "positive")
        try Self.require(cancellationGrace >= .zero, "cancellationGrace", cancellationGrace, "zero or more")
        try Self.require(spawnTimeout > .zero, "spawnTimeout", spawnTimeout, "positive")
        try Self.require(retriesAfterCrash >= 0, "retriesAfterCrash", retriesAfterCrash, "zero or more")
        try Self.require(!label.isEmpty, "label", "\"\"", "a name, not empty")
    }

    private static func require(
        _ condition: Bool,
        _ name: String,
        _ value: some CustomStringConvertible,
        _ range: String
    ) throws(TractorError) {
        guard !condition else { return }
        throw TractorError(
            .invalidArgument, "ProcessPoolConfiguration.\(name) must be \(range), not \(value)"
        )
    }
}

extension Placement {
    /// Why this placement cannot make a pool, if it cannot: a number of workers below 1, or no CPU set.
    var validationError: TractorError? {
        switch kind {
        case .workers(let count) where count < 1:
            TractorError(.invalidArgument, "a pool needs at least one worker: Placement.workers(\(count))")
        case .explicit(let cpuSets) where cpuSets.isEmpty:
            TractorError(.invalidArgument, "a pool needs at least one worker: Placement.explicit([]) names no CPU set")
        default:
            nil
        }
    }
}
