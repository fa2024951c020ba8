//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Prints worker bindings the way Open MPI's `mpirun --report-bindings` does: one line per worker, naming the
/// package, core and PUs it is bound to, followed by a map of the machine.
///
/// The map has one bracketed group per package, one field per core separated by `/`, and one character per
/// hardware thread of the core: `B` where the worker is bound, `.` elsewhere. Package and core numbers are hwloc's
/// logical indexes; PU numbers are the operating system's CPU numbers, those of ``CPUSet`` and `taskset`. Only the
/// allowed part of the machine appears (the part a ``Topology`` holds).
///
/// ```swift
/// print(BindingReport.render(pool.bindings, topology: try Topology.current()))
/// // [node1:4242] worker 0 bound to package 0[core 0[PU 0]]: [B/.]
/// // [node1:4243] worker 1 bound to package 0[core 1[PU 1]]: [./B]
/// ```
public enum BindingReport {
    /// Renders one line per worker, in the order given, separated by newlines (no newline after the last).
    ///
    /// A bound worker's line reads `[host:pid] worker 0 bound to package 0[core 1[PU 1]]: [./B]`; several cores are
    /// listed comma-separated, CPUs that the topology does not hold follow as `PU 7 (outside the topology)`, and a
    /// worker whose memory is bound ends with `, memory bound to NUMA node 0`. A worker with no CPU set reads
    /// `[host:pid] worker 3 not bound (OS default)`.
    ///
    /// ```swift
    /// let machine = Topology.uniform(coresPerNUMANode: 2, hostname: "node1")
    /// let line = BindingReport.render([WorkerBinding(workerID: 0, pid: 42, cpus: [1])], topology: machine)
    /// // [node1:42] worker 0 bound to package 0[core 1[PU 1]]: [./B]
    /// ```
    ///
    /// - Parameters:
    ///   - bindings: The workers' bindings.
    ///   - topology: The machine they run on.
    /// - Returns: The report.
    public static func render(_ bindings: [WorkerBinding], topology: Topology) -> String {
        bindings.map { line(for: $0, topology: topology) }.joined(separator: "\n")
    }

    private static func line(for binding: WorkerBinding, topology: Topology) -> String {
        var text = "[\(topology.hostname):\(binding.pid)] worker \(binding.workerID) "
        if let cpus = binding.cpus, !cpus.isEmpty {
            text += "bound to \(placesDescription(cpus, topology: topology)): \(map(cpus, topology: topology))"
        } else {
            text += "not bound (OS default)"
        }
        if binding.memoryBound {
            text += binding.numaNode.map { ", memory bound to NUMA node \($0)" } ?? ", memory bound"
        }
        return text
    }

    /// `package 0[core 0[PU 0-1]], package 0[core 1[PU 2]]`, followed by the CPUs no core holds.
    private static func placesDescription(_ cpus: CPUSet, topology: Topology) -> String {
        var places: [String] = []
        var covered = CPUSet()
        for core in topology.cores {
            let bound = core.cpus.intersection(cpus)
            guard !bound.isEmpty else { continue }
            covered.formUnion(bound)
            let place = "core \(core.logicalIndex)[PU \(bound)]"
            places.append(core.package.map { "package \($0)[\(place)]" } ?? place)
        }
        let outside = cpus.subtracting(covered)
        if !outside.isEmpty {
            places.append("PU \(outside) (outside the topology)")
        }
        return places.joined(separator: ", ")
    }

    /// `[B./..][../..]`: one group per package, then one for cores without a package, if any.
    private static func map(_ cpus: CPUSet, topology: Topology) -> String {
        func group(_ cores: [Topology.Core]) -> String {
            "[" + cores.map { core in String(core.cpus.map { cpus.contains($0) ? "B" : "." }) }.joined(separator: "/")
                + "]"
        }
        var groups = topology.packages.map { package in
            group(topology.cores.filter { $0.package == package.logicalIndex })
        }
        let unpackaged = topology.cores.filter { core in
            !topology.packages.contains { $0.logicalIndex == core.package }
        }
        if !unpackaged.isEmpty {
            groups.append(group(unpackaged))
        }
        return groups.joined()
    }
}
