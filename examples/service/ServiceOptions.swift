//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import TractorPool

/// The command line of `pool-service`.
struct ServiceOptions {
    var placement: Placement = .perCore
    var shutdown: PoolServiceConfiguration.ShutdownBehavior = .drain(within: .seconds(30))
    var maximumInFlight = 64
    var reportWorkers = false
    var help = false

    static let usage = """
        OVERVIEW: Answers numbers read from standard input with their prime factors, computed by a pool of worker
        processes.

        One number per line; each answer names its number, and a quick answer may overtake a slow one. SIGTERM or
        SIGINT (or the end of the input) shuts it down gracefully: it reads no more input, answers the requests it
        has read (or, with --shutdown cancel, cancels their jobs), and the pool stops and reaps its workers.

        USAGE: pool-service [--workers <n>] [--shutdown <drain|cancel>] [--drain-within <seconds>] [--in-flight <n>]
                            [--report-workers]

        OPTIONS:
          --workers <n>           n unbound workers (default: one per physical core, each bound to its core)
          --shutdown <drain|cancel>
                                  on shutdown, finish the jobs in flight (drain, the default) or cancel them; a
                                  cancelled request is answered "<number>: cancelled"
          --drain-within <seconds>
                                  how long draining may take before the jobs left are cancelled (default: 30)
          --in-flight <n>         how many requests are answered at once (default: 64)
          --report-workers        print each worker's process id on standard error once the workers are up
          -h, --help              show this help

        Examples:
          printf '12\\n97\\n' | pool-service --workers 2
          pool-service --shutdown cancel --report-workers
        """

    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    init(arguments: [String]) throws {
        var drain = true
        var drainWithin = 30
        var rest = arguments[...]
        func value(of option: String) throws -> String {
            guard let value = rest.popFirst() else { throw Invalid(description: "\(option) needs a value") }
            return value
        }
        func number(of option: String) throws -> Int {
            let text = try value(of: option)
            guard let number = Int(text), number >= 1 else {
                throw Invalid(description: "\(option) takes a whole number of at least 1, not '\(text)'")
            }
            return number
        }
        while let argument = rest.popFirst() {
            switch argument {
            case "--workers": placement = .workers(try number(of: argument))
            case "--in-flight": maximumInFlight = try number(of: argument)
            case "--drain-within": drainWithin = try number(of: argument)
            case "--report-workers": reportWorkers = true
            case "--help", "-h": help = true
            case "--shutdown":
                switch try value(of: argument) {
                case "drain": drain = true
                case "cancel": drain = false
                case let other: throw Invalid(description: "--shutdown is drain or cancel, not '\(other)'")
                }
            default:
                throw Invalid(description: "unknown argument '\(argument)'")
            }
        }
        shutdown = drain ? .drain(within: .seconds(drainWithin)) : .cancel
    }
}
