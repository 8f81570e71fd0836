import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import OsloRPC

/// What log shipping keeps across restarts, in `<state_dir>/log-shipping.json` (mode 0600, replaced crash-safely):
/// the request context it ships in the name of (the store's account and a token, from the last backup or restore;
/// a token that expired is replaced from `[service_credentials]`), and the logs whose upload was verified but whose
/// local file may not be deleted yet. A log is journaled here after the store confirmed it and before its local
/// file goes, so a crash between the two neither uploads it again nor loses it.
struct LogShippingState: Sendable, Equatable {
    static let fileName = "log-shipping.json"

    var context: RequestContext?
    /// Relative archive path → the shipped object's MD5.
    var shipped: [String: String] = [:]
    /// The online backups this agent stored, by location: what the shipped logs are kept for.
    var backups: Set<String> = []

    var json: [UInt8] {
        JSONWriter.bytes(.object([
            "context": context.map { .object($0.values) } ?? .null,
            "shipped": .object(shipped.mapValues(JSONValue.string)),
            "backups": .array(backups.sorted().map(JSONValue.string)),
        ]))
    }

    init(context: RequestContext? = nil, shipped: [String: String] = [:], backups: Set<String> = []) {
        self.context = context
        self.shipped = shipped
        self.backups = backups
    }

    /// Reads the state in `directory`; empty when there is none.
    ///
    /// Blocking: call it off the cooperative pool.
    static func load(from directory: String) throws -> LogShippingState {
        guard let bytes = try DirectoryHandle.open(directory, creatingMissing: 0o700).readFile(fileName, limit: 16 << 20)
        else { return LogShippingState() }
        let value = try JSONParser.parse(bytes)
        return LogShippingState(
            context: value["context"]?.objectValue.map(RequestContext.init(values:)),
            shipped: (value["shipped"]?.objectValue ?? [:]).compactMapValues(\.stringValue),
            backups: Set((value["backups"]?.arrayValue ?? []).compactMap(\.stringValue)))
    }

    /// Writes the state (blocking).
    func save(to directory: String) throws {
        try DirectoryHandle.open(directory, creatingMissing: 0o700)
            .replaceFile(Self.fileName, contents: json, mode: 0o600, uid: nil, gid: nil)
    }
}
