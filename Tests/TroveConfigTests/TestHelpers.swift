import AgentSupport
import Logging
import Synchronization
import Testing

@testable import TroveConfig

/// A log handler that keeps every record, so tests can assert what an operator would read in the log.
final class LogRecorder: Sendable {
    struct Record: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: [String: String]
    }

    private let storage = Mutex<[Record]>([])

    var records: [Record] { storage.withLock { $0 } }

    /// A logger at `.trace` that records into this recorder.
    func logger() -> Logger {
        var logger = Logger(label: "test.config") { _ in Handler(recorder: self) }
        logger.logLevel = .trace
        return logger
    }

    /// Every record's message and metadata as one searchable text.
    var allText: String {
        records.map { "\($0.level) \($0.message) \($0.metadata.sorted { $0.key < $1.key })" }.joined(separator: "\n")
    }

    fileprivate func append(_ record: Record) { storage.withLock { $0.append(record) } }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            recorder.append(
                Record(
                    level: event.level, message: "\(event.message)",
                    metadata: merged.mapValues { "\($0)" }))
        }
    }
}

/// The smallest guest_info.conf Trove injects.
let guestInfo = (name: "guest_info.conf", contents: "[DEFAULT]\nguest_id=7c1f0e2a\ndatastore_manager=db2\n")

/// Loads in-memory files named as given, earliest first.
func load(_ texts: (name: String, contents: String)..., logger: Logger? = nil) throws(ConfigError)
    -> AgentConfiguration
{
    try AgentConfiguration.parse(texts: texts, logger: logger ?? LogRecorder().logger())
}

/// Loads `guest_info.conf` plus one more file with `contents`.
func loadWithGuestInfo(_ contents: String, logger: Logger? = nil) throws(ConfigError) -> AgentConfiguration {
    try load(guestInfo, ("agent.conf", contents), logger: logger)
}

/// The error loading `texts` throws; records an issue when loading succeeds.
func loadError(_ texts: (name: String, contents: String)..., sourceLocation: SourceLocation = #_sourceLocation)
    -> ConfigError?
{
    do {
        _ = try AgentConfiguration.parse(texts: texts, logger: LogRecorder().logger())
        Issue.record("expected a ConfigError", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}
