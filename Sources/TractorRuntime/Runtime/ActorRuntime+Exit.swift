//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc
import Synchronization

extension ActorRuntime {
    /// Removes this actor's socket at exit, and in the root the whole socket directory.
    func registerExitCleanup() {
        exitCleanupPaths.withLock { $0 = (listenerPath, isRoot ? socketDirectory : nil) }
        atexit {
            let (socket, directory) = exitCleanupPaths.withLock { $0 }
            if let socket { sys_unlink(socket) }
            if let directory { removeSocketDirectory(directory) }
        }
    }
}

/// What the exit handler removes: this actor's socket, and (in the root) the whole socket directory.
private let exitCleanupPaths = Mutex<(String?, String?)>((nil, nil))

private func removeSocketDirectory(_ path: String) {
    if let directory = opendir(path) {
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { sys_unlink(path + "/" + name) }
        }
        closedir(directory)
    }
    sys_rmdir(path)
}
