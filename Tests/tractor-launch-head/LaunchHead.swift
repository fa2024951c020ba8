//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// A head for the launcher tests: listens, starts host agents with a launcher, starts one actor on each host, prints
// what each answers, and (with --hold) waits until it is killed.
//
//   tractor-launch-head --listen ADDRESS:0 --launcher slurm|ssh|by-hand [--ssh-host HOST]... [--ssh-option OPT]...
//                       [--head-address HOST] --agent PATH --actor PATH [--hold]
//
// The secret is TRACTOR_SECRET's. Each line it prints is written at once (the tests read it while it runs).

import Glibc
import TractorRuntime
import TractorTestJobs

func say(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { _ = write(STDOUT_FILENO, $0.baseAddress, $0.count) }
}

@main
enum LaunchHead {
    static func main() async {
        var options: [String: [String]] = [:]
        var hold = false
        var arguments = CommandLine.arguments.dropFirst()
        while let argument = arguments.popFirst() {
            if argument == "--hold" {
                hold = true
            } else if let value = arguments.popFirst() {
                options[argument, default: []].append(value)
            }
        }
        func option(_ name: String) -> String {
            guard let value = options[name]?.last else {
                say("tractor-launch-head: missing \(name)")
                exit(2)
            }
            return value
        }

        let launcher: AgentLauncher
        switch option("--launcher") {
        case "slurm": launcher = .slurm()
        case "ssh": launcher = .ssh(hosts: options["--ssh-host"] ?? [], options: options["--ssh-option"] ?? [])
        default: launcher = .byHand
        }
        var configuration = AgentLaunchConfiguration()
        configuration.agentExecutable = option("--agent")
        configuration.headAddress = options["--head-address"]?.last
        let actor = option("--actor")
        let listen = option("--listen")

        do {
            try await Tractor.bootstrap(jobs: [])
            let address = try await Tractor.listenForAgents(on: listen)
            say("listening on \(address)")
            try await Tractor.withAgents(launchedBy: launcher, configuration: configuration) { agents in
                say("launched \(agents.expectedHosts.joined(separator: ",")) with pids \(agents.launcherProcessIDs)")
                let hosts = try await agents.waitForHosts(timeout: .seconds(120))
                say("hosts: \(hosts.count) \(hosts.joined(separator: ","))")
                try await withActorNursery { nursery in
                    for host in hosts {
                        let portal = try await nursery.startActor("echo-\(host)", on: host, executable: .path(actor))
                        say("answer from \(host): \(try await portal.run(TestJobs.echo, "hello \(host)"))")
                    }
                    if hold {
                        say("holding")
                        try await Task.sleep(for: .seconds(3600))
                    }
                }
            }
            say("done")
        } catch {
            say("tractor-launch-head: \(error)")
            exit(1)
        }
    }
}
