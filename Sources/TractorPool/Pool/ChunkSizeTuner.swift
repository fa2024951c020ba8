//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Sizes chunks from measured job time: each job's time per item is learnt from the chunks that come back, and a
/// chunk gets as many items as fill the target duration.
///
/// Short jobs get large chunks, so that the cost of a round trip is shared by many items; long jobs get chunks of
/// one, so that every worker gets its share. A job not measured yet gets chunks of one. Whatever the time, a chunk's
/// inputs and outputs stay within ``byteBudget``, as measured per item, so that large items never make a message
/// too large to send.
struct ChunkSizeTuner: Sendable {
    /// How long a chunk should take in the worker.
    var targetDuration: Duration
    /// The largest chunk.
    var maximumChunkSize: Int
    /// Per job name, the time per item in nanoseconds, smoothed.
    private var nanosecondsPerItem: [String: Double] = [:]
    /// Per job name, the larger of an item's encoded input and output, in bytes, smoothed.
    private var bytesPerItem: [String: Double] = [:]
    /// Per joined host, what a chunk's call costs beyond the job's own time (the round trip), in nanoseconds: about
    /// the smallest seen lately.
    private var roundTripNanoseconds: [String: Double] = [:]

    /// How many round trips a chunk's time should hold at least: a host whose round trip is long gets longer chunks,
    /// so that the round trip stays a twentieth of the work or less.
    static var roundTripsPerChunk: Double { 20 }

    /// How many bytes of inputs, or of outputs, one call should carry at most: well under the 64 MiB a message may
    /// hold, and small enough that a chunk in flight holds little memory on either side.
    static var byteBudget: Double { Double(4 << 20) }

    init(targetDuration: Duration, maximumChunkSize: Int) {
        self.targetDuration = targetDuration
        self.maximumChunkSize = Swift.max(1, maximumChunkSize)
    }

    /// Learns from one chunk: `items` items of `job` took `elapsed` in the worker, and the larger of its request and
    /// its reply took `bytes`.
    mutating func record(job: String, items: Int, elapsed: Duration, bytes: Int = 0) {
        guard items > 0 else { return }
        let sample = Swift.max(1, elapsed.nanoseconds / Double(items))
        if let previous = nanosecondsPerItem[job] {
            nanosecondsPerItem[job] = 0.5 * previous + 0.5 * sample
        } else {
            nanosecondsPerItem[job] = sample
        }
        let size = Double(bytes) / Double(items)
        // The larger of the last sample and the smoothed past: a job whose items grow is cut at once.
        bytesPerItem[job] = Swift.max(size, 0.5 * (bytesPerItem[job] ?? size) + 0.5 * size)
    }

    /// Learns from one chunk that ran on `host`: its call took `overhead` beyond the job's own time.
    ///
    /// A chunk that waited behind others in its worker took longer than a round trip: the estimate follows the
    /// smallest overheads, and drifts up by 5 % a chunk when they grow.
    mutating func recordRoundTrip(host: String, overhead: Duration) {
        let sample = Swift.max(0, overhead.nanoseconds)
        roundTripNanoseconds[host] = roundTripNanoseconds[host].map { Swift.min(sample, $0 * 1.05) } ?? sample
    }

    /// The round trip estimated for `host`, in nanoseconds; `nil` before a chunk ran there.
    func roundTripNanoseconds(of host: String) -> Double? {
        roundTripNanoseconds[host]
    }

    /// How long a chunk should take: the target duration, or more where a host's round trip asks for it.
    var effectiveTargetNanoseconds: Double {
        let slowest = roundTripNanoseconds.values.max() ?? 0
        return Swift.max(targetDuration.nanoseconds, Self.roundTripsPerChunk * slowest)
    }

    /// How many items of `job` fit in one call's byte budget; `nil` before any chunk of it came back.
    func itemsWithinByteBudget(of job: String) -> Int? {
        guard let perItem = bytesPerItem[job], perItem > 0 else { return nil }
        return Int(Swift.max(1, (Self.byteBudget / perItem).rounded(.down)))
    }

    /// The time per item learnt for `job`, in nanoseconds; `nil` before any chunk of it came back.
    func nanosecondsPerItem(of job: String) -> Double? {
        nanosecondsPerItem[job]
    }

    /// How many items of `job` the next chunk should hold.
    func chunkSize(for job: String) -> Int {
        guard let perItem = nanosecondsPerItem[job] else { return 1 }
        let fitting = effectiveTargetNanoseconds / perItem
        let size = Int(Swift.min(Double(maximumChunkSize), Swift.max(1, fitting.rounded(.down))))
        return Swift.min(size, itemsWithinByteBudget(of: job) ?? size)
    }
}

extension Duration {
    /// The duration in nanoseconds, as a floating-point number.
    var nanoseconds: Double {
        let parts = components
        return Double(parts.seconds) * 1e9 + Double(parts.attoseconds) / 1e9
    }
}
