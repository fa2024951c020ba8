//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc
import Synchronization

/// A one-line progress bar on standard error, with the rate and the estimated time left, for a terminal only.
///
/// ```swift
/// let progress = ProgressBar(total: 128, unitsPerStep: 7_813, unit: "numbers")
/// progress.advance()                 // one range done
/// progress.draw(elapsed: .seconds(2))
/// progress.clear()
/// ```
///
/// Drawing rewrites the line in place (`\r`, then the text, then "erase to the end of the line"); ``clear()``
/// erases it, so that what follows starts on a clean line.
final class ProgressBar: Sendable {
    /// How many steps make the whole (ranges, here).
    let total: Int
    /// How many units one step stands for, for the rate (numbers per range).
    let unitsPerStep: Int
    /// What the units are called in the rate.
    let unit: String
    private let done = Atomic<Int>(0)

    init(total: Int, unitsPerStep: Int, unit: String) {
        self.total = total
        self.unitsPerStep = unitsPerStep
        self.unit = unit
    }

    /// Whether standard error is a terminal: the bar is drawn only there.
    static var isTerminal: Bool { isatty(STDERR_FILENO) != 0 }

    /// Records one more step done.
    func advance() {
        done.add(1, ordering: .relaxed)
    }

    /// Draws the bar for the steps done so far.
    func draw(elapsed: Duration) {
        let line = Self.line(
            done: done.load(ordering: .relaxed),
            total: total,
            unitsPerStep: unitsPerStep,
            unit: unit,
            elapsed: elapsed,
            width: Self.terminalWidth()
        )
        write("\r" + line + "\u{1B}[K")
    }

    /// Erases the bar's line.
    func clear() {
        write("\r\u{1B}[K")
    }

    private func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes in _ = Glibc.write(STDERR_FILENO, bytes.baseAddress, bytes.count) }
    }

    /// The width of the terminal on standard error; 80 when it cannot be read.
    static func terminalWidth() -> Int {
        var size = winsize()
        guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }

    /// The text of the bar: `[#########---------]  50%  64/128  1.2 M numbers/s  ETA 0:07`, cut to fit `width`
    /// (the bar shrinks first, on terminals under 90 columns).
    static func line(done: Int, total: Int, unitsPerStep: Int, unit: String, elapsed: Duration, width: Int) -> String {
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Double(done * unitsPerStep) / seconds : 0
        let eta: String
        if done == 0 || seconds <= 0 {
            eta = "ETA --:--"
        } else {
            eta = "ETA " + clock(seconds * Double(total - done) / Double(done))
        }
        let percent = String(Int(fraction * 100)).leftPadded(to: 3) + "%"
        let tail = "  \(percent)  \(done)/\(total)  \(human(rate)) \(unit)/s  \(eta)"
        // A width that does not depend on the tail, so that the bar does not jitter as the figures change.
        let barWidth = max(10, min(40, width - 50))
        let filled = Int(fraction * Double(barWidth))
        let bar = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: barWidth - filled) + "]"
        return String((bar + tail).prefix(max(width - 1, 1)))
    }

    /// `0:07`, `12:34`, `1:02:03`.
    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60)
        let mm = String(minutes).leftPadded(to: 2, with: "0")
        let ss = String(secs).leftPadded(to: 2, with: "0")
        return hours > 0 ? "\(hours):\(mm):\(ss)" : "\(minutes):\(ss)"
    }

    /// `950`, `12.3 k`, `4.5 M`, `1.2 G`.
    static func human(_ value: Double) -> String {
        for (scale, suffix) in [(1e9, " G"), (1e6, " M"), (1e3, " k")] where value >= scale {
            let tenths = Int((value / scale * 10).rounded())
            return "\(tenths / 10).\(tenths % 10)\(suffix)"
        }
        return String(Int(value.rounded()))
    }
}

extension String {
    fileprivate func leftPadded(to width: Int, with pad: Character = " ") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
