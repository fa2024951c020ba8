//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

#if os(Linux)
import CTractorLinux
import Glibc

// The calls that binding and topology code makes: CPU affinity, NUMA memory policy and small files under /proc.
// Like the rest of this layer they retry EINTR where the call can be interrupted and return the errno; callers turn
// it into a `TractorError` that says what could not be done.

/// Sets the CPU mask of thread `tid` (0: the calling thread). Bit `n` of word `n / UInt.bitWidth` is CPU `n`.
///
/// The corresponding C function is `sched_setaffinity`.
package func sys_sched_setaffinity(_ tid: pid_t, _ mask: [UInt]) -> Result<Void, Errno> {
    let result = mask.withUnsafeBufferPointer { words in
        ctractor_sched_setaffinity(tid, words.count * MemoryLayout<UInt>.size, words.baseAddress)
    }
    return result == 0 ? .success(()) : .failure(Errno(errno))
}

/// The CPU mask of thread `tid` (0: the calling thread), in words as ``sys_sched_setaffinity(_:_:)`` takes them.
///
/// The kernel refuses a buffer smaller than its own CPU mask with EINVAL; the buffer grows until it fits.
/// The corresponding C function is `sched_getaffinity`.
package func sys_sched_getaffinity(_ tid: pid_t) -> Result<[UInt], Errno> {
    var wordCount = 1024 / UInt.bitWidth  // 1,024 CPUs, the size of glibc's cpu_set_t
    while true {
        var words = [UInt](repeating: 0, count: wordCount)
        let written = words.withUnsafeMutableBufferPointer { buffer in
            ctractor_sched_getaffinity(tid, buffer.count * MemoryLayout<UInt>.size, buffer.baseAddress)
        }
        if written >= 0 { return .success(words) }
        let code = errno
        guard code == EINVAL, wordCount * UInt.bitWidth < 1 << 22 else { return .failure(Errno(code)) }
        wordCount *= 2
    }
}

/// Sets the calling thread's NUMA memory policy to `mode` over the nodes of `nodes` (a mask like a CPU mask).
///
/// The corresponding C function is `set_mempolicy`; glibc does not wrap it, so it goes through `syscall`.
package func sys_set_mempolicy(mode: CInt, nodes: [UInt]) -> Result<Void, Errno> {
    let result = nodes.withUnsafeBufferPointer { words in
        // One more than the mask's bits, as libnuma passes it: the kernel reads `maxnode - 1` bits.
        ctractor_set_mempolicy(mode, words.baseAddress, UInt(words.count * UInt.bitWidth + 1))
    }
    return result == 0 ? .success(()) : .failure(Errno(errno))
}

/// The calling thread's NUMA memory policy: its mode and its node mask. Fails with ENOSYS on a kernel without NUMA
/// support.
///
/// The corresponding C function is `get_mempolicy`.
package func sys_get_mempolicy() -> Result<(mode: CInt, nodes: [UInt]), Errno> {
    var wordCount = 1024 / UInt.bitWidth
    while true {
        var mode: CInt = 0
        var words = [UInt](repeating: 0, count: wordCount)
        let result = words.withUnsafeMutableBufferPointer { buffer in
            ctractor_get_mempolicy(&mode, buffer.baseAddress, UInt(buffer.count * UInt.bitWidth + 1))
        }
        if result == 0 { return .success((mode, words)) }
        let code = errno
        guard code == EINVAL, wordCount * UInt.bitWidth < 1 << 16 else { return .failure(Errno(code)) }
        wordCount *= 2
    }
}

/// Reads a whole small file, such as one under `/proc` or `/sys`, as text.
package func sys_read_text_file(_ path: String) -> Result<String, Errno> {
    var descriptor: CInt
    repeat {
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
    } while descriptor < 0 && errno == EINTR
    guard descriptor >= 0 else { return .failure(Errno(errno)) }
    defer { sys_close(descriptor) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        switch chunk.withUnsafeMutableBytes({ raw in sys_read(descriptor, raw) }) {
        case .success(0):
            return .success(String(decoding: bytes, as: UTF8.self))
        case .success(let count):
            bytes.append(contentsOf: chunk[0..<count])
        case .failure(let error):
            return .failure(error)
        }
    }
}

/// The names in a directory, such as the thread ids in `/proc/self/task`, without `.` and `..`.
package func sys_list_directory(_ path: String) -> Result<[String], Errno> {
    guard let directory = opendir(path) else { return .failure(Errno(errno)) }
    defer { closedir(directory) }
    var names: [String] = []
    while true {
        errno = 0
        guard let entry = readdir(directory) else {
            return errno == 0 ? .success(names) : .failure(Errno(errno))
        }
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if name != "." && name != ".." { names.append(name) }
    }
}
#endif
