//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// How progress figures are written: durations as clocks, rates with one decimal or a metric prefix.
enum ProgressFormat {
    /// `0:07`, `12:34`, `1:02:03` (rounded to the second).
    static func clock(_ duration: Duration) -> String {
        let total = Int(ProgressMeter.seconds(duration).rounded())
        let (hours, minutes, seconds) = (total / 3600, total / 60 % 60, total % 60)
        let ss = padded(seconds, 2)
        return hours > 0 ? "\(hours):\(padded(minutes, 2)):\(ss)" : "\(minutes):\(ss)"
    }

    /// `812.5`: one decimal.
    static func decimal(_ value: Double) -> String {
        let tenths = Int((Swift.min(Swift.max(0, value), 1e15) * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// `950`, `12.3 k`, `4.5 M`, `1.2 G`.
    static func metric(_ value: Double) -> String {
        let value = Swift.min(Swift.max(0, value), 1e15)
        for (scale, suffix) in [(1e9, " G"), (1e6, " M"), (1e3, " k")] where value >= scale {
            return decimal(value / scale) + suffix
        }
        return String(Int(value.rounded()))
    }

    /// `value` in decimal, left-padded with zeros to `width` digits.
    static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
