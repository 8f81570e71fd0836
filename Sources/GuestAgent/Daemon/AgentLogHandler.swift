import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import Synchronization

/// The agent's log output: one line per record on stderr (and optionally a log file), with the level as a
/// syslog priority prefix (`<6>`) when stderr is the systemd journal, else a timestamp.
///
/// The level is shared by every logger and can change at run time (SIGHUP re-reads it from the config files).
///
/// Messages and metadata carry values from the wire (names, DB2 output echoing them): each is written with its
/// control characters escaped (`\n`, `\r`, `\t`, `\u{1B}`...), so one record is always one line and no value can
/// forge a record of its own or drive a terminal, and cut after ``maximumValueBytes`` bytes, saying how many were
/// cut, so that an 8 MB name does not make an 8 MB line.
public struct AgentLogHandler: LogHandler {
    /// The longest message or metadata value written, in UTF-8 bytes after escaping.
    public static let maximumValueBytes = 8192

    /// The level every agent logger uses.
    public static let level = Mutex<Logger.Level>(.info)

    private static let output = Mutex<LogOutput>(LogOutput())

    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String

    public init(label: String) { self.label = label }

    public var logLevel: Logger.Level {
        get { Self.level.withLock { $0 } }
        set { Self.level.withLock { $0 = newValue } }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Also write to `path` (appended). Failing to open it is reported on stderr; logging goes on there.
    public static func addLogFile(_ path: String) {
        output.withLock { $0.openFile(path) }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let fields = merged.sorted { $0.key < $1.key }
            .map { "\(Self.loggable($0.key))=\(Self.loggable("\($0.value)"))" }.joined(separator: " ")
        let message = Self.loggable("\(event.message)")
        let text = fields.isEmpty ? message : "\(message) \(fields)"
        let line = "\(event.level.rawValue.uppercased()) [\(label)] \(text)\n"
        Self.output.withLock { $0.write(line, level: event.level) }
    }
}

extension AgentLogHandler {
    /// `text` as it may appear in a log line: control characters (C0, DEL, C1) and Unicode line and paragraph
    /// separators escaped, and cut after `limit` bytes with `… (N bytes cut)`, N counted in `text`'s own bytes.
    public static func loggable(_ text: String, limit: Int = maximumValueBytes) -> String {
        let utf8 = text.utf8
        // Nearly every value: nothing to escape, short enough.
        if utf8.count <= limit, !utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 || $0 == 0xE2 }) {
            return text
        }
        var output = ""
        var consumed = 0
        for scalar in text.unicodeScalars {
            let piece = escaped(scalar)
            if output.utf8.count + piece.utf8.count > limit { break }
            output += piece
            consumed += String(scalar).utf8.count
        }
        let cut = utf8.count - consumed
        return cut > 0 ? output + "… (\(cut) bytes cut)" : output
    }

    private static func escaped(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        case "\u{0}"..."\u{1F}", "\u{7F}"..."\u{9F}", "\u{2028}", "\u{2029}":
            return "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
        default:
            return String(scalar)
        }
    }
}

/// Where log lines go; guarded by ``AgentLogHandler``'s mutex.
struct LogOutput: ~Copyable {
    /// The log file's descriptor, when one is configured.
    private var file: Int32 = -1
    /// stderr is connected to the journal (systemd sets `JOURNAL_STREAM` to stderr's device:inode).
    private let toJournal: Bool = LogOutput.stderrIsJournal()
    private let timestamp = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    deinit { if file >= 0 { close(file) } }

    mutating func openFile(_ path: String) {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else {
            TextOutput.write("WARNING [log] cannot open log file \(path); logging to stderr only\n")
            return
        }
        if file >= 0 { close(file) }
        file = descriptor
    }

    func write(_ line: String, level: Logger.Level) {
        let stamped = "\(Date().formatted(timestamp)) \(line)"
        TextOutput.write(toJournal ? "<\(Self.priority(level))>\(line)" : stamped)
        if file >= 0 { TextOutput.write(stamped, to: file) }
    }

    /// syslog priorities, as sd-daemon(3) reads them from a `<N>` prefix.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    static func stderrIsJournal() -> Bool {
        guard let stream = ProcessInfo.processInfo.environment["JOURNAL_STREAM"] else { return false }
        var info = stat()
        guard fstat(2, &info) == 0 else { return false }
        return stream == "\(info.st_dev):\(info.st_ino)"
    }
}
