import DB2
import FoundationEssentials

/// What the backup and restore jobs need from DB2, in DB2's own words: ``DB2Manager`` is it (tests give a fake).
///
/// Every operation may take long (a backup of a large database, a rollforward); each must honour task
/// cancellation by stopping the DB2 tool it runs (its process group), so that an aborted backup leaves nothing
/// running. Errors name the database and DB2's message (`SQLnnnnN ...`): they become the note the conductor records
/// and the log line an operator reads.
public protocol DB2BackupOperations: Sendable {
    /// The databases of the instance, in a stable order.
    func databases() async throws -> [DatabaseName]

    /// What a backup of `database` will need on disk (`GET_DBSIZE_INFO` and the log it will carry).
    func estimateBackupSize(of database: DatabaseName) async throws -> BackupSizeEstimate

    /// Makes every database recoverable (archive logging on, no BACKUP PENDING), repairing what it can.
    func ensureRecoverable() async throws -> RecoverabilityReport

    /// Turns `TRACKMOD` on when it is off; false when it was off (the next backup must then be full).
    func ensureChangeTracking(of database: DatabaseName) async throws -> Bool

    /// The successful backups of `database` Db2's recovery history records, oldest first: what Db2 bases an
    /// incremental or delta on.
    func backupHistory(of database: DatabaseName) async throws -> [BackupHistoryEntry]

    /// `BACKUP DATABASE <database> ONLINE [INCREMENTAL [DELTA]] TO <directory> INCLUDE LOGS`: applications stay
    /// connected. The image's `completedAt` is when DB2 finished; its `kind` what was taken (full when Db2 refused
    /// the incremental, with `fullBecause` saying why).
    func onlineBackup(of database: DatabaseName, to directory: String, kind: BackupImageKind) async throws -> BackupImage

    /// Offline backup of `databases`, each of the kind asked for in `kinds` (full when absent): quiesce the
    /// instance, back up each database to `directory`, unquiesce (also when a backup fails, and outside the
    /// caller's cancellation).
    func offlineBackup(
        of databases: [DatabaseName], to directory: String, kinds: [DatabaseName: BackupImageKind]
    ) async throws -> [BackupImage]

    /// `UNQUIESCE INSTANCE`, outside any backup: after a crash or an abort that may have left an offline backup's
    /// quiesce in place. Harmless when the instance is not quiesced.
    func unquiesceInstance() async throws

    /// Where the database's log stands (after an online backup: the chain and the first log file its image does
    /// not hold); nil when it cannot be told.
    func logPosition(of database: DatabaseName) async -> LogPosition?

    /// `db2ckbkp`: reads the whole image and checks it.
    func verifyImage(_ image: BackupImage) async throws

    /// Removes the archived log files of `database` archived before `cutoff` (the end of an online backup that
    /// carries them); returns the files removed.
    func removeArchivedLogs(of database: DatabaseName, archivedBefore cutoff: Date) async throws -> [String]

    /// The backup images in `directory`.
    func listImages(in directory: String) async throws -> [BackupImage]

    /// Restores an online image and rolls forward to `target` with the logs extracted into `logDirectory` (which
    /// exists and holds no file of the image's, only shipped logs past it when the target is later than the end
    /// of the backup).
    func restoreOnline(_ image: BackupImage, logDirectory: String, until target: RollforwardTarget) async throws

    /// Restores an offline image (no rollforward: the database is usable at once).
    func restoreOffline(_ image: BackupImage) async throws

    /// Db2's manual incremental restore: `target` first, then `chain` (the full image first, then each
    /// incremental or delta in order), then `target` again; an online target is rolled forward to the end of the
    /// backup with the logs extracted into `logDirectory`. A failed step ends with `RESTORE ... INCREMENTAL ABORT`.
    func restoreIncremental(
        _ target: BackupImage, chain: [BackupImage], online: Bool, logDirectory: String, until point: RollforwardTarget
    ) async throws
}

extension DB2Manager: DB2BackupOperations {}
