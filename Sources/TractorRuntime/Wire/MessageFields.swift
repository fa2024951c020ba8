//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// The field types of ``Message``. Their byte layout lives with the enum, in WireCodec.swift.

/// The identity of one actor: its name, a unique id, and its process id.
///
/// ```swift
/// print(Tractor.currentActor.name, Tractor.currentActor.pid)
/// ```
public struct ActorID: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The name it was started with, such as `"frank"`; not necessarily unique.
    public var name: String
    /// A unique id, fixed for the actor's life.
    public var uid: String
    /// The operating-system process id.
    public var pid: Int32

    /// Creates an actor identity.
    public init(name: String, uid: String, pid: Int32) {
        self.name = name
        self.uid = uid
        self.pid = pid
    }

    /// `name[pid]`, for logs and error messages.
    public var description: String { "\(name)[\(pid)]" }
}

/// The first message on every connection, in both directions.
package struct Hello: Sendable, Hashable {
    /// Who is speaking.
    package var actor: ActorID
    /// The speaker's ``tractorWireVersion``.
    package var version: UInt32
    /// The one-time cookie the parent gave the child; the parent answers with the same bytes.
    package var cookie: [UInt8]

    /// Creates a hello message.
    package init(actor: ActorID, version: UInt32 = tractorWireVersion, cookie: [UInt8]) {
        self.actor = actor
        self.version = version
        self.cookie = cookie
    }
}

/// What a parent tells a new child right after the handshake.
package struct SpawnSpec: Sendable, Hashable {
    /// The names of the jobs the child may serve; a subset of those it was built with. Empty means all of them.
    package var jobs: [String]
    /// CPU and memory binding to apply before the child allocates, if any.
    package var binding: BindingSpec?
    /// The Unix-socket path of the registry (the root actor's listener), if the tree has one.
    package var registryAddress: String?
    /// The child's log level, as swift-log names it (`"info"`, `"debug"`, …).
    package var logLevel: String
    /// How the child tears down its own children.
    package var teardown: TeardownSpec
    /// The child's parent.
    package var parent: ActorID

    /// Creates a spawn spec.
    package init(
        jobs: [String],
        binding: BindingSpec?,
        registryAddress: String?,
        logLevel: String,
        teardown: TeardownSpec,
        parent: ActorID
    ) {
        self.jobs = jobs
        self.binding = binding
        self.registryAddress = registryAddress
        self.logLevel = logLevel
        self.teardown = teardown
        self.parent = parent
    }
}

/// Where a child should run: the CPUs it may use and the NUMA node its memory should come from.
package struct BindingSpec: Sendable, Hashable {
    /// Logical CPU (PU) numbers, as the operating system numbers them. Empty means unbound.
    package var cpus: [UInt32]
    /// The NUMA node to bind memory to, or `nil` to leave the memory policy alone.
    package var memoryNode: Int32?

    /// Creates a binding spec.
    package init(cpus: [UInt32], memoryNode: Int32?) {
        self.cpus = cpus
        self.memoryNode = memoryNode
    }
}

/// The timing of the cancellation ladder, as it travels to children (in milliseconds).
package struct TeardownSpec: Sendable, Hashable {
    /// How long to wait for `cancelAck` before SIGTERM.
    package var cancelGraceMilliseconds: UInt32
    /// How long to wait after SIGTERM before SIGKILL.
    package var terminateGraceMilliseconds: UInt32

    /// Creates a teardown spec.
    package init(cancelGraceMilliseconds: UInt32, terminateGraceMilliseconds: UInt32) {
        self.cancelGraceMilliseconds = cancelGraceMilliseconds
        self.terminateGraceMilliseconds = terminateGraceMilliseconds
    }
}

/// How the caller will talk to a job it starts.
package enum CallKind: UInt8, Sendable, Hashable {
    /// One input, one result.
    case call = 0
    /// One input, a stream of results, then a result.
    case stream = 1
    /// One input, a `started` value, a two-way stream, then a result.
    case context = 2
}

/// The `start` message: begins job `job` as call `cid`.
package struct Start: Sendable, Hashable {
    /// The call id, chosen by the caller, unique among its calls in flight on this channel.
    package var cid: UInt64
    /// The job's registered name.
    package var job: String
    /// Call, stream or context.
    package var kind: CallKind
    /// The job's input, MessagePack-encoded.
    package var payload: [UInt8]

    /// Creates a start message.
    package init(cid: UInt64, job: String, kind: CallKind, payload: [UInt8]) {
        self.cid = cid
        self.job = job
        self.kind = kind
        self.payload = payload
    }
}

/// The `batch` message: runs many inputs of call job `job`, one after another, as call `cid`.
///
/// The actor answers with one `batchReturn` holding a result or an error for each input, or with `error` when the
/// batch as a whole cannot run (an unknown job, inputs that do not decode), or `cancelAck` when it was cancelled.
package struct Batch: Sendable, Hashable {
    /// The call id, chosen by the caller, unique among its calls in flight on this channel.
    package var cid: UInt64
    /// The registered name of a call job.
    package var job: String
    /// The inputs: one MessagePack array whose elements are the inputs as the job's codec encodes them.
    package var inputs: [UInt8]

    /// Creates a batch message.
    package init(cid: UInt64, job: String, inputs: [UInt8]) {
        self.cid = cid
        self.job = job
        self.inputs = inputs
    }
}

/// The answer to a ``Batch``: the outputs of the inputs that succeeded, the errors of the others, and the actor's
/// time.
package struct BatchResults: Sendable, Hashable {
    /// The time the actor spent running the inputs, in nanoseconds.
    package var elapsedNanoseconds: UInt64
    /// The outputs of the inputs that succeeded, in input order: one MessagePack array whose elements are the outputs
    /// as the job's codec encodes them.
    package var outputs: [UInt8]
    /// The inputs that failed, by increasing index.
    package var failures: [BatchFailure]

    /// Creates the results of a batch.
    package init(elapsedNanoseconds: UInt64, outputs: [UInt8], failures: [BatchFailure]) {
        self.elapsedNanoseconds = elapsedNanoseconds
        self.outputs = outputs
        self.failures = failures
    }
}

/// One input of a batch that failed: its position among the batch's inputs, and its error.
package struct BatchFailure: Sendable, Hashable {
    /// The input's position in the batch, from 0.
    package var index: UInt32
    /// Its error.
    package var error: RemoteErrorInfo

    /// Creates the failure of one input.
    package init(index: UInt32, error: RemoteErrorInfo) {
        self.index = index
        self.error = error
    }
}

/// An error as it crosses the wire: enough to re-raise it as ``RemoteActorError`` on the other side, or as its own
/// type where the job declared that type (``ErrorCoding``).
package struct RemoteErrorInfo: Sendable, Hashable, Codable {
    /// The actor where the error was first raised.
    package var source: ActorID
    /// The Swift type name of the original error, such as `"MyApp.ParseError"`.
    package var typeName: String
    /// The original error's description.
    package var message: String
    /// A backtrace of the failing task, when the runtime could take one.
    package var backtrace: String?
    /// The job that failed, when the error came from a job.
    package var job: String?
    /// The `TractorError.Code` name when the original was a `TractorError`, such as `"unknownJob"`.
    package var code: String?
    /// The actors the error passed through on its way here, nearest the source first.
    package var relayPath: [ActorID]
    /// Errors gathered together with this one (several children of one nursery failing at once).
    package var nested: [RemoteErrorInfo]
    /// The error value itself, MessagePack-encoded, when the job declared the error's type (see ``ErrorCoding``):
    /// the caller decodes it and throws it as that type.
    package var payload: [UInt8]?
    /// The host the error came from, when this process heard it from an actor that runs beneath a host agent: the
    /// name that agent joined under. The receiving side sets it (``withHost(_:)``); the wire codec leaves it out.
    package var host: String?

    /// Creates an error description.
    package init(
        source: ActorID,
        typeName: String,
        message: String,
        backtrace: String? = nil,
        job: String? = nil,
        code: String? = nil,
        relayPath: [ActorID] = [],
        nested: [RemoteErrorInfo] = [],
        payload: [UInt8]? = nil
    ) {
        self.source = source
        self.typeName = typeName
        self.message = message
        self.backtrace = backtrace
        self.job = job
        self.code = code
        self.relayPath = relayPath
        self.nested = nested
        self.payload = payload
    }

    /// This error and every error nested in it, heard from an actor on host `host` (`nil`: an actor of this host).
    package func withHost(_ host: String?) -> RemoteErrorInfo {
        guard let host else { return self }
        var info = self
        info.host = host
        info.nested = nested.map { $0.withHost(host) }
        return info
    }
}
