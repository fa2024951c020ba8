//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

#if os(Linux)
import CTractorLinux
import Glibc

// What the runtime asks of its own process: a thread, the environment, a symbolic link, the call stack. Plain POSIX,
// so that neither the runtime nor a worker loads Foundation for them.

/// What a thread started by ``sys_thread_start(name:_:)`` runs; retained until the thread takes it.
private final class ThreadStart {
    let name: String
    let body: @Sendable () -> Void

    init(name: String, body: @escaping @Sendable () -> Void) {
        self.name = name
        self.body = body
    }
}

/// Starts a detached thread named `name` (as `ps` and `/proc/PID/task/TID/comm` show it, at most 15 bytes) that runs
/// `body`; the thread ends when `body` returns. The corresponding C functions are `pthread_create` and
/// `pthread_detach`.
///
/// - Throws: `.systemCallFailed` when the thread cannot be created (the process's thread limit, `ulimit -u`, or
///   memory is exhausted).
package func sys_thread_start(name: String, _ body: @escaping @Sendable () -> Void) throws(TractorError) {
    let start = Unmanaged.passRetained(ThreadStart(name: name, body: body)).toOpaque()
    var thread = pthread_t()
    let result = pthread_create(
        &thread,
        nil,
        { raw in
            guard let raw else { return nil }
            let start = Unmanaged<ThreadStart>.fromOpaque(raw).takeRetainedValue()
            _ = ctractor_set_thread_name(start.name)
            start.body()
            return nil
        },
        start
    )
    guard result == 0 else {
        Unmanaged<ThreadStart>.fromOpaque(start).release()
        throw TractorError(.systemCallFailed, "pthread_create failed: \(Errno(result))", cause: Errno(result))
    }
    pthread_detach(thread)
}

/// This process's environment, by variable name; where a name occurs twice, its first value (as `getenv` reads it).
package func sys_environment() -> [String: String] {
    var variables: [String: String] = [:]
    // `environ` is null after `clearenv`, which the C library's declaration does not say.
    let table = unsafeBitCast(Glibc.environ, to: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?.self)
    guard var entry = table else { return variables }
    while let pointer = entry.pointee {
        let text = String(cString: pointer)
        if let equals = text.utf8.firstIndex(of: UInt8(ascii: "=")) {
            let name = String(text[..<equals])
            if variables[name] == nil {
                variables[name] = String(text[text.index(after: equals)...])
            }
        }
        entry += 1
    }
    return variables
}

/// The target of the symbolic link at `path`, or `nil` when it is not one or cannot be read. The corresponding C
/// function is `readlink`.
package func sys_readlink(_ path: String) -> String? {
    var capacity = 256
    while capacity <= 1 << 16 {
        let target = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            let length = buffer.withMemoryRebound(to: CChar.self) { Glibc.readlink(path, $0.baseAddress!, capacity) }
            count = length < 0 ? 0 : length
        }
        if target.isEmpty { return nil }
        // A full buffer may have cut the target short: read it again into a larger one.
        if target.count < capacity { return String(decoding: target, as: UTF8.self) }
        capacity *= 4
    }
    return nil
}

/// The calling thread's stack, one frame a line, innermost first (this function's own frame included), as the C
/// library can name it: `binary(symbol+offset) [address]`. The corresponding C functions are `backtrace` and
/// `backtrace_symbols`.
@inline(never)
package func sys_call_stack_symbols() -> [String] {
    let capacity: CInt = 128
    let addresses = UnsafeMutablePointer<UnsafeMutableRawPointer?>.allocate(capacity: Int(capacity))
    defer { addresses.deallocate() }
    let count = backtrace(addresses, capacity)
    guard count > 0, let symbols = backtrace_symbols(addresses, count) else { return [] }
    defer { free(symbols) }
    return (0..<Int(count)).map { index in symbols[index].map { String(cString: $0) } ?? "?" }
}
#endif
