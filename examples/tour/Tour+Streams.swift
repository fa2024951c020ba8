//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import TractorPool

extension Tour {
    /// Streams and contexts: a one-way stream of results, then a two-way conversation; both backpressured.
    static func streams() async throws {
        try await withActorNursery { nursery in
            let daemon = try await nursery.startActor("streamer", jobs: [ticker, pingPong])

            try await daemon.openStream(ticker, 3) { stream in
                for try await tick in stream { print("tick", tick) }          // tick 0, tick 1, tick 2
            }

            try await daemon.openContext(pingPong, 2) { ctx, started in
                for _ in 0..<started { try await ctx.stream.send("ping") }
                ctx.stream.finish()                                           // this side is done sending
                for try await pong in ctx.stream { print(pong) }              // pong, pong
                print(try await ctx.result())                                 // 2
            }
        }
    }
}
