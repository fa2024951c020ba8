//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// A pool chunk is one `start` of the built-in job `tractor.chunk` whose payload is an array of inputs; its `return`
// carries one result or error per item, so that one failing item fails only its own future.
//
//   request: [job name, [input, input, …]]
//   reply:   [nanoseconds the worker spent, [output of each item that succeeded, in order], [[index, error], …]]

/// The request of a chunk: the job to run and its inputs.
package struct ChunkRequest<Input: Encodable>: Encodable {
    /// The job's registered name.
    package var job: String
    /// One input per item.
    package var inputs: [Input]

    package init(job: String, inputs: [Input]) {
        self.job = job
        self.inputs = inputs
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        try container.encode(job)
        try container.encode(inputs)
    }
}

/// The reply of a chunk: the worker's time, the outputs of the items that succeeded and the errors of the others.
package struct ChunkReply<Output> {
    /// The time the worker spent running the items, in nanoseconds.
    package var elapsedNanoseconds: UInt64
    /// The outputs of the items that succeeded, in item order.
    package var values: [Output]
    /// The items that failed, by index.
    package var failures: [ChunkItemFailure]

    package init(elapsedNanoseconds: UInt64, values: [Output], failures: [ChunkItemFailure]) {
        self.elapsedNanoseconds = elapsedNanoseconds
        self.values = values
        self.failures = failures
    }

    /// One result per item, in item order.
    package var results: [Result<Output, RemoteActorError>] {
        if failures.isEmpty { return values.map { .success($0) } }
        var results: [Result<Output, RemoteActorError>] = []
        results.reserveCapacity(values.count + failures.count)
        var nextValue = values.startIndex
        var failureIndex = 0
        for index in 0..<(values.count + failures.count) {
            if failureIndex < failures.count, failures[failureIndex].index == index {
                results.append(.failure(RemoteActorError(failures[failureIndex].error.info)))
                failureIndex += 1
            } else if nextValue < values.endIndex {
                results.append(.success(values[nextValue]))
                nextValue += 1
            }
        }
        return results
    }
}

extension ChunkReply: Encodable where Output: Encodable {
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        try container.encode(elapsedNanoseconds)
        try container.encode(values)
        try container.encode(failures)
    }
}

extension ChunkRequest {
    /// The request's bytes, as `MessagePackEncoder().encode(self)` writes them, written without the Codable
    /// machinery around the inputs' own encoding.
    package func encoded() throws -> [UInt8] {
        var bytes: [UInt8] = []
        try ByteArraySink.withSink(appendingTo: &bytes) { (sink) throws(TractorError) in
            try sink.writeArrayHeader(count: 2)
            try sink.writeString(job)
        }
        bytes.append(contentsOf: try MessagePackEncoder().encode(inputs))
        return bytes
    }
}

extension ChunkReply where Output: Encodable {
    /// The reply's bytes, as `MessagePackEncoder().encode(self)` writes them, written without the Codable machinery
    /// around the outputs' own encoding.
    package func encoded() throws -> [UInt8] {
        var bytes: [UInt8] = []
        try ByteArraySink.withSink(appendingTo: &bytes) { (sink) throws(TractorError) in
            try sink.writeArrayHeader(count: 3)
            sink.writeUInt(elapsedNanoseconds)
        }
        let encoder = MessagePackEncoder()
        bytes.append(contentsOf: try encoder.encode(values))
        if failures.isEmpty {
            bytes.append(MessagePackFormat.fixarray)
        } else {
            bytes.append(contentsOf: try encoder.encode(failures))
        }
        return bytes
    }
}

extension ChunkReply where Output: Decodable {
    /// Decodes a reply as `MessagePackDecoder().decode(ChunkReply<Output>.self, from: bytes)` does, reading its
    /// outline directly and decoding the outputs as one array.
    package static func decode(from bytes: [UInt8]) throws -> ChunkReply<Output> {
        let (elapsed, values, failures) = try bytes.withUnsafeBytes { raw throws -> (UInt64, Range<Int>, Range<Int>) in
            var reader = MessagePackReader(raw)
            guard try reader.readArrayCount() == 3 else {
                throw TractorError(.malformedData, "a chunk reply is an array of three values")
            }
            let elapsed = try reader.readInteger(UInt64.self)
            let valuesStart = reader.offset
            try reader.skipValue()
            let failuresStart = reader.offset
            try reader.skipValue()
            guard reader.isAtEnd else {
                throw TractorError(.malformedData, "bytes follow the end of a chunk reply")
            }
            return (elapsed, valuesStart..<failuresStart, failuresStart..<reader.offset)
        }
        let decoder = MessagePackDecoder()
        let noFailures = failures.count == 1 && bytes[failures.lowerBound] == MessagePackFormat.fixarray
        return ChunkReply(
            elapsedNanoseconds: elapsed,
            values: try decoder.decode([Output].self, from: bytes[values]),
            failures: noFailures ? [] : try decoder.decode([ChunkItemFailure].self, from: bytes[failures])
        )
    }
}

extension ChunkReply: Decodable where Output: Decodable {
    package init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        elapsedNanoseconds = try container.decode(UInt64.self)
        values = try container.decode([Output].self)
        failures = try container.decode([ChunkItemFailure].self)
    }
}

/// One failed item of a chunk.
package struct ChunkItemFailure: Sendable, Codable {
    /// The item's position in the chunk.
    package var index: Int
    /// Its error.
    package var error: WireErrorInfo

    package init(index: Int, error: WireErrorInfo) {
        self.index = index
        self.error = error
    }

    package init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        index = try container.decode(Int.self)
        error = try container.decode(WireErrorInfo.self)
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        try container.encode(index)
        try container.encode(error)
    }
}

/// A `Codable` mirror of ``RemoteErrorInfo``, for errors that travel inside a job's payload (as a chunk's per-item
/// errors do) rather than in an `error` message.
package struct WireErrorInfo: Sendable, Codable {
    var source: ActorID
    var typeName: String
    var message: String
    var backtrace: String?
    var job: String?
    var code: String?
    var relayPath: [ActorID]
    var nested: [WireErrorInfo]

    package init(_ info: RemoteErrorInfo) {
        source = info.source
        typeName = info.typeName
        message = info.message
        backtrace = info.backtrace
        job = info.job
        code = info.code
        relayPath = info.relayPath
        nested = info.nested.map(WireErrorInfo.init)
    }

    /// The error description this mirrors.
    package var info: RemoteErrorInfo {
        RemoteErrorInfo(
            source: source, typeName: typeName, message: message, backtrace: backtrace, job: job, code: code,
            relayPath: relayPath, nested: nested.map(\.info)
        )
    }
}
