//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc
import Logging
import ServiceLifecycle
import TractorPool

/// The entry point of `pool-service`: a service that answers numbers read from standard input with their prime
/// factors, computed by a process pool, in a `ServiceGroup` that SIGTERM and SIGINT shut down gracefully.
///
/// ```text
/// $ printf '12\n97\n' | pool-service --workers 2
/// 12 = 2 × 2 × 3
/// 97 is prime
/// ```
///
/// Every pool worker is this same binary, re-executed: `Tractor.bootstrap` comes first, and in a worker it serves the
/// jobs and never returns.
@main
enum ServiceMain {
    static func main() async {
        do {
            try await Tractor.bootstrap(jobs: serviceJobs)
        } catch {
            fail("cannot start: \(error)", status: 70)
        }
        let options: ServiceOptions
        do {
            options = try ServiceOptions(arguments: Array(CommandLine.arguments.dropFirst()))
        } catch {
            fail("\(error)\n\n\(ServiceOptions.usage)", status: 64)
        }
        if options.help {
            Output.line(ServiceOptions.usage)
            return
        }
        do {
            try await serve(options)
        } catch {
            fail("\(error)", status: 1)
        }
    }

    /// Runs the pool and the request service in one group until standard input ends or a signal arrives.
    static func serve(_ options: ServiceOptions) async throws {
        var configuration = PoolServiceConfiguration(pool: ProcessPoolConfiguration(placement: options.placement))
        configuration.pool.label = "pool-service"
        configuration.shutdown = options.shutdown
        let pool = PoolService(configuration: configuration)
        let requests = RequestService(pool: pool, maximumInFlight: options.maximumInFlight)
        var logger = Logger(label: "pool-service")
        logger.logLevel = .warning
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            // First in, last out: the pool drains once the requests have stopped.
            .init(service: pool),
            // The end of the input ends the program as a signal would.
            .init(service: requests, successTerminationBehavior: .gracefullyShutdownGroup),
        ]
        if options.reportWorkers {
            services.append(.init(service: WorkerReport(pool: pool), successTerminationBehavior: .ignore))
        }
        var group = ServiceGroupConfiguration(services: services, logger: logger)
        group.gracefulShutdownSignals = [.sigterm, .sigint]
        try await ServiceGroup(configuration: group).run()
    }

    static func fail(_ message: String, status: Int32) -> Never {
        Output.error("pool-service: \(message)")
        exit(status)
    }
}

/// Prints each worker's process id on standard error once the workers are up: `worker 0 pid 4242`.
struct WorkerReport: Service {
    let pool: PoolService

    func run() async throws {
        let bindings = try await pool.withPool { pool in try await pool.bindings }
        for binding in bindings {
            Output.error("worker \(binding.workerID) pid \(binding.pid)")
        }
    }
}
