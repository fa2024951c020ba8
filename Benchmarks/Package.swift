// swift-tools-version: 6.1
//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// The benchmarks: a nested package on package-benchmark, one executable target per suite under Benchmarks/<Suite>/.
// Run from this folder with `swift package --allow-writing-to-package-directory benchmark`, or `make bench` /
// `make bench-codec` from the repository root.

import PackageDescription

/// Where the lean peers find the C++ standard library's static archive: a folder holding only a link to
/// `libstdc++.a`, searched before the system's folders, so that the `-lstdc++` the Swift driver passes for
/// `-static-stdlib` takes the archive rather than `libstdc++.so`. `make bench-pool`, `make bench-runtime`,
/// `make bench-workers` and `peers/compare.py` make it (`make static-libstdcxx`); without it those peers link
/// `libstdc++.so` as before.
let staticLibstdcxx = ["-L\(Context.packageDirectory)/.build/static-libstdc++"]

/// How the lean workers are linked, as the README's recipe links a user's worker: `-static-stdlib`, the C++ standard
/// library's archive (`staticLibstdcxx`: the loader then has 124 symbol relocations to resolve instead of 1,789, most
/// of them `libstdc++.so`'s own), and a fixed address (`--no-pie`: the dynamic loader then has no relative
/// relocations to apply at each start, 46,666 of them in a position-independent build, and no page of the executable
/// to copy for them). The runtime's codec uses FoundationEssentials, whose static archive needs its two companions
/// named. Linked by lld told not to print warnings: the C library's link-time note on `mktemp`, which that archive
/// references, is not this package's to act on.
let leanWorkerLinkerSettings: [LinkerSetting] = [
    .unsafeFlags(
        ["-static-stdlib", "-use-ld=lld", "-Xlinker", "--no-warnings", "-Xlinker", "--no-pie"] + staticLibstdcxx
    ),
    .linkedLibrary("_FoundationCollections"),
    .linkedLibrary("_FoundationCShims"),
]

let package = Package(
    name: "swift-tractor-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(name: "swift-tractor", path: ".."),
    ],
    targets: [
        // The MessagePack codec, frames and wire messages.
        .executableTarget(
            name: "Codec",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "TractorRuntime", package: "swift-tractor"),
            ],
            path: "Benchmarks/Codec",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark")
            ]
        ),

        // The runtime: spawning, portal round trips, stream throughput. Its actors run `bench-worker`.
        .executableTarget(
            name: "Portals",
            dependencies: [
                "BenchmarkJobs",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "TractorRuntime", package: "swift-tractor"),
            ],
            path: "Benchmarks/Portals",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark")
            ]
        ),
        // The pool: map throughput by chunk size, submit round trips, CPU-bound scaling against in-process
        // concurrentPerform, start-up. Its workers run `pool-worker` (built first, next to the benchmark binaries).
        .executableTarget(
            name: "Pool",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "TractorPool", package: "swift-tractor"),
                .product(name: "PoolWorkerJobs", package: "swift-tractor"),
            ],
            path: "Benchmarks/Pool",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark")
            ]
        ),
        // The machine's floor, without the framework: a bare two-process ping-pong, bare spawns, a bare process's
        // memory. Its peers are `floor-peer` and `floor-peer-static`, built next to the benchmark binaries.
        .executableTarget(
            name: "Floor",
            dependencies: [.product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/Floor",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark")
            ]
        ),
        // Actors on another host: a network namespace reached over a veth pair (needs root), with the floor of the
        // same path. Its agent runs `pool-worker`, its actors `bench-worker`, its floor `floor-peer HOST PORT`.
        .executableTarget(
            name: "Hosts",
            dependencies: [
                "BenchmarkJobs",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "TractorRuntime", package: "swift-tractor"),
            ],
            path: "Benchmarks/Hosts",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark")
            ]
        ),
        .target(name: "FloorPeer", path: "Sources/FloorPeer"),
        .executableTarget(name: "floor-peer", dependencies: ["FloorPeer"], path: "Sources/floor-peer"),
        // The same peer with the Swift standard library linked in, and the C++ one as the lean worker links it: what
        // a lean worker's linking saves at start-up and in memory.
        .executableTarget(
            name: "floor-peer-static",
            dependencies: ["FloorPeer"],
            path: "Sources/floor-peer-static",
            linkerSettings: [.unsafeFlags(["-static-stdlib"] + staticLibstdcxx)]
        ),
        // `pool-worker`'s jobs in a worker linked with `-static-stdlib`, for the start-up and memory it saves.
        .executableTarget(
            name: "pool-worker-static",
            dependencies: [
                .product(name: "PoolWorkerJobs", package: "swift-tractor"),
                .product(name: "TractorRuntime", package: "swift-tractor"),
            ],
            path: "Sources/pool-worker-static",
            linkerSettings: leanWorkerLinkerSettings
        ),
        // The head of the benchmark across hosts (Benchmarks/peers/hosts.py): a pool over two namespace hosts, one
        // worker each, beside a local pool of two. Its workers run `pool-worker`, built next to it.
        .executableTarget(
            name: "hosts-head",
            dependencies: [
                .product(name: "TractorPool", package: "swift-tractor"),
                .product(name: "PoolWorkerJobs", package: "swift-tractor"),
            ],
            path: "Sources/hosts-head"
        ),
        .target(
            name: "BenchmarkJobs",
            dependencies: [.product(name: "TractorRuntime", package: "swift-tractor")],
            path: "Sources/BenchmarkJobs"
        ),
        .executableTarget(
            name: "bench-worker",
            dependencies: ["BenchmarkJobs", .product(name: "TractorRuntime", package: "swift-tractor")],
            path: "Sources/bench-worker"
        ),
        // `bench-worker` linked as the README's lean recipe links a worker (as `pool-worker-static` is, and for the
        // same reasons), for the spawn-run-reap figure of an actor built that way.
        .executableTarget(
            name: "bench-worker-static",
            dependencies: ["BenchmarkJobs", .product(name: "TractorRuntime", package: "swift-tractor")],
            path: "Sources/bench-worker-static",
            linkerSettings: leanWorkerLinkerSettings
        ),
    ]
)
