import AgentSupport

/// Why a backup or a restore failed, in words for the conductor's `note` and for the log: each case says what
/// was being done, to which database, and what went wrong (never a key or a token).
public enum BackupOperationError: Error, CustomStringConvertible {
    /// A backup is already running on this instance; the new request is refused, the running one goes on.
    case anotherBackupRunning(runningBackupID: String)
    /// `backup_info` lacks something or has the wrong shape.
    case invalidBackupInfo(String)
    /// The store cannot be reached with what the request carries (no token, no Swift in the catalog...).
    case storageUnreachable(String)
    /// Not enough free space where the images land, found before anything was written: Trove's
    /// `InsufficientSpaceForBackup` message, then the exact figures.
    case insufficientSpace(TroveError, freeBytes: Int64, neededBytes: Int64)
    /// A database is not recoverable (archive logging off, BACKUP PENDING) and could not be repaired.
    case notRecoverable(cause: any Error)
    /// One step failed: `step` names it (`BACKUP DATABASE ORDERS`, `upload`, `ROLLFORWARD DATABASE SAMPLE`...).
    case stepFailed(step: String, cause: any Error)
    /// The backup unpacked to no database image: nothing to restore.
    case noImages(directory: String)
    /// The operation was stopped from outside (the agent is shutting down).
    case aborted(reason: String)
    /// The operation could not be recorded in `state_dir`, so it was not started (a crash would go unnoticed).
    case notJournaled(cause: any Error)
    /// A backup's manifest (the first member of its archive) is not one the agent wrote, or contradicts the
    /// object's metadata or its images.
    case invalidManifest(String)
    /// The parent named by `backup_info` cannot be used: missing, or not matching its checksum.
    case parentUnusable(location: String, cause: any Error)
    /// A backup's chain cannot be restored: a link is missing, does not match, or lacks an image it needs.
    case brokenChain(String)
    /// A restore to a point in time cannot be done (refused before anything is restored): the point is before the
    /// end of the backup or after the last shipped log, or a shipped log is missing.
    case pointInTimeRefused(point: String, reason: String)

    public var description: String {
        switch self {
        case .anotherBackupRunning(let running):
            "another backup (\(running)) is already running on this instance; this one was not started"
        case .invalidBackupInfo(let detail): "invalid backup_info: \(detail)"
        case .storageUnreachable(let detail): "cannot reach the backup store: \(detail)"
        case .insufficientSpace(let trove, let free, let needed):
            "\(trove.message) (\(ByteCountFormatting.bytes(free)) free, \(ByteCountFormatting.bytes(needed)) needed "
                + "including the safety margin)"
        case .notRecoverable(let cause): "a database is not recoverable, so it cannot be backed up online: \(cause)"
        case .stepFailed(let step, let cause): "\(step) failed: \(cause)"
        case .noImages(let directory): "the backup holds no DB2 backup image (no *.001 file in \(directory))"
        case .aborted(let reason): reason
        case .notJournaled(let cause): "the backup could not be recorded in the agent's state directory, so it was not started: \(cause)"
        case .invalidManifest(let detail): "the backup's manifest (\(BackupManifest.memberName)) cannot be used: \(detail)"
        case .parentUnusable(let location, let cause): "the parent backup \(location) cannot be used: \(cause)"
        case .brokenChain(let detail): "the backup chain cannot be restored: \(detail)"
        case .pointInTimeRefused(let point, let reason): "the restore to \(point) is refused: \(reason)"
        }
    }
}
