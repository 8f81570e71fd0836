import Logging
import Synchronization

/// Keeps every log line (level, message, metadata) so that tests can check what an operator would read.
struct CapturingLogHandler: LogHandler {
    final class Store: Sendable {
        private let lines = Mutex<[(level: Logger.Level, message: String, metadata: Logger.Metadata)]>([])

        func append(_ level: Logger.Level, _ message: String, _ metadata: Logger.Metadata) {
            lines.withLock { $0.append((level, message, metadata)) }
        }

        /// Each line as `LEVEL message key=value ...`.
        var text: [String] {
            lines.withLock { lines in
                lines.map { line in
                    "\(line.level) \(line.message) "
                        + line.metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                }
            }
        }

        func contains(_ fragment: String) -> Bool { text.contains { $0.contains(fragment) } }
    }

    let store: Store
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        store.append(event.level, "\(event.message)", all)
    }

    static func logger() -> (Logger, Store) {
        let store = Store()
        return (Logger(label: "test") { _ in CapturingLogHandler(store: store) }, store)
    }
}
