//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension Job {
    /// Runs a chunk of this job's items: decodes the inputs as one array, runs them one after another, and encodes
    /// one ``ChunkReply``. An item that throws fails alone; cancellation between or within items ends the chunk with
    /// `CancellationError`.
    var chunkInvoker: @Sendable (ArraySlice<UInt8>) async throws -> [UInt8] {
        { [body, name] bytes in
            let inputs = try MessagePackDecoder().decode([Input].self, from: bytes)
            let clock = ContinuousClock()
            let start = clock.now
            var values: [Output] = []
            values.reserveCapacity(inputs.count)
            var failures: [ChunkItemFailure] = []
            var index = 0
            while index < inputs.count {
                try Task.checkCancellation()
                do {
                    values.append(try await body(inputs[index]))
                } catch is CancellationError where Task.isCancelled {
                    throw CancellationError()
                } catch {
                    let info = RemoteErrorInfo.describing(error, in: ActorRuntime.shared.identity, job: name)
                    failures.append(ChunkItemFailure(index: index, error: WireErrorInfo(info)))
                }
                index += 1
            }
            let nanoseconds = UInt64(clamping: (clock.now - start).nanosecondsClamped)
            let reply = ChunkReply(elapsedNanoseconds: nanoseconds, values: values, failures: failures)
            do {
                return try reply.encoded()
            } catch {
                throw TractorError(
                    .encodingFailed, "could not encode the outputs of a chunk of job '\(name)'", cause: error
                )
            }
        }
    }
}

/// The built-in job `tractor.chunk`, served by every actor: runs a chunk of items of one of the actor's own jobs.
///
/// The job is looked up when the chunk arrives, in the table the actor serves, so a chunk can run only a job the
/// actor would serve alone; the runtime's own `tractor.` jobs cannot be chunked.
package enum ChunkJob {
    /// The job's name.
    package static let name = "tractor.chunk"

    /// The job, serving from `runtime`'s job table.
    static func erased(runtime: ActorRuntime) -> ErasedJob {
        ErasedJob(name: name, kind: .call) { payload, _ in
            try await run(payload, runtime: runtime)
        }
    }

    /// Runs one chunk request with `runtime`'s jobs and returns its encoded reply.
    static func run(_ payload: [UInt8], runtime: ActorRuntime) async throws -> [UInt8] {
        let (jobName, inputsOffset) = try header(of: payload)
        guard !jobName.hasPrefix("tractor."), let job = runtime.jobTable.jobs[jobName], let invoke = job.invokeChunk
        else {
            let served = runtime.jobTable.jobs.keys.filter { !$0.hasPrefix("tractor.") }.sorted()
            throw TractorError(
                .unknownJob,
                "actor \(runtime.identity) cannot run chunks of a job named '\(jobName)'; it serves: "
                    + served.joined(separator: ", ")
            )
        }
        return try await invoke(payload[inputsOffset...])
    }

    /// The worker's time for a chunk, read from the head of its encoded reply without decoding the rest.
    package static func elapsed(ofReply reply: [UInt8]) -> Duration? {
        reply.withUnsafeBytes { raw -> Duration? in
            var reader = MessagePackReader(raw)
            guard (try? reader.readArrayCount()) == 3, let nanoseconds = try? reader.readInteger(UInt64.self) else {
                return nil
            }
            return .nanoseconds(Int64(clamping: nanoseconds))
        }
    }

    /// The job name of a chunk request and the offset where its inputs start.
    private static func header(of payload: [UInt8]) throws(TractorError) -> (String, Int) {
        let parsed = payload.withUnsafeBytes { raw -> Result<(String, Int), TractorError> in
            var reader = MessagePackReader(raw)
            do throws(TractorError) {
                guard try reader.readArrayCount() == 2 else {
                    return .failure(TractorError(.malformedData, "a chunk request is an array of two values"))
                }
                let name = try reader.readString()
                return .success((name, reader.offset))
            } catch {
                return .failure(error)
            }
        }
        return try parsed.get()
    }
}

/// The built-in job `tractor.chunks`, served by every actor: runs several chunk requests, one after another, in one
/// call, and answers each separately.
///
/// A pool sends a worker a group of the short chunks of one `map` this way, so that a `map` with small chunks costs
/// one message each way per group rather than per chunk; each chunk keeps its own reply, or its own error (an unknown
/// job, an undecodable request). Cancelling the call cancels the chunk running and drops the ones after it.
///
///     request: [bin chunk request, …]
///     reply:   [[0, bin chunk reply] or [1, bin error], …]     (the error as `WireErrorInfo`)
package enum ChunkGroupJob {
    /// The job's name.
    package static let name = "tractor.chunks"

    /// The job, serving from `runtime`'s job table.
    static func erased(runtime: ActorRuntime) -> ErasedJob {
        ErasedJob(name: name, kind: .call) { payload, _ in
            let requests = try payload.withUnsafeBytes { raw -> [[UInt8]] in
                var reader = MessagePackReader(raw)
                let count = try reader.readArrayCount()
                var requests: [[UInt8]] = []
                requests.reserveCapacity(count)
                for _ in 0..<count { requests.append(Array(try reader.readBinary())) }
                guard reader.isAtEnd else {
                    throw TractorError(.malformedData, "bytes follow the chunk requests of a group")
                }
                return requests
            }
            var outcomes: [Result<[UInt8], any Error>] = []
            outcomes.reserveCapacity(requests.count)
            for request in requests {
                try Task.checkCancellation()
                do {
                    outcomes.append(.success(try await ChunkJob.run(request, runtime: runtime)))
                } catch is CancellationError where Task.isCancelled {
                    throw CancellationError()
                } catch {
                    outcomes.append(.failure(error))
                }
            }
            var reply: [UInt8] = []
            try ByteArraySink.withSink(appendingTo: &reply) { (sink) throws(TractorError) in
                try sink.writeArrayHeader(count: outcomes.count)
                for outcome in outcomes {
                    try sink.writeArrayHeader(count: 2)
                    switch outcome {
                    case .success(let bytes):
                        sink.writeUInt(0)
                        try sink.writeBinary(bytes)
                    case .failure(let error):
                        sink.writeUInt(1)
                        let info = RemoteErrorInfo.describing(error, in: runtime.identity, job: ChunkJob.name)
                        let encoded: [UInt8]
                        do {
                            encoded = try MessagePackEncoder().encode(WireErrorInfo(info))
                        } catch {
                            throw TractorError(.encodingFailed, "could not encode a chunk's error: \(error)")
                        }
                        try sink.writeBinary(encoded)
                    }
                }
            }
            return reply
        }
    }

    /// The request of a group: the chunk requests, in order.
    package static func request(_ chunks: [[UInt8]]) throws(TractorError) -> [UInt8] {
        var request: [UInt8] = []
        request.reserveCapacity(chunks.reduce(8) { $0 + $1.count + 5 })
        try ByteArraySink.withSink(appendingTo: &request) { (sink) throws(TractorError) in
            try sink.writeArrayHeader(count: chunks.count)
            for chunk in chunks { try sink.writeBinary(chunk) }
        }
        return request
    }

    /// Each chunk's reply, or its error, from the reply of a group of `count` chunks.
    package static func replies(
        _ reply: [UInt8],
        count expected: Int
    ) throws(TractorError) -> [Result<[UInt8], RemoteActorError>] {
        let parsed = reply.withUnsafeBytes { raw -> Result<[Result<[UInt8], RemoteActorError>], TractorError> in
            do throws(TractorError) {
                var reader = MessagePackReader(raw)
                let count = try reader.readArrayCount()
                guard count == expected else {
                    throw TractorError(.malformedData, "a group of \(expected) chunks was answered with \(count) replies")
                }
                var results: [Result<[UInt8], RemoteActorError>] = []
                results.reserveCapacity(count)
                for _ in 0..<count {
                    guard try reader.readArrayCount() == 2 else {
                        throw TractorError(.malformedData, "a chunk's outcome is an array of two values")
                    }
                    let failed = try reader.readInteger(UInt8.self)
                    let bytes = Array(try reader.readBinary())
                    if failed == 0 {
                        results.append(.success(bytes))
                    } else {
                        let info: WireErrorInfo
                        do {
                            info = try MessagePackDecoder().decode(WireErrorInfo.self, from: bytes)
                        } catch {
                            throw TractorError(.malformedData, "a chunk's error could not be decoded: \(error)")
                        }
                        results.append(.failure(RemoteActorError(info.info)))
                    }
                }
                return .success(results)
            } catch {
                return .failure(error)
            }
        }
        return try parsed.get()
    }
}
