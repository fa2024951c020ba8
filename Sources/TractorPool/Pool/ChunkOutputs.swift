//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// One chunk's outputs, decoded: all of them when every item succeeded (the common case, kept as one plain array),
/// one result per item when some failed, or one error for the whole chunk.
enum ChunkOutputs<Output: Sendable>: Sendable {
    /// Every item succeeded.
    case values([Output])
    /// Some items failed; one result per item.
    case mixed([Result<Output, any Error>])
    /// The chunk failed as a whole: each of its `count` items fails with the error.
    case failed(any Error, count: Int)

    /// How many items the chunk holds.
    var count: Int {
        switch self {
        case .values(let values): values.count
        case .mixed(let results): results.count
        case .failed(_, let count): count
        }
    }

    /// The result of item `index`.
    func result(at index: Int) -> Result<Output, any Error> {
        switch self {
        case .values(let values): .success(values[index])
        case .mixed(let results): results[index]
        case .failed(let error, _): .failure(error)
        }
    }
}

extension ChunkOutputs where Output: Decodable {
    /// Decodes how a chunk of `count` items of `job` came back. An item's error is decoded as the type the job
    /// declares (`errors`) where it carries one; else it stays ``RemoteActorError``, which knows the item's index in
    /// the map's input when the chunk's first index is given.
    init(_ result: ChunkResult, count: Int, job: String, errors: ErrorCoding?, firstIndex: Int?) {
        switch result {
        case .failure(let error as WorkerCrashed) where firstIndex != nil:
            // A map stops at the chunk's first item: that is the input the crash is reported for.
            var crash = error
            crash.inputIndex = firstIndex
            self = .failed(crash, count: count)
        case .failure(let error):
            self = .failed(errors.thrown(forAny: error), count: count)
        case .reply(let results):
            do {
                let values = try results.decodeOutputs(Output.self, count: count, job: job)
                if results.failures.isEmpty {
                    self = .values(values)
                } else {
                    self = .mixed(results.merging(values, errors: errors, firstIndex: firstIndex))
                }
            } catch {
                self = .failed(error, count: count)
            }
        }
    }
}
