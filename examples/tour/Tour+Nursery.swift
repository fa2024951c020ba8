//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import TractorPool

extension Tour {
    /// Nurseries and portals: a daemon actor, calls multiplexed on its portal, discovery, a one-job actor.
    static func nursery() async throws {
        try await withActorNursery { nursery in
            let frank = try await nursery.startActor("frank", jobs: [question, add])  // lives until cancelled
            print(try await frank.run(question))                                      // What is the answer?
            async let a = frank.run(add, [1, 2])                                      // calls multiplex on one portal
            async let b = frank.run(add, [3, 4])
            print(try await a + b)                                                    // 10

            // Actors find each other by name through the registry the root serves.
            try await Tractor.findActor(named: "frank") { portal in
                print(portal.actor.name, try await portal.run(add, [5, 6]))           // frank 11
            }
            print(try await frank.cancelActor())                                      // cancelled: exited with status 0

            let adder = try await nursery.runInActor(add, [20, 22], name: "adder")    // ends when its job returns
            print(try await adder.result())                                           // 42
        }   // every actor has exited and been reaped here
    }

    /// One cancels all: a failing actor cancels its siblings and the scope, and its error reaches the parent.
    static func failures() async throws {
        do {
            try await withActorNursery { nursery in
                _ = try await nursery.startActor("frank", jobs: [question])
                _ = try await nursery.runInActor(load, "/no/such/file", name: "loader")
                try await Task.sleep(for: .seconds(60))                               // cancelled when the loader fails
            }
        } catch let error as RemoteActorError {
            print(error.source.name, error.job ?? "-", error.typeName, error.message)
            // loader load tour.LoadError no such file: /no/such/file
        }
    }
}
