/// A DB2 operation that failed, typed so that callers can act on the cause, with the step, the database and DB2's
/// own message for humans.
///
/// ```swift
/// do { try await manager.onlineBackup(of: name, to: directory) }
/// catch let error as DB2Error where error.kind == .notRecoverable { ... }
/// ```
public struct DB2Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, as far as the caller can act on it.
    public enum Kind: Sendable, Equatable {
        /// SQL1116N: the database is in BACKUP PENDING state.
        case backupPending
        /// SQL1117N: the database is in ROLL-FORWARD PENDING state.
        case rollforwardPending
        /// SQL1013N: no such database (alias) in the directory.
        case databaseNotFound
        /// SQL2413N: an online backup is not possible (no archive logging, or backup pending).
        case notRecoverable
        /// SQL1035N: the database is in use (connected, activated, or a utility has it).
        case inUse
        /// SQL1032N: the instance is not started.
        case instanceNotStarted
        /// SQL1026N: the instance is already started.
        case instanceAlreadyStarted
        /// SQL1005N: a database of that name (alias) exists already.
        case alreadyExists
        /// SQL1001N: DB2 refused the database name.
        case invalidName
        /// SQL20157N: the instance or database is quiesced.
        case quiesced
        /// SQL1224N: the connection or utility was forced off.
        case forced
        /// SQL2419N, SQL0968C: the target file system is full.
        case diskFull
        /// SQL2542N, SQL2522N: no (or no unique) backup image matches.
        case imageNotFound
        /// `db2ckbkp` found a damaged image, or RESTORE refused one (SQL2530N).
        case damagedImage
        /// Another SQL or DB2 error (see ``DB2Error/message``).
        case sqlError
        /// The command line processor failed without an SQL message (return code 8, unreadable output).
        case commandFailed
        /// The command ran longer than its time limit; its process group was killed.
        case timedOut
        /// The operation was cancelled; its process group was killed.
        case cancelled
        /// A program could not be started, or the DB2 environment could not be read.
        case environment
        /// An OS account operation (useradd, chpasswd, userdel) failed.
        case accountFailed
        /// A volume operation (mkfs, mount, umount, resize2fs) failed.
        case volumeFailed
        /// A file operation of the agent's own (creating a directory, writing a file) failed.
        case fileSystem
        /// The request was refused before any command ran (a name that breaks a rule, a reserved user).
        case invalidRequest
        /// The thing asked for does not exist (a user, a guest log).
        case notFound
    }

    public let kind: Kind
    /// What was being done, e.g. `CREATE DATABASE`, `BACKUP DATABASE ONLINE`, `useradd`.
    public let step: String
    /// The database concerned, if any.
    public let database: String?
    /// DB2's message that decided the outcome, if there was one.
    public let message: DB2Message?
    /// Further detail for humans (output excerpt, time limit, rule broken). Never holds a secret.
    public let detail: String

    public init(_ kind: Kind, step: String, database: String? = nil, message: DB2Message? = nil, detail: String = "") {
        self.kind = kind
        self.step = step
        self.database = database
        self.message = message
        self.detail = detail
    }

    public var description: String {
        var text = step
        if let database { text += " of database \(database)" }
        text += " failed"
        if let message { text += ": \(message)" }
        if !detail.isEmpty { text += message == nil ? ": \(detail)" : " (\(detail))" }
        return text
    }

    /// The kind a DB2 message stands for.
    public static func kind(of message: DB2Message) -> Kind {
        switch message.code {
        case "SQL1116": .backupPending
        case "SQL1117": .rollforwardPending
        case "SQL1013": .databaseNotFound
        case "SQL2413": .notRecoverable
        case "SQL1035": .inUse
        case "SQL1032": .instanceNotStarted
        case "SQL1026": .instanceAlreadyStarted
        case "SQL1005": .alreadyExists
        case "SQL1001": .invalidName
        case "SQL20157": .quiesced
        case "SQL1224": .forced
        case "SQL2419", "SQL0968": .diskFull
        case "SQL2542", "SQL2522": .imageNotFound
        case "SQL2530": .damagedImage
        default: message.identifier.hasPrefix("SQL") ? .sqlError : .commandFailed
        }
    }

    /// An error for a DB2 message, typed by ``kind(of:)``.
    public static func from(_ message: DB2Message, step: String, database: String? = nil) -> DB2Error {
        DB2Error(kind(of: message), step: step, database: database, message: message)
    }

    /// A request refused before any command ran.
    public static func invalid(_ detail: String, step: String) -> DB2Error {
        DB2Error(.invalidRequest, step: step, detail: detail)
    }
}
