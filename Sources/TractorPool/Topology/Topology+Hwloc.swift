//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// The only file that imports CHwloc. An hwloc topology handle is not thread-safe to share, so it never leaves
// `loadWithHwloc`: it is created, read into Swift values and destroyed within that one call.
import CHwloc

#if canImport(Glibc)
import Glibc
#endif

extension Topology {
    /// Loads the machine with hwloc and converts it into a ``Topology``.
    ///
    /// hwloc leaves out the CPUs and NUMA nodes that the process's cgroup cpuset disallows; the caller further
    /// restricts the result to the affinity mask. Discovery never changes the binding of the calling thread
    /// (`HWLOC_TOPOLOGY_FLAG_DONT_CHANGE_BINDING`), so loading is safe while other threads run. Instruction caches
    /// are kept, so that the snapshot lists the caches `lscpu` lists.
    ///
    /// The corresponding C functions are `hwloc_topology_init`, `hwloc_topology_set_flags`,
    /// `hwloc_topology_load` and `hwloc_topology_destroy`.
    ///
    /// - Parameter supportsMemoryBinding: Whether the kernel has NUMA policies; when not, the machine is one node.
    static func loadWithHwloc(supportsMemoryBinding: Bool) throws(TractorError) -> Topology {
        var handle: hwloc_topology_t?
        guard hwloc_topology_init(&handle) == 0, let topology = handle else {
            throw hwlocFailure("hwloc_topology_init")
        }
        defer { hwloc_topology_destroy(topology) }

        guard hwloc_topology_set_flags(topology, UInt(HWLOC_TOPOLOGY_FLAG_DONT_CHANGE_BINDING.rawValue)) == 0 else {
            throw hwlocFailure("hwloc_topology_set_flags")
        }
        guard hwloc_topology_set_icache_types_filter(topology, HWLOC_TYPE_FILTER_KEEP_ALL) == 0 else {
            throw hwlocFailure("hwloc_topology_set_icache_types_filter")
        }
        guard hwloc_topology_load(topology) == 0 else {
            throw hwlocFailure("hwloc_topology_load")
        }

        let packages = objects(of: HWLOC_OBJ_PACKAGE, in: topology).map { object in
            Package(
                logicalIndex: Int(object.pointee.logical_index),
                osIndex: osIndex(of: object),
                cpus: cpuSet(object.pointee.cpuset)
            )
        }
        let numaNodes = objects(of: HWLOC_OBJ_NUMANODE, in: topology).map { object in
            NUMANode(
                osIndex: Int(object.pointee.os_index),
                cpus: cpuSet(object.pointee.cpuset),
                localMemoryBytes: object.pointee.attr.map { UInt64($0.pointee.numanode.local_memory) } ?? 0
            )
        }
        var cores = objects(of: HWLOC_OBJ_CORE, in: topology).map { object in
            Core(
                logicalIndex: Int(object.pointee.logical_index),
                osIndex: osIndex(of: object),
                package: hwloc_get_ancestor_obj_by_type(topology, HWLOC_OBJ_PACKAGE, object).map {
                    Int($0.pointee.logical_index)
                },
                cpus: cpuSet(object.pointee.cpuset)
            )
        }
        if cores.isEmpty {
            // Some platforms report no Core objects; each PU is then its own core.
            cores = objects(of: HWLOC_OBJ_PU, in: topology).map { object in
                Core(
                    logicalIndex: Int(object.pointee.logical_index),
                    package: hwloc_get_ancestor_obj_by_type(topology, HWLOC_OBJ_PACKAGE, object).map {
                        Int($0.pointee.logical_index)
                    },
                    cpus: cpuSet(object.pointee.cpuset)
                )
            }
        }
        let cacheTypes = [
            HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L1ICACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L2ICACHE, HWLOC_OBJ_L3CACHE,
            HWLOC_OBJ_L3ICACHE, HWLOC_OBJ_L4CACHE, HWLOC_OBJ_L5CACHE,
        ]
        let caches = cacheTypes.flatMap { objects(of: $0, in: topology) }.compactMap { object -> Cache? in
            guard let attributes = object.pointee.attr?.pointee.cache else { return nil }
            return Cache(
                level: Int(attributes.depth),
                kind: cacheKind(attributes.type),
                sizeBytes: UInt64(attributes.size),
                lineSizeBytes: Int(attributes.linesize),
                cpus: cpuSet(object.pointee.cpuset)
            )
        }

        let root = hwloc_get_root_obj(topology)
        let hostname = root.flatMap { hwloc_obj_get_info_by_name($0, "HostName") }.map { String(cString: $0) }
        return Topology(
            hostname: hostname ?? "localhost",
            packages: packages,
            numaNodes: numaNodes,
            cores: cores,
            caches: caches,
            allowedCPUs: cpuSet(hwloc_topology_get_allowed_cpuset(topology)),
            supportsMemoryBinding: supportsMemoryBinding
        )
    }

    /// All objects of one type, in logical-index order.
    private static func objects(of type: hwloc_obj_type_t, in topology: hwloc_topology_t) -> [hwloc_obj_t] {
        let count = hwloc_get_nbobjs_by_type(topology, type)
        guard count > 0 else { return [] }
        return (0..<UInt32(count)).compactMap { hwloc_get_obj_by_type(topology, type, $0) }
    }

    /// The object's OS index, or `nil` for hwloc's "unknown index" (`(unsigned)-1`).
    private static func osIndex(of object: hwloc_obj_t) -> Int? {
        object.pointee.os_index == UInt32.max ? nil : Int(object.pointee.os_index)
    }

    /// Converts an hwloc bitmap into a ``CPUSet``; an infinite bitmap is cut at ``CPUSet/indexLimit``.
    private static func cpuSet(_ bitmap: hwloc_const_bitmap_t?) -> CPUSet {
        var set = CPUSet()
        guard let bitmap else { return set }
        var index = hwloc_bitmap_first(bitmap)
        while index >= 0 && Int(index) < CPUSet.indexLimit {
            set.insert(Int(index))
            index = hwloc_bitmap_next(bitmap, index)
        }
        return set
    }

    private static func cacheKind(_ type: hwloc_obj_cache_type_t) -> Cache.Kind {
        switch type {
        case HWLOC_OBJ_CACHE_DATA: .data
        case HWLOC_OBJ_CACHE_INSTRUCTION: .instruction
        default: .unified
        }
    }

    /// An error for a failed hwloc call, carrying the `errno` it set.
    private static func hwlocFailure(_ call: String) -> TractorError {
        let code = errno
        return TractorError(
            .systemCallFailed,
            "\(call) failed: hwloc could not read the machine's topology",
            cause: Errno(code)
        )
    }
}
