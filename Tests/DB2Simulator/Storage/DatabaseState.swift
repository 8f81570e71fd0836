import Foundation

/// A column of a table.
struct ColumnDefinition: Codable, Equatable, Sendable {
    var name: String
    var type: ColumnType
    var nullable: Bool
}

/// A table: its columns, and how much of its data file holds committed rows.
struct TableDefinition: Codable, Equatable, Sendable {
    var schema: String
    var name: String
    var id: Int
    var columns: [ColumnDefinition]
    /// The data file's name in the database's `DATA` directory.
    var dataFile: String
    /// Bytes of the data file that hold committed rows; anything after them is left over from a killed process.
    var dataLength: Int64
    var rowCount: Int64

    var qualifiedName: String { "\(schema).\(name)" }
}

/// A row of `SYSIBM.SYSDBAUTH`: the database authorities one grantee holds.
struct AuthorityRow: Codable, Equatable, Sendable {
    var grantor: String
    var grantee: String
    /// `U` user, `G` group (PUBLIC is a group), `R` role.
    var granteeType: String
    var authorities: Set<Authority>
}

/// A position in a database's log stream: a log file number and a byte offset in that file.
struct LogPosition: Codable, Comparable, Hashable, Sendable, CustomStringConvertible {
    var file: Int
    var offset: Int64

    static func < (left: LogPosition, right: LogPosition) -> Bool {
        (left.file, left.offset) < (right.file, right.offset)
    }

    var description: String { "S\(DB2Time.pad(file, 7)).LOG+\(offset)" }
}

/// Where the log is written and what has become of closed log files.
struct LogState: Codable, Equatable, Sendable {
    /// The log chain (the `C0000000` directory under the archive path); a restore starts a new one.
    var chain: Int
    /// Where the next record goes.
    var position: LogPosition
    /// The size of the current log file (LOGFILSIZ when it was made).
    var currentFileSize: Int64
    /// The highest log file copied to the archive (-1: none).
    var archivedThrough: Int
    var nextTransactionID: UInt64
}

/// What a database remembers after a RESTORE until ROLLFORWARD completes.
struct RollforwardState: Codable, Equatable, Sendable {
    /// Where replay starts (the start of the backup).
    var start: LogPosition
    /// The end of the backup: replay must get at least this far before the database can be used.
    var minimumEnd: LogPosition
    /// When the backup ended (the earliest time a point-in-time rollforward may stop at).
    var minimumEndTime: Int64
    /// How far replay has got.
    var reached: LogPosition
    /// The instance, database and chain that wrote the logs (their archive directory).
    var sourceInstance: String
    var sourceDatabase: String
    var sourceChain: Int
    var lastCommitTime: Int64?
    var firstFileProcessed: Int?
    var lastFileProcessed: Int?
    /// True once a ROLLFORWARD ran without completing (status `DB  working`).
    var working: Bool
}

/// Everything about one database except its rows and its log: the catalog, the configuration and the states DB2
/// reports (backup pending, rollforward pending). Stored as JSON, replaced atomically at each commit.
struct DatabaseState: Codable, Equatable, Sendable {
    var name: String
    /// Identifies the database's log and images: logs of another database are never replayed into it.
    var seed: UInt32
    var createdAt: Int64
    var territory: String
    var codeset: String
    var configuration: ConfigurationValues
    var backupPending: Bool
    /// A RESTORE over this database failed after it had started replacing it: no connection until a RESTORE
    /// completes (SQL1119N). Optional: absent in states written before it existed.
    var restorePending: Bool?
    /// LOGARCHMETH1 was switched on; the next activation puts the database in BACKUP PENDING.
    var archivingPendingActivation: Bool
    var rollforward: RollforwardState?
    var tables: [TableDefinition]
    var nextTableID: Int
    var authorities: [AuthorityRow]
    var log: LogState
    var lastBackupTimestamp: String?
    var lastCommitTime: Int64?
    /// Online backups running now: closed log files they need and dropped tables' files stay until they end.
    var backupsInProgress: [BackupInProgress]
    /// Data files of dropped tables, deleted once no backup needs them.
    var filesToDelete: [String]
    /// TRACKMOD as in effect since the last activation (a change waits for the next one). Optional: absent in
    /// states written before it existed, and for databases whose TRACKMOD was never in effect.
    var tracking: ModificationTracking?
    /// TRACKMOD is in effect (``tracking`` holds its baseline). Optional for older states.
    var trackmodInEffect: Bool?
    /// The recovery history file. Optional for older states.
    var history: [HistoryEntry]?
    /// A manual incremental restore has read its target image and waits for the others (RESTORE PENDING until it
    /// completes).
    var incrementalRestore: IncrementalRestoreProgress?

    struct BackupInProgress: Codable, Equatable, Sendable {
        var process: ProcessIdentity
        var start: LogPosition
    }

    func table(_ name: QualifiedName) -> TableDefinition? {
        tables.first { $0.schema == name.schema && $0.name == name.name }
    }

    /// LOGARCHMETH1 as it is in effect (a change from OFF waits for the next activation).
    var effectiveArchiveMethod: String {
        archivingPendingActivation ? "OFF" : configuration.value("LOGARCHMETH1", in: ConfigurationTables.database)
    }

    /// Archive logging in effect: ROLLFORWARD is possible and online backups are allowed.
    var isRecoverable: Bool {
        let method = effectiveArchiveMethod
        let second = configuration.value("LOGARCHMETH2", in: ConfigurationTables.database)
        return method != "OFF" || second != "OFF"
    }

    /// The directory archived log files go to, when LOGARCHMETH1 is `DISK:`.
    var archiveDirectory: String? {
        let method = configuration.value("LOGARCHMETH1", in: ConfigurationTables.database)
        guard method.hasPrefix("DISK:") else { return nil }
        return String(method.dropFirst(5))
    }

    /// TRACKMOD as configured (it takes effect at the next activation).
    var trackmodConfigured: Bool { configuration.value("TRACKMOD", in: ConfigurationTables.database) == "YES" }

    /// Puts a TRACKMOD change into effect, as an activation does (TRACKMOD is "Configurable", not online: IBM,
    /// *trackmod*). Turning it on starts with no baseline: a full backup must come first.
    mutating func applyTrackmodChange() {
        let configured = trackmodConfigured
        guard (trackmodInEffect ?? false) != configured else { return }
        trackmodInEffect = configured
        tracking = configured ? ModificationTracking() : nil
    }

    /// Adds an entry to the recovery history file.
    mutating func recordHistory(_ entry: HistoryEntry) {
        var entries = history ?? []
        var entry = entry
        entry.eid = (entries.map(\.eid).max() ?? 0) + 1
        entries.append(entry)
        history = entries
    }

    func configurationInteger(_ name: String) -> Int {
        let value = configuration.value(name, in: ConfigurationTables.database)
        return Int(value.filter { $0.isNumber || $0 == "-" }) ?? 0
    }
}
