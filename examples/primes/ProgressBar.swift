//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import TractorPool

/// The progress report of `--below`: a bar on standard error, drawn by the library's ``TerminalProgressBar`` from
/// the map's snapshots, when standard error is a terminal (and nothing otherwise).
///
/// ```swift
/// let progress = ProgressBar.report(rangeSize: 10_000)
/// for try await count in pool.mapUnordered(countPrimesJob, over: ranges, progress: progress) { ... }
/// ```
///
/// The bar counts ranges (`64/150`) and gives the rate in numbers (`1.2 M numbers/s`); it is erased at the end, so
/// that the count printed next starts on a clean line:
/// `[#########---------]  42%  64/150  1.2 M numbers/s  ETA 0:07`.
enum ProgressBar {
    /// A reporter that draws the bar ten times a second and erases it when the map ends; `nil` when standard error
    /// is not a terminal, so that the map counts nothing.
    static func report(rangeSize: Int) -> PoolProgress? {
        var configuration = TerminalProgressBar.Configuration()
        configuration.unit = "numbers"
        configuration.unitsPerItem = Double(rangeSize)
        configuration.finalLine = .erase
        let bar = TerminalProgressBar(configuration: configuration)
        guard bar.isTerminal else { return nil }
        return PoolProgress(every: .milliseconds(100)) { bar.draw($0) }
    }
}
