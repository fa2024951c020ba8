//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension TerminalProgressBar {
    /// The text of the bar for `snapshot` on a terminal `width` columns wide, without the `\r` before it: at most
    /// `width - 1` visible characters (the last column is left free, so that no terminal wraps the line), with
    /// colour escapes only if `color`.
    ///
    /// With a total: `label [#########---------]  50%  5000/10000  1.2 k items/s  ETA 0:04  3 failed`; the final
    /// snapshot says `in 0:09` instead of the estimate. Without one: `label 5000 done  1.2 k items/s  0:04`. The bar
    /// keeps its width while the figures change (from 10 to 40 columns, as the width allows, narrower once failures
    /// are counted, none on a terminal too narrow); what does not fit is cut from the end.
    ///
    /// ```swift
    /// let text = TerminalProgressBar.line(for: snapshot, width: 80, configuration: .init(), color: false)
    /// ```
    public static func line(
        for snapshot: PoolProgress.Snapshot,
        width: Int,
        configuration: Configuration,
        color: Bool
    ) -> String {
        let columns = Swift.max(1, width - 1)
        var segments: [Segment] = []
        let label = configuration.label.isEmpty ? "" : configuration.label + " "
        if !label.isEmpty { segments.append(Segment(label)) }
        let tail = tail(for: snapshot, configuration: configuration)
        if let fraction = snapshot.fractionCompleted {
            let room = columns - label.count - 2
            let tailWidth = Swift.max(Self.tailReserve, tail.reduce(0) { $0 + $1.text.count })
            let barWidth = Swift.max(10, Swift.min(40, room - tailWidth))
            if room >= barWidth + 12 {
                let filled = Swift.min(barWidth, Int(fraction * Double(barWidth)))
                segments.append(Segment("["))
                segments.append(Segment(String(repeating: "#", count: filled), color: .green))
                segments.append(Segment(String(repeating: "-", count: barWidth - filled) + "]"))
            }
        }
        segments += tail
        return render(fitting(segments, into: columns), color: color)
    }

    /// The columns kept for the figures after the bar, whatever they hold at the moment (more when they need more,
    /// as when failures are counted).
    static var tailReserve: Int { 44 }

    /// The figures: percentage and counts (or the count alone), rate, estimate or time taken, failures.
    private static func tail(for snapshot: PoolProgress.Snapshot, configuration: Configuration) -> [Segment] {
        var text = ""
        if let total = snapshot.total, let fraction = snapshot.fractionCompleted {
            let percent = String(Int((fraction * 100).rounded(.down)))
            text += String(repeating: " ", count: Swift.max(0, 4 - percent.count)) + percent + "%"
            text += "  \(snapshot.finished)/\(total)"
        } else {
            text += "\(snapshot.finished) done"
        }
        let unit = configuration.unit
        if let rate = snapshot.rate {
            text += "  " + ProgressFormat.metric(rate * configuration.unitsPerItem) + " \(unit)/s"
        } else {
            text += "  -- \(unit)/s"
        }
        if snapshot.isFinal {
            text += "  in " + ProgressFormat.clock(snapshot.elapsed)
        } else if snapshot.total != nil {
            text += "  ETA " + (snapshot.estimatedTimeRemaining.map(ProgressFormat.clock) ?? "--:--")
        } else {
            text += "  " + ProgressFormat.clock(snapshot.elapsed)
        }
        var segments = [Segment(text)]
        if snapshot.failed > 0 {
            segments.append(Segment("  "))
            segments.append(Segment("\(snapshot.failed) failed", color: .red))
        }
        return segments
    }

    /// A piece of the line, maybe coloured.
    struct Segment {
        enum Color: String {
            case green = "\u{1B}[32m"
            case red = "\u{1B}[31m"
        }

        var text: String
        var color: Color?

        init(_ text: String, color: Color? = nil) {
            self.text = text
            self.color = color
        }
    }

    /// `segments`, cut to `columns` visible characters.
    static func fitting(_ segments: [Segment], into columns: Int) -> [Segment] {
        var left = columns
        var fitted: [Segment] = []
        for var segment in segments where left > 0 {
            if segment.text.count > left { segment.text = String(segment.text.prefix(left)) }
            left -= segment.text.count
            if !segment.text.isEmpty { fitted.append(segment) }
        }
        return fitted
    }

    /// The text of `segments`, with their colours (each reset after its segment) if `color`.
    static func render(_ segments: [Segment], color: Bool) -> String {
        var line = ""
        for segment in segments {
            if color, let code = segment.color {
                line += code.rawValue + segment.text + "\u{1B}[0m"
            } else {
                line += segment.text
            }
        }
        return line
    }
}
