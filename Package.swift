// swift-tools-version: 6.1
//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import PackageDescription

let package = Package(
    name: "swift-tractor",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "TractorRuntime", targets: ["TractorRuntime"]),
        .library(name: "TractorPool", targets: ["TractorPool"]),
        .library(name: "PoolWorkerJobs", targets: ["PoolWorkerJobs"]),
        .executable(name: "pool-worker", targets: ["pool-worker"]),
        .executable(name: "primes", targets: ["primes"]),
        .executable(name: "pool-service", targets: ["pool-service"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // 4.x: its Linux build imports FoundationEssentials only (3.x imports Foundation, which would load Foundation
        // and ICU into every actor process).
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
    ],
    targets: [
        // C libraries, one system-library module each.
        .systemLibrary(
            name: "CHwloc",
            pkgConfig: "hwloc",
            providers: [.apt(["libhwloc-dev"])]
        ),
        .systemLibrary(
            name: "CNuma",
            pkgConfig: "numa",
            providers: [.apt(["libnuma-dev"])]
        ),
        .target(name: "CTractorLinux"),

        // The process-actor runtime.
        .target(
            name: "TractorRuntime",
            dependencies: [
                "CTractorLinux",
                .product(name: "Logging", package: "swift-log"),
                // HMAC-SHA256 for the mutual authentication of TCP connections.
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        // The pinned process pool.
        .target(
            name: "TractorPool",
            dependencies: [
                "TractorRuntime",
                "CHwloc",
                "CNuma",
                .product(name: "Logging", package: "swift-log"),
                // CoreMetrics, not Metrics: the same Counter, Meter and Timer without Foundation.
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // The jobs the generic worker serves: workloads for benchmarks and pool tests, in a library both link.
        .target(
            name: "PoolWorkerJobs",
            dependencies: ["TractorRuntime"]
        ),

        // The generic worker executable and CLI.
        // What the package's command lines share: one spelling of placements, one wording of bad numbers, one JSON
        // writer.
        .target(
            name: "TractorCommandLine",
            dependencies: [
                "TractorPool",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .executableTarget(
            name: "pool-worker",
            dependencies: [
                "TractorPool",
                "PoolWorkerJobs",
                "TractorCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // The concurrent primes example.
        .executableTarget(
            name: "primes",
            dependencies: [
                "TractorPool",
                "TractorCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "examples/primes"
        ),

        // A service that answers requests read from standard input by submitting them to a pool, in a ServiceGroup
        // that SIGTERM and SIGINT shut down gracefully.
        .executableTarget(
            name: "pool-service",
            dependencies: [
                "TractorPool",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "examples/service"
        ),

        // The README's tour, section by section, run by the tests (so that no README snippet can rot).
        .executableTarget(
            name: "tour",
            dependencies: [
                "TractorPool",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "examples/tour"
        ),

        // Jobs shared by the test suite and the worker executable that hosts them.
        .target(
            name: "TractorTestJobs",
            dependencies: ["TractorRuntime"],
            path: "Tests/TractorTestJobs"
        ),
        .executableTarget(
            name: "tractor-test-worker",
            dependencies: ["TractorRuntime", "TractorTestJobs"],
            path: "Tests/tractor-test-worker"
        ),

        // A head that starts host agents with a launcher (srun, ssh), for the launcher tests and their Slurm jobs.
        .executableTarget(
            name: "tractor-launch-head",
            dependencies: ["TractorRuntime", "TractorTestJobs"],
            path: "Tests/tractor-launch-head"
        ),

        // A program that forgets `Tractor.bootstrap`, spawned as an actor by the tests of what the runtime does then.
        .executableTarget(
            name: "tractor-forgetful",
            dependencies: ["TractorRuntime"],
            path: "Tests/tractor-forgetful"
        ),

        // The fuzz target of the wire decoders: a libFuzzer entry point when built for `make fuzz`, a program
        // that replays saved inputs otherwise.
        .executableTarget(
            name: "tractor-fuzz",
            dependencies: ["TractorRuntime"]
        ),

        // What the spawning tests of both libraries look at in /proc (children, descriptors, waiting on a condition).
        .target(
            name: "TractorTestSupport",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            path: "Tests/TractorTestSupport"
        ),
        .testTarget(
            name: "TractorRuntimeTests",
            // tractor-forgetful: a program that skips Tractor.bootstrap; tractor-fuzz: the tests replay seeded inputs
            // through the fuzz target's checks.
            dependencies: [
                "TractorRuntime", "TractorTestJobs", "TractorTestSupport", "tractor-test-worker", "tractor-forgetful",
                "tractor-fuzz",
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "TractorPoolTests",
            // pool-worker: the tests run the built executable (`pool-worker topology --json`) as a subprocess, and
            // pools of it serve the jobs of PoolWorkerJobs. primes and tour: the examples, run as the README says.
            // tractor-test-worker: the Ctrl-C test runs primes below its child-subreaper mode. TractorCommandLine: the
            // commands' JSON writer is checked against Foundation's. pool-service: the service example, stopped with
            // SIGTERM. MetricsTestKit: the pool's metrics, read back from a TestMetrics bound to the test's task.
            dependencies: [
                "TractorPool", "PoolWorkerJobs", "TractorTestSupport", "pool-worker", "primes", "tour", "tractor-test-worker",
                "TractorCommandLine", "pool-service", "TractorTestJobs", "tractor-launch-head",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ]
)
