//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import TractorPool

// The jobs of the README's tour. A job is a named, typed function that actor processes may run; its input and output
// are Codable & Sendable and travel as MessagePack.

func isPrime(_ n: Int) -> Bool {
    guard n >= 2 else { return false }
    var divisor = 2
    while divisor * divisor <= n {
        if n % divisor == 0 { return false }
        divisor += 1
    }
    return true
}

let isPrimeJob = Job("is_prime") { (n: Int) in isPrime(n) }
let countPrimes = Job("count_primes") { (range: Range<Int>) in range.count(where: isPrime) }
let nap = Job("nap") { (milliseconds: Int) -> Int in
    try await Task.sleep(for: .milliseconds(milliseconds))   // cancellable, like any Swift task
    return milliseconds
}

let question = Job("question") { "What is the answer?" }
let add = Job("add") { (xs: [Int]) in xs.reduce(0, +) }
let load = Job("load") { (path: String) -> Int in throw LoadError(path: path) }

struct LoadError: Error, CustomStringConvertible {
    var path: String
    var description: String { "no such file: \(path)" }
}

let ticker = StreamJob("ticker") { (count: Int, out: StreamWriter<Int>) in
    for tick in 0..<count { try await out.send(tick) }
}
let pingPong = ContextJob("ping-pong") { (first: Int, ctx: JobContext<Int, String, String>) async throws -> Int in
    let stream = try await ctx.started(first)
    var pongs = 0
    for try await ping in stream where ping == "ping" {
        try await stream.send("pong")
        pongs += 1
    }
    return pongs
}

/// Every job of the tour: the list `Tractor.bootstrap` serves in the tour's actors.
let tourJobs: [any JobDefinition] = [isPrimeJob, countPrimes, nap, question, add, load, ticker, pingPong]
