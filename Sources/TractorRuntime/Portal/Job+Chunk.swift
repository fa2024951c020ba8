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
            let elapsed = (clock.now - start).components
            let nanoseconds = UInt64(elapsed.seconds) * 1_000_000_000 + UInt64(elapsed.attoseconds / 1_000_000_000)
            let reply = ChunkReply(elapsedNanoseconds: nanoseconds, values: values, failures: failures)
            do {
                return try MessagePackEncoder().encode(reply)
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
