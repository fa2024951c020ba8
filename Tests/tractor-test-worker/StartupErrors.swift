//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc
import TractorRuntime
import TractorTestJobs

/// `tractor-test-worker startup-errors [DESCRIPTORS]`: reports on standard output what `Tractor.bootstrap` and a
/// nursery throw when the runtime cannot start, one line each (`bootstrap: CODE` or `bootstrap: ok`, then `nursery:`),
/// and exits with status 0: the runtime must throw, never trap. With `DESCRIPTORS`, the process first lowers its
/// descriptor limit to that many, so that the I/O thread's epoll instance cannot be made; the tests run it with
/// `TMPDIR` naming a directory that does not exist, so that the socket directory cannot be made.
func reportStartupErrors(descriptorLimit: Int?) async -> Int32 {
    if let descriptorLimit {
        // The limit leaves exactly 2 descriptors free: libdispatch may still make a descriptor or two of its own (a
        // wake-up for the main queue, made as `main` starts, on its own time) and traps when it cannot, before this
        // program's runtime is reached; the runtime's I/O thread needs 3 (epoll, eventfd, timerfd), so it still
        // cannot start. Holes below the highest open descriptor are filled first, so that none is free there.
        let limitValue = max(descriptorLimit, firstDescriptorAboveAllOpen() + 2)
        var limit = rlimit(rlim_cur: rlim_t(limitValue), rlim_max: rlim_t(limitValue))
        guard setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else {
            print("setrlimit failed: errno \(errno)")
            return 70
        }
    }
    do {
        try await Tractor.bootstrap(jobs: TestJobs.all)
        print("bootstrap: ok")
    } catch let error as TractorError {
        print("bootstrap: \(error.code) \(error.message)")
    } catch {
        print("bootstrap: other \(error)")
    }
    do {
        try await withActorNursery { nursery in _ = try await nursery.startActor("never") }
        print("nursery: ok")
    } catch let error as TractorError {
        print("nursery: \(error.code) \(error.message)")
    } catch {
        print("nursery: other \(error)")
    }
    return 0
}

/// Fills every free descriptor below the highest one open (with `/dev/null`, kept open) and returns the first
/// descriptor above them all, which is free.
private func firstDescriptorAboveAllOpen() -> Int {
    var highest: CInt = 2
    if let directory = opendir("/proc/self/fd") {
        let own = dirfd(directory)
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let fd = CInt(name), fd != own { highest = max(highest, fd) }
        }
        closedir(directory)
    }
    while true {
        let fd = open("/dev/null", O_RDONLY)
        if fd < 0 { return Int(highest) + 1 }
        if fd > highest {
            close(fd)
            return Int(fd)
        }
    }
}
