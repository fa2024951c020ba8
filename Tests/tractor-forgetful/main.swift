//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// A program that forgets `Tractor.bootstrap`, for the tests of what happens then. Spawned as an actor, it runs its
// main like a root would and reaches for a nursery of its own, which the runtime refuses at once. Modes:
//
//   tractor-forgetful                     opens a nursery and spawns (the error escapes main, as in a real program)
//   tractor-forgetful linger DIR          records its pid in DIR, tries a nursery, then waits forever regardless
//   tractor-forgetful root DIR            a root: spawns itself in `linger` mode, records its own pid, waits
//   tractor-forgetful list-descriptors    prints the descriptors it holds, touching no runtime

import Glibc
import TractorRuntime

func record(in directory: String) {
    let fd = open(directory + "/\(getpid())", O_CREAT | O_WRONLY | O_CLOEXEC, 0o644)
    if fd >= 0 { close(fd) }
}

func waitForever() -> Never {
    while true { pause() }
}

let arguments = CommandLine.arguments
switch arguments.dropFirst().first {
case "list-descriptors":
    var listed: [String] = []
    if let directory = opendir("/proc/self/fd") {
        let own = dirfd(directory)
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if let fd = Int32(name), fd != own { listed.append(name) }
        }
        closedir(directory)
    }
    print(listed.joined(separator: " "))
case "linger" where arguments.count == 3:
    record(in: arguments[2])
    do {
        try await withActorNursery { nursery in _ = try await nursery.startActor("grandchild") }
    } catch {
        let text = Array("tractor-forgetful: \(error)\n".utf8)
        _ = text.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
    waitForever()
case "root" where arguments.count == 3:
    record(in: arguments[2])
    var configuration = ActorNurseryConfiguration()
    configuration.executable = .path(ActorExecutable.current.path, arguments: ["linger", arguments[2]])
    try await withActorNursery(configuration: configuration) { nursery in
        _ = try await nursery.startActor("forgetful")
    }
    waitForever()
default:
    // The mistake itself: no bootstrap, straight to a nursery. Spawned as an actor, this throws at once.
    try await withActorNursery { nursery in
        _ = try await nursery.startActor("grandchild")
    }
}
