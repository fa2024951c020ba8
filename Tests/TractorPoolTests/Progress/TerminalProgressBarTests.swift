//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc
import Testing

@testable import TractorPool

/// The terminal bar: its line, and what it writes on a pseudo-terminal, on a pipe, with `NO_COLOR`.
@Suite(.timeLimit(.minutes(1)))
struct TerminalProgressBarTests {
    static let escape = "\u{1B}"

    static let running = PoolProgress.Snapshot(
        done: 4_990, failed: 10, inFlight: 64, total: 10_000, elapsed: .seconds(4), rate: 1_234,
        estimatedTimeRemaining: .seconds(4)
    )
    static let final = PoolProgress.Snapshot(
        done: 9_990, failed: 10, total: 10_000, elapsed: .seconds(8), rate: 1_234, estimatedTimeRemaining: .zero,
        isFinal: true
    )

    // MARK: The line

    @Test func theLineShowsTheBarCountsRateAndEstimate() throws {
        let line = TerminalProgressBar.line(for: Self.running, width: 80, configuration: .init(), color: false)
        #expect(line.count <= 79)
        let bar = try #require(line.split(separator: "]").first).dropFirst()
        #expect(line.hasPrefix("[") && bar.count >= 10 && bar.allSatisfy { $0 == "#" || $0 == "-" }, "\(line)")
        #expect(bar.filter { $0 == "#" }.count == bar.count / 2, "half done: \(line)")
        #expect(line.hasSuffix("]  50%  5000/10000  1.2 k items/s  ETA 0:04  10 failed"), "\(line)")
        let quiet = PoolProgress.Snapshot(done: 5_000, total: 10_000, rate: 1_234)
        let plain = TerminalProgressBar.line(for: quiet, width: 80, configuration: .init(), color: false)
        #expect(plain.hasPrefix("[" + String(repeating: "#", count: 16) + String(repeating: "-", count: 17) + "]  50%"))
        let final = TerminalProgressBar.line(for: Self.final, width: 80, configuration: .init(), color: false)
        #expect(final.contains("100%  10000/10000  1.2 k items/s  in 0:08  10 failed"), "\(final)")
    }

    @Test(arguments: [10, 20, 40, 60, 80, 120, 300])
    func theLineFitsTheWidthLeavingTheLastColumnFree(width: Int) {
        var configuration = TerminalProgressBar.Configuration()
        configuration.label = "hashing"
        for snapshot in [Self.running, Self.final, PoolProgress.Snapshot(done: 12)] {
            let line = TerminalProgressBar.line(for: snapshot, width: width, configuration: configuration, color: false)
            #expect(line.count <= width - 1, "\(line.count) columns: \(line)")
            #expect(line.hasPrefix(String("hashing".prefix(width - 1))))
        }
    }

    @Test func theRateIsInUnitsAndAnUnknownTotalShowsTheCountAndTheTime() {
        var configuration = TerminalProgressBar.Configuration()
        configuration.unit = "numbers"
        configuration.unitsPerItem = 10_000
        let line = TerminalProgressBar.line(
            for: .init(done: 64, total: 150, rate: 120), width: 80, configuration: configuration, color: false
        )
        #expect(line.contains("64/150  1.2 M numbers/s  ETA --:--"), "\(line)")
        let open = TerminalProgressBar.line(
            for: .init(done: 7, elapsed: .seconds(65)), width: 80, configuration: configuration, color: false
        )
        #expect(open == "7 done  -- numbers/s  1:05")
    }

    @Test func colourIsOnlyInTheFilledBarAndTheFailures() {
        let line = TerminalProgressBar.line(for: Self.running, width: 80, configuration: .init(), color: true)
        #expect(line.hasPrefix("[\(Self.escape)[32m####"), "\(line)")
        #expect(line.contains("#\(Self.escape)[0m-"), "\(line)")
        #expect(line.hasSuffix("\(Self.escape)[31m10 failed\(Self.escape)[0m"))
    }

    // MARK: On a terminal

    @Test func onATerminalTheLineIsRedrawnInPlaceWithinTheWidthAndEndsWithANewline() throws {
        let terminal = try PseudoTerminal(columns: 60)
        defer { terminal.close() }
        let bar = TerminalProgressBar(configuration: terminal.configuration, environment: { _ in nil })
        #expect(bar.isTerminal && bar.usesColor && bar.width == 60)
        bar.draw(Self.running)
        bar.draw(Self.running)
        bar.draw(Self.final)
        bar.draw(Self.running)  // after the final one: ignored
        let written = try terminal.read(until: "\n")
        #expect(written.hasSuffix("\(Self.escape)[K\n"), "\(written.debugDescription)")
        let lines = written.dropLast().split(separator: "\r", omittingEmptySubsequences: true)
        #expect(lines.count == 3, "three draws, each after a carriage return: \(written.debugDescription)")
        for line in lines {
            let visible = Self.visible(String(line))
            #expect(visible.count <= 59, "\(visible.count) columns: \(visible)")
        }
        #expect(written.contains("\(Self.escape)[32m"), "coloured")
        #expect(try terminal.readAvailable().isEmpty, "nothing after the final line")
    }

    @Test func noColorTakesTheColoursOut() throws {
        let terminal = try PseudoTerminal(columns: 100)
        defer { terminal.close() }
        let bar = TerminalProgressBar(configuration: terminal.configuration) { $0 == "NO_COLOR" ? "1" : nil }
        #expect(!bar.usesColor)
        bar.draw(Self.running)
        bar.draw(Self.final)
        let written = try terminal.read(until: "\n")
        #expect(!written.contains("\(Self.escape)[3"), "\(written.debugDescription)")
        #expect(!written.contains("\(Self.escape)[0m"))
        #expect(written.contains("10 failed"))
        // An empty NO_COLOR is as good as none.
        let empty = TerminalProgressBar(configuration: terminal.configuration) { $0 == "NO_COLOR" ? "" : nil }
        #expect(empty.usesColor)
    }

    @Test func aTerminalOfUnknownSizeTakesColumnsThenEighty() throws {
        let terminal = try PseudoTerminal(columns: 0)
        defer { terminal.close() }
        let sized = TerminalProgressBar(configuration: terminal.configuration) { $0 == "COLUMNS" ? "50" : nil }
        #expect(sized.width == 50)
        #expect(TerminalProgressBar(configuration: terminal.configuration, environment: { _ in nil }).width == 80)
        sized.draw(Self.running)
        sized.draw(Self.final)
        let written = try terminal.read(until: "\n")
        for line in written.dropLast().split(separator: "\r") where !line.isEmpty {
            #expect(Self.visible(String(line)).count <= 49)
        }
    }

    @Test func theFinalLineCanBeErased() throws {
        let terminal = try PseudoTerminal(columns: 80)
        defer { terminal.close() }
        var configuration = terminal.configuration
        configuration.finalLine = .erase
        let bar = TerminalProgressBar(configuration: configuration, environment: { _ in nil })
        bar.draw(Self.running)
        bar.draw(Self.final)
        let written = try terminal.read(until: "\(Self.escape)[K\r\(Self.escape)[K")
        #expect(written.hasSuffix("\r\(Self.escape)[K"))
        #expect(!written.contains("\n"))
    }

    // MARK: Not on a terminal

    @Test func onAPipeNothingIsWrittenOrOnlyThePlainFinalLine() throws {
        var descriptors: [CInt] = [0, 0]
        try #require(pipe(&descriptors) == 0)
        defer { for fd in descriptors { Glibc.close(fd) } }
        var configuration = TerminalProgressBar.Configuration()
        configuration.fileDescriptor = descriptors[1]
        let silent = TerminalProgressBar(configuration: configuration, environment: { _ in nil })
        #expect(!silent.isTerminal && !silent.usesColor)
        silent.draw(Self.running)
        silent.draw(Self.final)
        configuration.whenNotATerminal = .finalLine
        let summary = TerminalProgressBar(configuration: configuration, environment: { _ in nil })
        summary.draw(Self.running)
        summary.draw(Self.final)
        var buffer = [UInt8](repeating: 0, count: 4_096)
        let count = Glibc.read(descriptors[0], &buffer, buffer.count)
        let written = String(decoding: buffer.prefix(Swift.max(0, count)), as: UTF8.self)
        let line = TerminalProgressBar.line(for: Self.final, width: 81, configuration: configuration, color: false)
        #expect(written == line + "\n")
        #expect(!written.contains("\r") && !written.contains(Self.escape))
    }

    /// `text` without its escape sequences (`ESC [` … letter).
    static func visible(_ text: String) -> String {
        var result = ""
        var inEscape = false
        for character in text {
            if inEscape {
                if character.isLetter { inEscape = false }
            } else if character == "\u{1B}" {
                inEscape = true
            } else {
                result.append(character)
            }
        }
        return result
    }
}
