//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension Job where Input: Codable, Output: Codable {
    /// Runs a batch of this job's inputs (see ``Batch``): decodes them as one array, runs them one after another, and
    /// returns the outputs of those that succeeded as one encoded array, with the errors of the others. An input that
    /// throws fails alone; cancellation between or within inputs ends the batch with `CancellationError`.
    var batchInvoker: @Sendable ([UInt8], ActorID) async throws -> BatchResults {
        { [body, name, errorCoding] bytes, actor in
            let inputs: [Input]
            do {
                inputs = try MessagePackDecoder().decode([Input].self, from: bytes)
            } catch {
                throw TractorError(
                    .decodingFailed, "could not decode the inputs of a batch of job '\(name)' as [\(Input.self)]",
                    cause: error
                )
            }
            let clock = ContinuousClock()
            let start = clock.now
            var values: [Output] = []
            values.reserveCapacity(inputs.count)
            var failures: [BatchFailure] = []
            var index = 0
            while index < inputs.count {
                try Task.checkCancellation()
                do {
                    values.append(try await body(inputs[index]))
                } catch is CancellationError where Task.isCancelled {
                    throw CancellationError()
                } catch {
                    let info = RemoteErrorInfo.describing(error, in: actor, job: name, errors: errorCoding)
                    failures.append(BatchFailure(index: UInt32(truncatingIfNeeded: index), error: info))
                }
                index += 1
            }
            let nanoseconds = UInt64(clamping: (clock.now - start).nanosecondsClamped)
            do {
                let outputs = try MessagePackEncoder().encode(values)
                return BatchResults(elapsedNanoseconds: nanoseconds, outputs: outputs, failures: failures)
            } catch {
                throw TractorError(
                    .encodingFailed, "could not encode the outputs of a batch of job '\(name)'", cause: error
                )
            }
        }
    }
}
