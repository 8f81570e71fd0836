import DB2

/// One database's image in a stored backup, as the backup records it: what a child backup compares with Db2's
/// history before it chooses a delta or an incremental, and what a restore follows back to the full image.
public struct ChainImage: Sendable, Hashable, CustomStringConvertible {
    public let database: DatabaseName
    /// The image's timestamp (`TAKEN AT`).
    public let timestamp: String
    public let kind: BackupImageKind
    /// The timestamp of the image this one builds on (the last full for an incremental, the previous backup for a
    /// delta); nil for a full image.
    public let base: String?

    public init(database: DatabaseName, timestamp: String, kind: BackupImageKind, base: String?) {
        self.database = database
        self.timestamp = timestamp
        self.kind = kind
        self.base = kind == .full ? nil : base
    }

    public var description: String {
        "\(database) \(timestamp) (\(kind.rawValue)\(base.map { " on \($0)" } ?? ""))"
    }

    /// A timestamp as Db2 writes it: 14 digits.
    static func isTimestamp(_ text: some StringProtocol) -> Bool {
        text.utf8.count == 14 && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }
}
