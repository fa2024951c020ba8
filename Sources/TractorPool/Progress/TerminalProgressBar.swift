//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

/// A one-line progress bar for a terminal, drawn from ``PoolProgress`` snapshots: the bar, the counts, the rate and
/// the estimated time left, redrawn in place.
///
/// ```swift
/// let bar = TerminalProgressBar(label: "hashing", unit: "files")
/// let progress = PoolProgress(every: .milliseconds(100)) { bar.draw($0) }
/// for try await hash in pool.map(sha256, over: files, progress: progress) { save(hash) }
/// // [##########################----]  87%  870/1000  212.4 files/s  ETA 0:01   (redrawn, then on its own line)
/// ```
///
/// Each ``draw(_:)`` writes `\r`, the line (see ``line(for:width:configuration:color:)``) and "erase to the end of
/// the line" (`ESC [K`), with `write(2)`, in one call. The final snapshot draws the line a last time and ends it
/// with a newline, or erases it (``Configuration/finalLine``); later snapshots are ignored.
///
/// It draws only when the descriptor is a terminal (`isatty`); otherwise it writes nothing, or only the final line
/// (``Configuration/whenNotATerminal``), plain. It follows the terminal's width as it changes (`ioctl(TIOCGWINSZ)`,
/// else the `COLUMNS` environment variable, else 80), and uses no colour when the `NO_COLOR` environment variable is
/// set to anything but the empty string (only the bar's filled part and the failure count are coloured).
public final class TerminalProgressBar: Sendable {
    /// Where and how the bar is drawn.
    ///
    /// ```swift
    /// var configuration = TerminalProgressBar.Configuration()
    /// configuration.unit = "numbers"
    /// configuration.unitsPerItem = 10_000     // each item is a range of 10,000 numbers
    /// configuration.finalLine = .erase
    /// let bar = TerminalProgressBar(configuration: configuration)
    /// ```
    public struct Configuration: Sendable {
        /// The descriptor to draw on. Default 2, standard error.
        public var fileDescriptor: CInt = 2
        /// Text before the bar. Default none.
        public var label: String = ""
        /// What the rate counts, as in `212.4 files/s`. Default `"items"`.
        public var unit: String = "items"
        /// How many units one item stands for, for the rate (numbers per range counted, bytes per file). Default 1.
        public var unitsPerItem: Double = 1
        /// What the final snapshot leaves on the terminal. Default ``FinalLine/keep``.
        public var finalLine: FinalLine = .keep
        /// What is written when the descriptor is not a terminal. Default ``NotATerminal/silent``.
        public var whenNotATerminal: NotATerminal = .silent

        /// The default configuration.
        public init() {}
    }

    /// What the final snapshot leaves on the terminal.
    ///
    /// A struct with static members rather than an enum, so that new choices are not a breaking change.
    ///
    /// ```swift
    /// configuration.finalLine = .erase
    /// ```
    public struct FinalLine: Sendable, Hashable {
        private enum Storage: Sendable, Hashable { case keep, erase }
        private let storage: Storage
        private init(_ storage: Storage) { self.storage = storage }

        /// The final line stays, followed by a newline: a summary of the run.
        public static var keep: Self { .init(.keep) }
        /// The line is erased: what follows starts on a clean line, as if no bar had been drawn.
        public static var erase: Self { .init(.erase) }
    }

    /// What is written when the descriptor is not a terminal (a pipe, a file, a CI log).
    ///
    /// A struct with static members rather than an enum, so that new choices are not a breaking change.
    ///
    /// ```swift
    /// configuration.whenNotATerminal = .finalLine
    /// ```
    public struct NotATerminal: Sendable, Hashable {
        private enum Storage: Sendable, Hashable { case silent, finalLine }
        private let storage: Storage
        private init(_ storage: Storage) { self.storage = storage }

        /// Nothing at all.
        public static var silent: Self { .init(.silent) }
        /// The final snapshot's line, plain (80 columns at most, no `\r`, no escape), and a newline.
        public static var finalLine: Self { .init(.finalLine) }
    }

    /// The configuration.
    public let configuration: Configuration
    /// Whether the descriptor is a terminal: the bar is drawn only then.
    public let isTerminal: Bool
    /// Whether the bar is coloured: on a terminal, unless `NO_COLOR` says otherwise.
    public let usesColor: Bool
    /// The width the `COLUMNS` environment variable gives, for a terminal whose size cannot be read.
    private let environmentColumns: Int?
    /// Whether the final snapshot has been drawn.
    private let finished = Mutex(false)

    /// A bar drawn on the descriptor the configuration names.
    ///
    /// ```swift
    /// let bar = TerminalProgressBar(configuration: configuration)
    /// ```
    public convenience init(configuration: Configuration = Configuration()) {
        self.init(configuration: configuration, environment: sys_getenv)
    }

    /// A bar on standard error, with a label and a unit for the rate.
    ///
    /// ```swift
    /// let bar = TerminalProgressBar(label: "resizing", unit: "images")
    /// ```
    public convenience init(label: String = "", unit: String = "items") {
        var configuration = Configuration()
        configuration.label = label
        configuration.unit = unit
        self.init(configuration: configuration)
    }

    /// A bar that reads `NO_COLOR` and `COLUMNS` from `environment`.
    init(configuration: Configuration, environment: (String) -> String?) {
        self.configuration = configuration
        self.isTerminal = sys_isatty(configuration.fileDescriptor)
        let noColor = environment("NO_COLOR").map { !$0.isEmpty } ?? false
        self.usesColor = isTerminal && !noColor
        self.environmentColumns = environment("COLUMNS").flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
    }

    /// The terminal's width now: its size, else `COLUMNS`, else 80.
    public var width: Int {
        sys_terminal_columns(configuration.fileDescriptor) ?? environmentColumns ?? 80
    }

    /// Draws `snapshot`: redraws the line in place; the final snapshot ends the line (or erases it), and nothing
    /// is drawn after it. Not on a terminal: nothing, or the final line alone.
    ///
    /// Safe to call from any thread; draws do not interleave. A failed write (a closed terminal) is ignored: the
    /// bar is decoration.
    ///
    /// ```swift
    /// let progress = PoolProgress(every: .milliseconds(100)) { bar.draw($0) }
    /// ```
    public func draw(_ snapshot: PoolProgress.Snapshot) {
        finished.withLock { finished in
            guard !finished else { return }
            if snapshot.isFinal { finished = true }
            guard let text = text(for: snapshot) else { return }
            var bytes = text
            bytes.withUTF8 { _ = sys_write_all(configuration.fileDescriptor, UnsafeRawBufferPointer($0)) }
        }
    }

    /// What drawing `snapshot` writes, if anything.
    private func text(for snapshot: PoolProgress.Snapshot) -> String? {
        guard isTerminal else {
            guard snapshot.isFinal, configuration.whenNotATerminal == .finalLine else { return nil }
            return Self.line(for: snapshot, width: 81, configuration: configuration, color: false) + "\n"
        }
        let erase = "\u{1B}[K"
        if snapshot.isFinal, configuration.finalLine == .erase { return "\r" + erase }
        let line = Self.line(for: snapshot, width: width, configuration: configuration, color: usesColor)
        return "\r" + line + erase + (snapshot.isFinal ? "\n" : "")
    }
}
