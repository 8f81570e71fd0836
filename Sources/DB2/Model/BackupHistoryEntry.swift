/// One backup of a database as Db2's recovery history file records it (a `SYSIBMADM.DB_HISTORY` row with
/// OPERATION `B`): what an `INCREMENTAL` or `INCREMENTAL DELTA` backup is based on is decided from these, not from
/// anything the caller says.
public struct BackupHistoryEntry: Sendable, Hashable, CustomStringConvertible {
    /// The image's timestamp (`yyyymmddhhmmss`, the value of `TAKEN AT`).
    public let timestamp: String
    public let kind: BackupImageKind
    public let online: Bool
    /// Where the image went (a directory, or a device such as `/dev/null`), as recorded.
    public let location: String?

    public init(timestamp: String, kind: BackupImageKind, online: Bool, location: String?) {
        self.timestamp = timestamp
        self.kind = kind
        self.online = online
        self.location = location
    }

    public var description: String {
        "\(timestamp) \(kind.rawValue)\(online ? " online" : "")\(location.map { " to \($0)" } ?? "")"
    }
}

extension [BackupHistoryEntry] {
    /// The most recent backup of any kind: what `INCREMENTAL DELTA` is based on.
    public var lastBackup: BackupHistoryEntry? { self.max { $0.timestamp < $1.timestamp } }

    /// The most recent full backup: what `INCREMENTAL` is based on.
    public var lastFullBackup: BackupHistoryEntry? { filter { $0.kind == .full }.max { $0.timestamp < $1.timestamp } }
}
