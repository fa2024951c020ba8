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
        var limit = rlimit(rlim_cur: rlim_t(descriptorLimit), rlim_max: rlim_t(descriptorLimit))
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
