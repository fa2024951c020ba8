//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension Portal {
    /// Runs `job` in the actor once for each of `inputs`, one after another, in one call, and returns each input's
    /// result, in input order.
    ///
    /// One message carries every input and one message carries every result back, so many short inputs cost one
    /// round trip rather than one each. An input whose job throws fails alone: its result is the error, and the
    /// inputs after it still run.
    ///
    /// ```swift
    /// let square = Job("square") { (x: Int) in x * x }
    ///
    /// let results = try await portal.run(square, batch: [1, 2, 3])
    /// for result in results {
    ///     print(try result.get())   // 1, 4, 9
    /// }
    /// ```
    ///
    /// Cancelling the calling task cancels the batch in the actor: the input running is cancelled, those after it do
    /// not run, and the call throws `CancellationError`.
    ///
    /// - Parameters:
    ///   - job: A call job the actor serves.
    ///   - inputs: The inputs, in order. An empty array returns at once, without a call.
    /// - Returns: One result per input, in input order: the output, or the input's error, as its own type when the job
    ///   declares that type (`Job(_:throwing:_:)`), else as ``RemoteActorError`` with the input's index in
    ///   ``RemoteActorError/inputIndex``.
    /// - Throws: ``RemoteActorError`` when the batch cannot run as a whole (the actor does not serve the job: code
    ///   `"unknownJob"`; its inputs do not decode there: `"decodingFailed"`); ``TractorError`` `.encodingFailed` or
    ///   `.decodingFailed` when the inputs or outputs do not encode or decode here, `.protocolViolation` when the
    ///   actor answers with the wrong number of results, `.actorCrashed` when the actor dies during the call;
    ///   `CancellationError` when the calling task was cancelled and the actor acknowledged.
    public func run<Input, Output>(
        _ job: Job<Input, Output>,
        batch inputs: [Input]
    ) async throws -> [Result<Output, any Error>] where Input: Codable, Output: Codable {
        guard !inputs.isEmpty else { return [] }
        let encoded = try Self.encodeBatch(inputs, of: job.name)
        let results = try await call(job: job.name, batch: encoded, mayPoll: true)
        let values = try results.decodeOutputs(Output.self, count: inputs.count, job: job.name)
        return results.merging(values, errors: job.errorCoding, firstIndex: 0)
    }
}

extension Portal {
    /// The inputs of a batch call of job `job`, encoded as ``call(job:batch:mayPoll:)`` sends them: for callers that
    /// encode where they are, before they know which portal will carry the batch.
    ///
    /// - Throws: ``TractorError`` `.encodingFailed` naming the job.
    package static func encodeBatch<Input: Encodable>(_ inputs: [Input], of job: String) throws(TractorError) -> [UInt8] {
        do {
            return try MessagePackEncoder().encode(inputs)
        } catch {
            throw TractorError(.encodingFailed, "could not encode the inputs of job '\(job)'", cause: error)
        }
    }
}

extension BatchResults {
    /// Decodes the outputs of the inputs that succeeded, checking that with the failures they account for the
    /// `count` inputs of the batch, each once.
    ///
    /// - Throws: `.decodingFailed` when the outputs are not an array of `Output`; `.protocolViolation` when outputs
    ///   and failures do not add up to `count` inputs, or a failure's index is out of order or out of range.
    package func decodeOutputs<Output: Decodable>(
        _: Output.Type,
        count: Int,
        job: String
    ) throws(TractorError) -> [Output] {
        let values: [Output]
        do {
            values = try MessagePackDecoder().decode([Output].self, from: outputs)
        } catch {
            throw TractorError(
                .decodingFailed, "could not decode the outputs of job '\(job)' as \(Output.self)", cause: error
            )
        }
        guard values.count + failures.count == count else {
            throw TractorError(
                .protocolViolation,
                "a batch of \(count) inputs of job '\(job)' came back with \(values.count + failures.count) results"
            )
        }
        var previous = -1
        for failure in failures {
            let index = Int(failure.index)
            guard index > previous, index < count else {
                throw TractorError(
                    .protocolViolation, "a batch of \(count) inputs of job '\(job)' reported input \(index) failed"
                )
            }
            previous = index
        }
        return values
    }

    /// One result per input, in input order: `values` (the decoded outputs) where inputs succeeded, the failures'
    /// errors where they failed: decoded as the type `errors` declares where they carry one, else as
    /// ``RemoteActorError``; with `firstIndex`, each knows its input's index, `firstIndex` plus its place in the batch.
    package func merging<Output>(
        _ values: [Output],
        errors: ErrorCoding?,
        firstIndex: Int?
    ) -> [Result<Output, any Error>] {
        var results: [Result<Output, any Error>] = []
        results.reserveCapacity(values.count + failures.count)
        var nextValue = values.startIndex
        var nextFailure = failures.startIndex
        for index in 0..<(values.count + failures.count) {
            if nextFailure < failures.endIndex, Int(failures[nextFailure].index) == index {
                let remote = RemoteActorError(failures[nextFailure].error)
                results.append(.failure(errors.thrown(for: remote, inputIndex: firstIndex.map { $0 + index })))
                nextFailure += 1
            } else {
                results.append(.success(values[nextValue]))
                nextValue += 1
            }
        }
        return results
    }
}
