/// What ``DB2Manager/ensureRecoverable()`` found and did, per database.
public struct RecoverabilityReport: Sendable, Equatable, CustomStringConvertible {
    /// One database's outcome.
    public struct Entry: Sendable, Equatable, CustomStringConvertible {
        public enum Action: Sendable, Equatable {
            /// LOGARCHMETH1 was already the archive directory and the database accepts connections.
            case alreadyRecoverable
            /// LOGARCHMETH1 was something else (the value it had); it was set and BACKUP PENDING cleared.
            case archiveLoggingRepaired(previous: String)
            /// LOGARCHMETH1 was right but the database was in BACKUP PENDING; a backup to /dev/null cleared it.
            case backupPendingCleared
        }

        public let database: DatabaseName
        public let action: Action

        public init(database: DatabaseName, action: Action) {
            self.database = database
            self.action = action
        }

        public var description: String {
            switch action {
            case .alreadyRecoverable: "\(database): recoverable"
            case .archiveLoggingRepaired(let previous): "\(database): LOGARCHMETH1 was \(previous), set to the archive directory"
            case .backupPendingCleared: "\(database): BACKUP PENDING cleared"
            }
        }
    }

    public let entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    /// The databases something was done to.
    public var repaired: [Entry] { entries.filter { $0.action != .alreadyRecoverable } }

    public var description: String { entries.map(\.description).joined(separator: "; ") }
}
