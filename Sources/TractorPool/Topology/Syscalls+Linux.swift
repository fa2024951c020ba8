//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

#if os(Linux)
import Glibc

// The file-system calls that topology and binding code makes, each retrying EINTR where the call can be
// interrupted and returning errno with the call's name. The CPU-affinity calls are in ProcessBinding+Numa.swift:
// Glibc's module does not export `sched_getaffinity`, so they go through libnuma's wrappers.

/// The result of a failed call: errno and the call's name, ready to wrap in a ``TractorError``.
typealias SyscallResult<T> = Result<T, SystemErrno>

/// Reads a whole small file, such as one under `/proc` or `/sys`, as text.
func sysReadTextFile(_ path: String) -> SyscallResult<String> {
    var descriptor: Int32
    repeat {
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
    } while descriptor < 0 && errno == EINTR
    guard descriptor >= 0 else {
        return .failure(SystemErrno(errno, call: "open(\(path))"))
    }
    defer { close(descriptor) }

    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count > 0 {
            bytes.append(contentsOf: chunk[0..<count])
        } else if count == 0 {
            return .success(String(decoding: bytes, as: UTF8.self))
        } else if errno != EINTR {
            return .failure(SystemErrno(errno, call: "read(\(path))"))
        }
    }
}

/// The names in a directory, such as the thread ids in `/proc/self/task`, without `.` and `..`.
func sysListDirectory(_ path: String) -> SyscallResult<[String]> {
    guard let directory = opendir(path) else {
        return .failure(SystemErrno(errno, call: "opendir(\(path))"))
    }
    defer { closedir(directory) }
    var names: [String] = []
    while true {
        errno = 0
        guard let entry = readdir(directory) else {
            return errno == 0 ? .success(names) : .failure(SystemErrno(errno, call: "readdir(\(path))"))
        }
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if name != "." && name != ".." {
            names.append(name)
        }
    }
}
#endif
