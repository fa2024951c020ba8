//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import PoolWorkerJobs
import Testing
import TractorPool
import TractorRuntime
import TractorTestSupport

/// Process pools whose workers run on hosts that are network namespaces, each with an agent
/// (`pool-worker serve --connect`) that joined the test process as its head.
@Suite(.serialized, .enabled(if: TestNetwork.unavailableReason == nil, "\(TestNetwork.unavailableReason ?? "")"))
struct PoolAcrossHostsTests {
    /// Two namespace hosts with an agent each, joined under names unique to this test.
    struct Hosts {
        let network: TestNetwork
        let names: [String]
        let agents: [CommandRunner.Running]

        init(_ tag: String) async throws {
            network = try TestNetwork(hosts: 2)
            let port = try await TestHead.head.value.port
            let program = try CommandRunner.executable("pool-worker")
            names = (0..<2).map { "\(tag)-\(getpid())-\($0)" }
            var agents: [CommandRunner.Running] = []
            do {
                for index in 0..<2 {
                    let arguments = network.exec(
                        host: index, program,
                        ["serve", "--connect", "\(network.headAddress):\(port)", "--name", names[index]]
                    )
                    agents.append(try CommandRunner.Running(network.ip, arguments, environment: try await TestHead.environment))
                }
                self.agents = agents
                try await TestHead.waitForHosts(names)
            } catch {
                network.remove()
                throw error
            }
        }

        /// A pool configuration over both hosts, with workers running `pool-worker`.
        func configuration(_ placement: Placement) throws -> ProcessPoolConfiguration {
            var configuration = ProcessPoolConfiguration(placement: placement)
            configuration.executable = .path(try CommandRunner.executable("pool-worker"))
            configuration.hosts = .joined(names)
            return configuration
        }

        /// Ends the agents (their hosts' workers with them) and removes the network.
        func remove() async {
            for agent in agents where agent.process.isRunning { kill(agent.pid, SIGTERM) }
            for agent in agents { _ = try? await agent.waitForExit(timeout: .seconds(20)) }
            network.remove()
        }
    }

    /// Runs `body` with two joined namespace hosts, and removes them however it ends.
    static func withHosts(_ tag: String, _ body: (Hosts) async throws -> Void) async throws {
        let hosts = try await Hosts(tag)
        do {
            try await body(hosts)
        } catch {
            await hosts.remove()
            throw error
        }
        await hosts.remove()
    }

    @Test(.timeLimit(.minutes(3)))
    func aMapOverTwoHostsEqualsTheLocalMapAndTheReportNamesEachHost() async throws {
        try await Self.withHosts("map") { hosts in
            let inputs = Array(0..<3_000)
            let (remote, report, bindings) = try await withProcessPool(configuration: try hosts.configuration(.perCore)) {
                pool in
                let squares = try await Array(pool.map(BuiltinJobs.square, over: inputs))
                return (squares, try await pool.bindingReport, try await pool.bindings)
            }
            var local = ProcessPoolConfiguration(placement: .workers(2))
            local.executable = .path(try CommandRunner.executable("pool-worker"))
            let here = try await withProcessPool(configuration: local) { pool in
                try await Array(pool.map(BuiltinJobs.square, over: inputs))
            }
            #expect(remote == here)
            #expect(Set(bindings.compactMap(\.host)) == Set(hosts.names))
            #expect(bindings.allSatisfy { $0.host != nil }, "no worker runs on the head")
            for name in hosts.names {
                #expect(report.contains("[\(name):"), "report:\n\(report)")
            }
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func killingAnAgentMidMapFailsOnlyItsHostsJobsNamingItAndTheOtherHostFinishes() async throws {
        try await Self.withHosts("kill") { hosts in
            var configuration = try hosts.configuration(.workers(1))
            configuration.inFlightChunksPerWorker = 1
            let outcomes = try await withProcessPool(configuration: configuration) { pool in
                let futures = try await (0..<40).asyncMap { _ in try await pool.submit(BuiltinJobs.sleep, 100) }
                // Once both hosts have finished a job, the first host's agent is killed (its workers die with it).
                _ = try await futures[0].value
                _ = try await futures[1].value
                kill(hosts.agents[0].pid, SIGKILL)
                var outcomes: [Result<Int, any Error>] = []
                for future in futures { outcomes.append(await Result { try await future.value }) }
                return outcomes
            }
            let crashes = outcomes.compactMap { outcome -> WorkerCrashed? in
                if case .failure(let error) = outcome { return error as? WorkerCrashed }
                return nil
            }
            let otherFailures = outcomes.filter {
                if case .failure(let error) = $0 { return !(error is WorkerCrashed) }
                return false
            }
            #expect(otherFailures.isEmpty, "\(otherFailures)")
            #expect(!crashes.isEmpty, "the kill came after every job had run")
            #expect(crashes.allSatisfy { $0.host == hosts.names[0] }, "\(crashes)")
            #expect(crashes.allSatisfy { $0.message.contains("host '\(hosts.names[0])'") })
            #expect(outcomes.count - crashes.count >= 20, "the other host finished the rest")
            let emptied = await CommandRunner.eventually(within: .seconds(10)) { hosts.network.processes(inHost: 0).isEmpty }
            #expect(emptied, "left on the killed host: \(hosts.network.processes(inHost: 0))")
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func withARetryTheJobsOfALostHostRunAgainOnTheOther() async throws {
        try await Self.withHosts("retry") { hosts in
            var configuration = try hosts.configuration(.workers(1))
            configuration.inFlightChunksPerWorker = 1
            configuration.retriesAfterCrash = 1
            let (results, retried) = try await withProcessPool(configuration: configuration) { pool in
                let futures = try await (0..<30).asyncMap { index in try await pool.submit(BuiltinJobs.sleep, 100 + index) }
                _ = try await futures[0].value
                _ = try await futures[1].value
                kill(hosts.agents[0].pid, SIGKILL)
                var results: [Int] = []
                for future in futures { results.append(try await future.value) }
                return (results, pool.statistics.jobsRetried)
            }
            #expect(results == (0..<30).map { 100 + $0 })
            #expect(retried >= 1)
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func aHostThatComesBackAsANewAgentGetsItsWorkersAgain() async throws {
        let hosts = try await Hosts("back")
        var again: CommandRunner.Running?
        let log = LogCapture(level: .warning)
        var configuration = try hosts.configuration(.workers(1))
        configuration.logger = log.logger
        do {
            let (before, after) = try await withProcessPool(configuration: configuration) { pool in
                let before = try await pool.bindings
                kill(hosts.agents[0].pid, SIGKILL)
                _ = await CommandRunner.eventually(within: .seconds(10)) { hosts.network.processes(inHost: 0).isEmpty }
                // Meanwhile the other host serves, and the lost host's slot tries to start again, again and again.
                #expect(try await pool.submit(BuiltinJobs.square, 12).value == 144)
                _ = await CommandRunner.eventually(within: .seconds(30)) { pool.statistics.workerStartFailures >= 4 }
                let port = try await TestHead.head.value.port
                again = try CommandRunner.Running(
                    hosts.network.ip,
                    hosts.network.exec(
                        host: 0, try CommandRunner.executable("pool-worker"),
                        ["serve", "--connect", "\(hosts.network.headAddress):\(port)", "--name", hosts.names[0]]
                    ),
                    environment: try await TestHead.environment
                )
                // Every worker up again: the first host's worker is a new process on the new agent.
                let after = try await pool.bindings
                let squares = try await Array(pool.map(BuiltinJobs.square, over: Array(0..<500)))
                #expect(squares == (0..<500).map { $0 * $0 })
                return (before, after)
            }
            let first = { (bindings: [WorkerBinding]) in bindings.first { $0.host == hosts.names[0] } }
            let old = try #require(first(before))
            let new = try #require(first(after), "no worker on the host that came back: \(after)")
            #expect(old.pid != new.pid)
            #expect(old.workerID == new.workerID, "the worker keeps its slot")
            #expect(Set(after.compactMap(\.host)) == Set(hosts.names))
            let said = log.lines.filter { $0.message.contains("on host '\(hosts.names[0])' could not start") }
            #expect(said.count == 1, "a host away is said once, not at every attempt: \(said)")
        } catch {
            if let again { kill(again.pid, SIGKILL) }
            await hosts.remove()
            throw error
        }
        if let again {
            kill(again.pid, SIGTERM)
            _ = try? await again.waitForExit(timeout: .seconds(20))
        }
        await hosts.remove()
    }

    /// The example's contract: `primes --below N --listen ADDR:PORT --hosts K`, with agents started as
    /// `pool-worker serve --connect ADDR:PORT` and nothing else (both take the host's name, made unique by the head).
    @Test(.timeLimit(.minutes(3)))
    func primesCountsAcrossTwoHostsWithAgentsGivenOnlyTheHeadsAddress() async throws {
        let network = try TestNetwork(hosts: 2)
        defer { network.remove() }
        let environment = [TractorSecret.environmentVariable: TractorSecret.random().hexEncoded()]
        let head = try CommandRunner.Running(
            try CommandRunner.executable("primes"),
            ["--below", "2000000", "--listen", "\(network.headAddress):0", "--hosts", "2"],
            environment: environment
        )
        defer { if head.process.isRunning { kill(head.pid, SIGKILL) } }
        let endpoint = try await Self.listeningAddress(of: head)
        let program = try CommandRunner.executable("pool-worker")
        for index in 0..<2 {
            _ = try CommandRunner.Running(
                network.ip, network.exec(host: index, program, ["serve", "--connect", endpoint]), environment: environment
            )
        }
        let outcome = try await head.waitForExit(timeout: .seconds(120))
        #expect(outcome.status == 0, "primes: \(outcome.error)")
        #expect(outcome.outputLines.first == "primes below 2000000: 148933", "\(outcome.output)")
        let hostname = try #require(outcome.error.split(separator: "\n").first { $0.contains("hosts joined:") })
        #expect(hostname.contains("-2"), "the second agent's default name was made unique: \(hostname)")
        let emptied = await CommandRunner.eventually(within: .seconds(10)) {
            (0..<2).allSatisfy { network.processes(inHost: $0).isEmpty }
        }
        #expect(emptied, "left: \(network.processes(inHost: 0)) \(network.processes(inHost: 1))")
    }

    /// The address a `primes` head says it listens at (it binds port 0 and prints the port the kernel chose).
    static func listeningAddress(of head: CommandRunner.Running) async throws -> String {
        var address: String?
        _ = await CommandRunner.eventually(within: .seconds(60)) {
            address = head.error.split(separator: "\n").first { $0.contains("host agents at") }
                .flatMap { $0.split(separator: " ").last.map(String.init) }
            return address != nil || !head.process.isRunning
        }
        return try #require(address, "primes did not say where it listens: \(head.error)")
    }

    @Test(.timeLimit(.minutes(3)))
    func killingThePrimesHeadEmptiesEveryHost() async throws {
        let network = try TestNetwork(hosts: 2)
        defer { network.remove() }
        let secret = TractorSecret.random()
        let environment = [TractorSecret.environmentVariable: secret.hexEncoded()]
        let head = try CommandRunner.Running(
            try CommandRunner.executable("primes"),
            ["--below", "4000000000", "--listen", "\(network.headAddress):0", "--hosts", "2"],
            environment: environment
        )
        defer { if head.process.isRunning { kill(head.pid, SIGKILL) } }
        let endpoint = try await Self.listeningAddress(of: head)
        let program = try CommandRunner.executable("pool-worker")
        var agents: [CommandRunner.Running] = []
        for index in 0..<2 {
            let arguments = network.exec(host: index, program, ["serve", "--connect", endpoint])
            agents.append(try CommandRunner.Running(network.ip, arguments, environment: environment))
        }
        // Counting: each host holds its agent and its workers.
        let counting = await CommandRunner.eventually(within: .seconds(90)) {
            (0..<2).allSatisfy { network.processes(inHost: $0).count >= 2 } && head.error.contains("hosts joined")
        }
        #expect(counting, "head: \(head.error)")
        kill(head.pid, SIGKILL)
        let emptied = await CommandRunner.eventually(within: .seconds(10)) {
            (0..<2).allSatisfy { network.processes(inHost: $0).isEmpty }
        }
        #expect(emptied, "left: \(network.processes(inHost: 0)) \(network.processes(inHost: 1))")
        for agent in agents { _ = try? await agent.waitForExit(timeout: .seconds(10)) }
    }
}

extension Sequence {
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
