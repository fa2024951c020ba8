//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

#if os(Linux)
import CTractorLinux
import Glibc

// The one layer through which the runtime makes system calls: each wrapper retries EINTR and
// turns errno into a `TractorError` with code `.systemCallFailed` that names the call.

/// The errno value of a failed system call, with its name.
package struct Errno: Error, Sendable, Hashable, CustomStringConvertible {
    /// The raw errno value.
    package var rawValue: CInt

    package init(_ rawValue: CInt) { self.rawValue = rawValue }

    /// `strerror` text and the symbolic value, such as `"Connection refused (errno 111)"`.
    package var description: String {
        "\(String(cString: strerror(rawValue))) (errno \(rawValue))"
    }

    package static var wouldBlock: Errno { Errno(EAGAIN) }
}

@inline(__always)
private func failure(_ call: String, _ code: CInt = errno, file: String = #fileID, line: Int = #line) -> TractorError {
    TractorError(.systemCallFailed, "\(call) failed: \(Errno(code))", cause: Errno(code), file: file, line: line)
}

/// Runs `body` until it does not fail with EINTR; returns its result or throws the errno as `Errno`.
@inline(__always)
private func retryingEINTR<T: BinaryInteger>(_ body: () -> T) -> Result<T, Errno> {
    while true {
        let result = body()
        if result >= 0 { return .success(result) }
        let code = errno
        if code != EINTR { return .failure(Errno(code)) }
    }
}

package func sys_read(_ fd: CInt, _ buffer: UnsafeMutableRawBufferPointer) -> Result<Int, Errno> {
    retryingEINTR { Glibc.read(fd, buffer.baseAddress, buffer.count) }
}

package func sys_write(_ fd: CInt, _ buffer: UnsafeRawBufferPointer) -> Result<Int, Errno> {
    retryingEINTR { Glibc.send(fd, buffer.baseAddress, buffer.count, CInt(MSG_NOSIGNAL)) }
}

/// The CPU the calling thread runs on now (it may run elsewhere a moment later), or `nil` where the system cannot say.
package func sys_current_cpu() -> Int? {
    let cpu = ctractor_current_cpu()
    return cpu >= 0 ? Int(cpu) : nil
}

/// CLOCK_MONOTONIC in nanoseconds (a vDSO call: no system call).
package func sys_monotonic_nanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
}

/// Closes `fd`. EINTR is not retried: on Linux the descriptor is released even then.
package func sys_close(_ fd: CInt) {
    _ = Glibc.close(fd)
}

package func sys_socket_unix() throws(TractorError) -> CInt {
    let fd = Glibc.socket(AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue) | CInt(SOCK_NONBLOCK.rawValue), 0)
    guard fd >= 0 else { throw failure("socket(AF_UNIX)") }
    return fd
}

/// Fills a `sockaddr_un` for `path` and calls `body` with it.
private func withUnixAddress<T>(
    _ path: String,
    _ body: (UnsafePointer<sockaddr>, socklen_t) -> T
) throws(TractorError) -> T {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    let capacity = MemoryLayout.size(ofValue: address.sun_path)
    guard bytes.count < capacity else {
        throw TractorError(.invalidArgument, "socket path is \(bytes.count) bytes, the limit is \(capacity - 1): \(path)")
    }
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        raw.copyBytes(from: bytes)
        raw[bytes.count] = 0
    }
    return withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
}

package func sys_bind_listen(_ fd: CInt, path: String, backlog: CInt = 128) throws(TractorError) {
    let bound = try withUnixAddress(path) { Glibc.bind(fd, $0, $1) }
    guard bound == 0 else { throw failure("bind(\(path))") }
    guard Glibc.listen(fd, backlog) == 0 else { throw failure("listen(\(path))") }
}

/// Connects a non-blocking socket to `path`, waiting for the connection to complete.
package func sys_connect(_ fd: CInt, path: String) throws(TractorError) {
    while true {
        let result = try withUnixAddress(path) { Glibc.connect(fd, $0, $1) }
        if result == 0 { return }
        switch errno {
        case EINTR:
            continue
        case EAGAIN, EINPROGRESS:
            // A Unix socket whose listener's backlog is full: wait until it becomes writable.
            var pollFD = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            _ = Glibc.poll(&pollFD, 1, 1000)
            continue
        case let code:
            throw failure("connect(\(path))", code)
        }
    }
}

/// Opens `/dev/null` read-only and close-on-exec: a descriptor to hold in reserve; -1 if none is left.
package func sys_open_spare_descriptor() -> CInt {
    Glibc.open("/dev/null", O_RDONLY | O_CLOEXEC)
}

/// Accepts one connection; `nil` when none is pending.
package func sys_accept(_ fd: CInt) throws(TractorError) -> CInt? {
    switch retryingEINTR({ ctractor_accept_nonblocking(fd) }) {
    case .success(let client):
        return client
    case .failure(let error) where error.rawValue == EAGAIN || error.rawValue == ECONNABORTED:
        return nil
    case .failure(let error):
        throw failure("accept4", error.rawValue)
    }
}

package func sys_epoll_create() throws(TractorError) -> CInt {
    let fd = epoll_create1(CInt(EPOLL_CLOEXEC))
    guard fd >= 0 else { throw failure("epoll_create1") }
    return fd
}

package func sys_epoll_ctl(_ epfd: CInt, _ op: CInt, _ fd: CInt, events: UInt32) throws(TractorError) {
    var event = epoll_event()
    event.events = events
    event.data.fd = fd
    guard epoll_ctl(epfd, op, fd, &event) == 0 else { throw failure("epoll_ctl(\(op), fd \(fd))") }
}

package func sys_eventfd() throws(TractorError) -> CInt {
    let fd = eventfd(0, CInt(EFD_CLOEXEC) | CInt(EFD_NONBLOCK))
    guard fd >= 0 else { throw failure("eventfd") }
    return fd
}

package func sys_pidfd_open(_ pid: pid_t) throws(TractorError) -> CInt {
    let fd = ctractor_pidfd_open(pid)
    guard fd >= 0 else { throw failure("pidfd_open(\(pid))") }
    return fd
}

/// Reaps `pid` if it has exited; returns its raw wait status, or `nil` if it is still running.
package func sys_waitpid_nohang(_ pid: pid_t) throws(TractorError) -> CInt? {
    var status: CInt = 0
    switch retryingEINTR({ Glibc.waitpid(pid, &status, WNOHANG) }) {
    case .success(0):
        return nil
    case .success:
        return status
    case .failure(let error):
        throw failure("waitpid(\(pid))", error.rawValue)
    }
}

/// Raises the soft limit on open descriptors (`RLIMIT_NOFILE`) to the hard limit, as a process that holds a socket and
/// a pidfd per child needs with many children; returns the soft limit in force afterwards. A limit that cannot be read
/// or raised is left as it is. The corresponding C functions are `getrlimit` and `setrlimit`.
@discardableResult
package func sys_raise_open_file_limit() -> UInt64 {
    var limit = rlimit()
    guard getrlimit(RLIMIT_NOFILE_RESOURCE, &limit) == 0 else { return 0 }
    if limit.rlim_cur < limit.rlim_max {
        var raised = limit
        raised.rlim_cur = limit.rlim_max
        if setrlimit(RLIMIT_NOFILE_RESOURCE, &raised) == 0 { return UInt64(raised.rlim_cur) }
    }
    return UInt64(limit.rlim_cur)
}

/// `RLIMIT_NOFILE`, as the type `getrlimit` and `setrlimit` take.
private var RLIMIT_NOFILE_RESOURCE: __rlimit_resource_t { __rlimit_resource_t(RLIMIT_NOFILE.rawValue) }

/// Sends `signal` to `pid`; a process that is already gone is not an error.
package func sys_kill(_ pid: pid_t, _ signal: CInt) {
    _ = Glibc.kill(pid, signal)
}

/// Creates a private (mode 0700) directory from a template ending in `XXXXXX`.
package func sys_mkdtemp(_ template: String) throws(TractorError) -> String {
    var bytes = Array(template.utf8CString)
    let made = bytes.withUnsafeMutableBufferPointer { Glibc.mkdtemp($0.baseAddress!) }
    guard made != nil else { throw failure("mkdtemp(\(template))") }
    return String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

package func sys_unlink(_ path: String) {
    _ = Glibc.unlink(path)
}

package func sys_rmdir(_ path: String) {
    _ = Glibc.rmdir(path)
}

/// Fills `count` bytes from the kernel's random source.
package func sys_random_bytes(_ count: Int) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    var filled = 0
    while filled < count {
        let got = bytes.withUnsafeMutableBytes { raw in
            getrandom(raw.baseAddress! + filled, count - filled, 0)
        }
        if got > 0 { filled += got }
    }
    return bytes
}
#endif
