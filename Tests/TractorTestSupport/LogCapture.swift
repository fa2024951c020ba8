//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Logging
import Synchronization

/// The log lines of one test, kept in memory instead of printed: a test that provokes what the libraries warn about
/// (a worker it kills, a placement with more workers than CPUs) gives a pool or a nursery ``logger`` and then checks
/// that what was logged is what it provoked, and nothing else.
///
/// ```swift
/// let log = LogCapture()
/// var configuration = PoolTesting.configuration()
/// configuration.logger = log.logger
/// ...
/// #expect(log.unexpected(allowing: ["replacing it"]).isEmpty)
/// ```
public final class LogCapture: Sendable {
    /// One captured line.
    public struct Entry: Sendable, CustomStringConvertible {
        public var level: Logger.Level
        public var message: String
        public var description: String { "\(level) \(message)" }
    }

    private let entries = Mutex<[Entry]>([])
    private let level: Logger.Level

    /// A capture of the lines at `level` and above (the level is also the one the pool's or nursery's child processes
    /// log at, on their standard error). Default `warning`.
    public init(level: Logger.Level = .warning) {
        self.level = level
    }

    /// A logger, labelled `tractor`, whose lines go to this capture.
    public var logger: Logger {
        var logger = Logger(label: "tractor") { _ in Handler(capture: self) }
        logger.logLevel = level
        return logger
    }

    /// Every line captured so far.
    public var lines: [Entry] { entries.withLock { $0 } }

    /// The lines at `warning` or above that contain none of `expected`: what the test did not provoke.
    public func unexpected(allowing expected: [String]) -> [Entry] {
        lines.filter { entry in entry.level >= .warning && !expected.contains { entry.message.contains($0) } }
    }

    /// Whether a line at `level` contains `text`.
    public func contains(_ text: String, at level: Logger.Level = .warning) -> Bool {
        lines.contains { $0.level == level && $0.message.contains(text) }
    }

    fileprivate func append(_ entry: Entry) {
        entries.withLock { $0.append(entry) }
    }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            capture.append(Entry(level: event.level, message: event.message.description))
        }
    }
}
