//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import ArgumentParser
import TractorPool

/// `--placement`: where a command's pool workers run, spelt the same way by every command of this package
/// (`primes`, `pool-worker report-bindings`, `pool-worker topology`).
///
///     primes --below 1000000 --placement per-numa-node
///     pool-worker report-bindings --placement none --workers 8
package enum PlacementOption: String, CaseIterable, ExpressibleByArgument, Sendable {
    /// One worker per physical core, bound to it: ``Placement/perCore``.
    case perCore = "per-core"
    /// One worker per NUMA node, bound to its CPUs and memory: ``Placement/perNUMANode``.
    case perNUMANode = "per-numa-node"
    /// One worker per hardware thread, bound to it: ``Placement/perPU``.
    case perPU = "per-pu"
    /// Unbound workers, one per allowed core unless `--workers` says how many.
    case none

    /// The help text of a `--placement` option.
    package static let help = ArgumentHelp(
        "Where the workers run: per-core, per-numa-node, per-pu or none (unbound). Default: per-core, or none when "
            + "--workers is given.",
        valueName: "placement"
    )

    /// The choice a command makes when `--placement` is not given: pinned per core, unless a number of workers is
    /// asked for, which then run unbound.
    package static func `default`(workers: Int?) -> PlacementOption {
        workers == nil ? .perCore : .none
    }

    /// The pinned placement this option names, or `nil` for ``none``.
    package var pinned: Placement? {
        switch self {
        case .perCore: .perCore
        case .perNUMANode: .perNUMANode
        case .perPU: .perPU
        case .none: nil
        }
    }

    /// The pool placement, with `workers` workers if given.
    ///
    /// Pinned placements with fewer workers than slots keep the CPU sets of their first slots; more workers than
    /// slots is an error (oversubscribed workers cannot all be pinned). ``none`` runs `workers` unbound workers, one
    /// per allowed core by default.
    ///
    /// - Throws: `ValidationError` naming `--workers` when there are more workers than pinned slots.
    package func placement(workers: Int?) throws -> Placement {
        guard let pinned else { return .workers(try workers ?? Topology.current().cores.count) }
        guard let workers else { return pinned }
        let slots = pinned.plan(for: try Topology.current()).workers.compactMap(\.cpus)
        guard workers <= slots.count else {
            throw ValidationError(
                "--workers \(workers) is more than the \(slots.count) \(rawValue) slot\(slots.count == 1 ? "" : "s") "
                    + "of this machine; add --placement none to run \(workers) unbound workers."
            )
        }
        return .explicit(Array(slots.prefix(workers)))
    }
}

/// Checks of the numbers a command line takes, with messages that name the option and the rule.
///
/// Declare numeric options with `parsing: .unconditional`, so that a negative number reaches these checks instead of
/// being read as an unknown option (`--below -5` would otherwise say that `--below` is missing its value).
///
///     @Option(parsing: .unconditional) var workers: Int?
///     func validate() throws { try CountCheck.atLeast(1, workers, "--workers") }
package enum CountCheck {
    /// Throws a `ValidationError` when `value` is given and below `minimum`.
    package static func atLeast(_ minimum: Int, _ value: Int?, _ option: String) throws {
        guard let value, value < minimum else { return }
        let rule = minimum == 0 ? "0 or more" : "at least \(minimum)"
        throw ValidationError("\(option) must be \(rule), not \(value).")
    }
}
