//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import TractorPool

/// What Linux itself says about this machine and process, read from `/proc` and `/sys` or from other programs,
/// for tests to compare the package's answers against.
enum LinuxFacts {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// `Cpus_allowed_list` of `/proc/self/status`.
    static func allowedCPUsOfThisProcess() throws -> CPUSet {
        try allowedCPUs(inStatusFile: "/proc/self/status")
    }

    /// `Cpus_allowed_list` of a `/proc/.../status` file.
    static func allowedCPUs(inStatusFile path: String) throws -> CPUSet {
        let status = try String(contentsOfFile: path, encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) else {
            throw Failure(description: "\(path) has no Cpus_allowed_list")
        }
        return try CPUSet(parsing: String(line.dropFirst("Cpus_allowed_list:".count)))
    }

    /// The (physical_package_id, core_id) pair sysfs gives a CPU.
    static func packageAndCoreID(of cpu: Int) throws -> PhysicalCore {
        func read(_ name: String) throws -> Int {
            let path = "/sys/devices/system/cpu/cpu\(cpu)/topology/\(name)"
            let text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let value = Int(text) else { throw Failure(description: "\(path) holds \"\(text)\"") }
            return value
        }
        return PhysicalCore(package: try read("physical_package_id"), core: try read("core_id"))
    }

    struct PhysicalCore: Hashable {
        var package: Int
        var core: Int
    }

    /// The distinct physical cores of some CPUs.
    static func physicalCores(of cpus: CPUSet) throws -> Set<PhysicalCore> {
        Set(try cpus.map { try packageAndCoreID(of: $0) })
    }

    /// The NUMA nodes sysfs lists, with their CPUs.
    static func numaNodes() throws -> [Int: CPUSet] {
        let root = "/sys/devices/system/node"
        var nodes: [Int: CPUSet] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: root) where name.hasPrefix("node") {
            guard let index = Int(name.dropFirst(4)) else { continue }
            nodes[index] = try CPUSet(parsing: String(contentsOfFile: "\(root)/\(name)/cpulist", encoding: .utf8))
        }
        return nodes
    }

    /// The thread ids of this process.
    static func threadIDs() throws -> [Int32] {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").compactMap { Int32($0) }
    }

    /// The built `pool-worker` executable, next to the test bundle in the build directory.
    static func poolWorkerPath() throws -> String {
        let testBinary = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let path = URL(fileURLWithPath: testBinary).deletingLastPathComponent().appendingPathComponent("pool-worker")
            .path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw Failure(description: "pool-worker is not built at \(path); run `swift build` first")
        }
        return path
    }

    /// Runs a program to its end and returns its exit status, standard output and standard error.
    static func run(_ path: String, _ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = Pipe()
        // Standard error goes to a file, so that reading standard output to its end cannot stall on a full pipe.
        let errorPath = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tractor-\(UUID().uuidString).err"
        ).path
        guard FileManager.default.createFile(atPath: errorPath, contents: nil),
            let errorFile = FileHandle(forWritingAtPath: errorPath)
        else {
            throw Failure(description: "cannot create \(errorPath)")
        }
        defer { try? FileManager.default.removeItem(atPath: errorPath) }
        process.standardOutput = output
        process.standardError = errorFile
        try process.run()
        try errorFile.close()
        let outputData = try output.fileHandleForReading.readToEnd() ?? Data()
        process.waitUntilExit()
        let errorText = try String(contentsOfFile: errorPath, encoding: .utf8)
        return (process.terminationStatus, String(decoding: outputData, as: UTF8.self), errorText)
    }

    /// The host name, as `uname -n` prints it.
    static func hostname() throws -> String {
        try run("/bin/uname", ["-n"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
