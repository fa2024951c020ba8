//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

#if os(Linux)
import CTractorLinux
import Glibc

// The system calls of TCP sockets and of the secret file, through the same layer as the others: EINTR retried,
// errno turned into a `TractorError` (code `.systemCallFailed`) that names the call.

private func failure(_ call: String, _ code: CInt = errno, file: String = #fileID, line: Int = #line) -> TractorError {
    TractorError(.systemCallFailed, "\(call) failed: \(Errno(code))", cause: Errno(code), file: file, line: line)
}

/// A non-blocking, close-on-exec TCP socket of `family` (`AF_INET` or `AF_INET6`).
package func sys_socket_tcp(family: CInt) throws(TractorError) -> CInt {
    let type = CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue) | CInt(SOCK_NONBLOCK.rawValue)
    let fd = Glibc.socket(family, type, CInt(IPPROTO_TCP))
    guard fd >= 0 else { throw failure("socket(\(family == AF_INET6 ? "AF_INET6" : "AF_INET"))") }
    return fd
}

/// Sets an integer socket option; `name` names it in the error. The corresponding C function is `setsockopt`.
package func sys_setsockopt(
    _ fd: CInt,
    _ level: CInt,
    _ option: CInt,
    _ value: CInt,
    name: String
) throws(TractorError) {
    var value = value
    let result = Glibc.setsockopt(fd, level, option, &value, socklen_t(MemoryLayout<CInt>.size))
    guard result == 0 else { throw failure("setsockopt(\(name))") }
}

/// Reads an integer socket option. The corresponding C function is `getsockopt`.
package func sys_getsockopt(_ fd: CInt, _ level: CInt, _ option: CInt) -> Result<CInt, Errno> {
    var value: CInt = 0
    var length = socklen_t(MemoryLayout<CInt>.size)
    guard Glibc.getsockopt(fd, level, option, &value, &length) == 0 else { return .failure(Errno(errno)) }
    return .success(value)
}

/// The error pending on a socket (`SO_ERROR`), which reading clears: how a non-blocking `connect` ended.
package func sys_socket_error(_ fd: CInt) -> Errno? {
    switch sys_getsockopt(fd, SOL_SOCKET, SO_ERROR) {
    case .success(0): nil
    case .success(let code): Errno(code)
    case .failure(let error): error
    }
}

/// Binds `fd` to `address` and listens with the largest backlog the kernel allows.
package func sys_bind_listen(_ fd: CInt, address: SocketAddress) throws(TractorError) {
    let bound = address.withSockAddr { Glibc.bind(fd, $0, $1) }
    guard bound == 0 else { throw failure("bind(\(address))") }
    guard Glibc.listen(fd, CInt(SOMAXCONN)) == 0 else { throw failure("listen(\(address))") }
}

/// Starts connecting a non-blocking socket to `address`: `true` when connected at once, `false` when the connection
/// is under way (`EINPROGRESS`: the socket becomes writable when it ends, and ``sys_socket_error(_:)`` says how).
package func sys_connect_start(_ fd: CInt, address: SocketAddress) -> Result<Bool, Errno> {
    while true {
        if address.withSockAddr({ Glibc.connect(fd, $0, $1) }) == 0 { return .success(true) }
        switch errno {
        case EINTR: continue
        case EINPROGRESS: return .success(false)
        case let code: return .failure(Errno(code))
        }
    }
}

/// The address `fd` is bound to (the port the kernel chose, after binding port 0). The C function is `getsockname`.
package func sys_getsockname(_ fd: CInt) throws(TractorError) -> SocketAddress {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let result = withUnsafeMutablePointer(to: &storage) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.getsockname(fd, $0, &length) }
    }
    guard result == 0 else { throw failure("getsockname") }
    return SocketAddress(storage: storage, length: length)
}

/// The address of the peer of a connected socket, or `nil` if it cannot be read. The C function is `getpeername`.
package func sys_getpeername(_ fd: CInt) -> SocketAddress? {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let result = withUnsafeMutablePointer(to: &storage) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.getpeername(fd, $0, &length) }
    }
    return result == 0 ? SocketAddress(storage: storage, length: length) : nil
}

/// The addresses of `host` and `port` for a TCP socket, in the resolver's order. The C function is `getaddrinfo`.
///
/// - Parameters:
///   - numericOnly: Take `host` as a numeric address only (`AI_NUMERICHOST`): the call never blocks, and a name
///     fails with `EAI_NONAME` at once.
///   - passive: Addresses to bind a listener to (`AI_PASSIVE`).
/// - Returns: The addresses, or the resolver's error code (`EAI_…`) and its text.
package func sys_getaddrinfo(
    host: String,
    port: UInt16,
    numericOnly: Bool,
    passive: Bool
) -> Result<[SocketAddress], ResolverError> {
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = CInt(SOCK_STREAM.rawValue)
    hints.ai_protocol = CInt(IPPROTO_TCP)
    hints.ai_flags = AI_NUMERICSERV | (numericOnly ? AI_NUMERICHOST : 0) | (passive ? AI_PASSIVE : 0)
    var list: UnsafeMutablePointer<addrinfo>?
    let code = getaddrinfo(host, String(port), &hints, &list)
    guard code == 0 else {
        let text = code == EAI_SYSTEM ? Errno(errno).description : String(cString: gai_strerror(code))
        return .failure(ResolverError(code: code, text: text))
    }
    defer { freeaddrinfo(list) }
    var addresses: [SocketAddress] = []
    var next = list
    while let entry = next {
        let family = entry.pointee.ai_family
        if let address = entry.pointee.ai_addr, family == AF_INET || family == AF_INET6 {
            var storage = sockaddr_storage()
            let length = min(Int(entry.pointee.ai_addrlen), MemoryLayout<sockaddr_storage>.size)
            let source = UnsafeRawBufferPointer(start: address, count: length)
            withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: source) }
            let found = SocketAddress(storage: storage, length: socklen_t(length))
            if !addresses.contains(found) { addresses.append(found) }
        }
        next = entry.pointee.ai_next
    }
    return .success(addresses)
}

/// A failure of `getaddrinfo`: its `EAI_…` code and what it means.
package struct ResolverError: Error, Sendable {
    package var code: CInt
    package var text: String
}

/// A small file's bytes and its permission bits, read from one open descriptor (so that the bits are the file's whose
/// bytes were read). For the secret file: its bytes are never made into a `String`.
package func sys_read_small_file(_ path: String, limit: Int) -> Result<(bytes: [UInt8], mode: mode_t), Errno> {
    var descriptor: CInt
    repeat {
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
    } while descriptor < 0 && errno == EINTR
    guard descriptor >= 0 else { return .failure(Errno(errno)) }
    defer { sys_close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else { return .failure(Errno(errno)) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    defer { for index in chunk.indices { chunk[index] = 0 } }
    while bytes.count <= limit {
        switch chunk.withUnsafeMutableBytes({ raw in sys_read(descriptor, raw) }) {
        case .success(0):
            return .success((bytes, status.st_mode))
        case .success(let count):
            bytes.append(contentsOf: chunk[0..<count])
        case .failure(let error):
            return .failure(error)
        }
    }
    return .failure(Errno(EFBIG))
}
#endif
