import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import OsloRPC
import Synchronization

/// Runs the agent's backups and restores: at most one backup at a time (a second `create_backup` is refused with
/// `FAILED` while the first goes on unharmed), the restore `prepare` asks for, a clean abort for shutdown, and
/// the clean-up of operations a crash interrupted (``recoverInterruptedOperations()``, at start).
///
/// ```swift
/// let backups = BackupCoordinator(settings: BackupSettings(config), database: manager, conductor: conductor,
///                                 logger: logger, activity: activity)
/// await backups.recoverInterruptedOperations()          // once, at start
/// methods: BackupMethods.methods(coordinator: backups)  // create_backup
/// prepare: try await backups.restore(backupInfo: info, context: request.context)
/// SIGTERM: await backups.abortRunningBackup(reason: "agent stopped")
/// ```
public actor BackupCoordinator {
    public nonisolated let settings: BackupSettings
    private let database: any DB2BackupOperations
    private let conductor: ConductorClient
    private let journal: OperationJournal
    private let storageFactory: StorageFactory
    private let reports: BackupReportOutbox
    private let cleaner: PartialUploadCleaner
    private let accepted: AcceptedBackups
    private let logger: Logger
    private let activity: (any ActivityReporting)?
    private let space: @Sendable (String) -> BackupSpace?

    private struct Running {
        let backupID: String
        let task: Task<BackupOutcome, Never>
        let abortReason: AbortReason
    }

    /// The reason a running backup was aborted, read by the job when its task is cancelled.
    private final class AbortReason: Sendable {
        private let value = Mutex<String?>(nil)
        func set(_ reason: String) { value.withLock { $0 = $0 ?? reason } }
        var reason: String? { value.withLock { $0 } }
    }

    private var running: Running?
    private var restoring: String?
    private let shipper: LogShipper?

    /// - Parameters:
    ///   - activity: shown as the agent's status line while an operation runs.
    ///   - space: the free-space probe (statvfs; tests give their own).
    ///   - shipper: the log shipper, told each request's context (the store's account and a fresh token).
    public init(
        settings: BackupSettings, database: any DB2BackupOperations, conductor: ConductorClient, logger: Logger,
        activity: (any ActivityReporting)? = nil, shipper: LogShipper? = nil,
        space: @escaping @Sendable (String) -> BackupSpace? = { BackupSpace.of(path: $0) }
    ) {
        self.shipper = shipper
        self.settings = settings
        self.database = database
        self.conductor = conductor
        self.logger = logger
        self.activity = activity
        self.space = space
        journal = OperationJournal(directory: settings.journalDirectory)
        accepted = AcceptedBackups(directory: settings.stateDirectory)
        storageFactory = StorageFactory(settings: settings.storage, logger: logger)
        reports = BackupReportOutbox(conductor: conductor, logger: logger, timeout: settings.reportTimeout)
        cleaner = PartialUploadCleaner(
            storageFactory: storageFactory, settleTime: settings.storage.cleanupSettleTime,
            serviceCredentials: settings.storage.serviceCredentials, logger: logger)
    }

    /// Backups whose partial upload is still being deleted in the background.
    public var pendingCleanups: [String] { get async { await cleaner.pending } }

    /// Final reports not yet delivered to a conductor queue.
    public var pendingReports: Int { get async { await reports.pendingCount } }

    /// The id of the backup running now, if any.
    public var runningBackupID: String? { running?.backupID }

    /// `create_backup(backup_info)`: runs the backup to its end (the conductor hears `BUILDING`, then `COMPLETED`
    /// or `FAILED`) and returns how it ended; `nil` when this backup was taken on before (a redelivered request:
    /// ignored).
    ///
    /// - Throws: ``BackupOperationError/invalidBackupInfo(_:)`` when `backup_info` has no id (nothing can be
    ///   reported without one).
    @discardableResult
    public func createBackup(backupInfo: [String: JSONValue], context: RequestContext) async throws
        -> BackupOutcome?
    {
        let request = try BackupRequest(backupInfo: backupInfo, context: context)
        await cleaner.offer(context)
        await shipper?.use(context)
        if let running, running.backupID == request.backupID {
            logger.warning("create_backup for the backup already running: ignored", metadata: ["backup_id": "\(request.backupID)"])
            return nil
        }
        if let busy = running?.backupID ?? restoring {
            return await refuse(request, because: .anotherBackupRunning(runningBackupID: busy))
        }
        do {
            guard try await accepted.accept(request.backupID) else {
                logger.warning(
                    "create_backup for a backup this agent has already taken on (the broker delivered the request again): ignored",
                    metadata: ["backup_id": "\(request.backupID)"])
                return nil
            }
        } catch {
            return await refuse(request, because: .notJournaled(cause: error))
        }
        let job = BackupJob(
            request: request, settings: settings, database: database, storageFactory: storageFactory, journal: journal,
            reports: reports, cleaner: cleaner, logger: logger, activity: activity, space: space)
        let abortReason = AbortReason()
        let task = Task { await job.run(abortReason: { abortReason.reason }) }
        running = Running(backupID: request.backupID, task: task, abortReason: abortReason)
        let outcome = await task.value
        running = nil
        if case .completed(let location, _, _) = outcome, settings.strategy == .online { await shipper?.backupStored(location: location) }
        activity?.set("idle")
        return outcome
    }

    /// Stops the running backup cleanly, for shutdown: the DB2 backup is killed, the partial upload deleted, the
    /// local images removed, and the conductor told `FAILED` with `reason` as the note (the journal records it
    /// until then). Returns once all that is done; `false` when no backup was running.
    @discardableResult
    public func abortRunningBackup(reason: String = "agent stopped") async -> Bool {
        guard let running else { return false }
        logger.warning("aborting the running backup", metadata: ["backup_id": "\(running.backupID)", "reason": "\(reason)"])
        running.abortReason.set(reason)
        running.task.cancel()
        _ = await running.task.value
        return true
    }

    /// The restore of `prepare(backup_info=...)`: downloads, verifies and unpacks the backup, restores (and for an
    /// online backup rolls forward) every database it holds, and sets archive logging up again.
    ///
    /// - Throws: ``TroveError/unknownBackupType(type:namespace:)`` for a type this agent does not restore;
    ///   ``BackupOperationError`` naming the step and database that failed. The caller ends prepare with
    ///   `failed to spawn`.
    public func restore(backupInfo: [String: JSONValue], context: RequestContext) async throws {
        let request = try RestoreRequest(backupInfo: backupInfo, context: context)
        await cleaner.offer(context)
        await shipper?.use(context)
        if let busy = running?.backupID ?? restoring {
            throw BackupOperationError.anotherBackupRunning(runningBackupID: busy)
        }
        restoring = request.backupID
        defer {
            restoring = nil
            activity?.set("idle")
        }
        try await RestoreJob(
            request: request, settings: settings, database: database, storageFactory: storageFactory,
            journal: journal, logger: logger, activity: activity, space: space
        ).run()
    }

    /// At start: finishes what a crash interrupted, by the state its journal record was in (``BackupState``): an
    /// interrupted backup is reported `FAILED` (the instance unquiesced first when an offline backup held it), its
    /// partial upload deleted until it is gone and its local images removed; a stored backup is reported
    /// `COMPLETED` (its carried logs removed first), never deleted; a report not yet delivered is delivered; an
    /// interrupted restore is reported (heartbeat `failed to spawn`, an error in the log naming its step), its local
    /// copies removed, and never retried. Returns once each record's first pass is done; what remains (a late
    /// listing, a report the conductor is not consuming yet) goes on in the background.
    public func recoverInterruptedOperations() async {
        await OperationRecovery(
            settings: settings, journal: journal, database: database, conductor: conductor, reports: reports,
            cleaner: cleaner, logger: logger, space: space
        ).run()
    }

    /// Stops the background deliveries and clean-ups (at shutdown); the journal keeps what is left.
    public func stopBackgroundWork() async {
        await reports.stop()
        await cleaner.stop()
    }

    /// Reports a refused request `FAILED`, touching nothing of the operation running.
    private func refuse(_ request: BackupRequest, because error: BackupOperationError) async -> BackupOutcome {
        let note = "\(error)"
        logger.error("backup refused", metadata: ["backup_id": "\(request.backupID)", "error": "\(note)"])
        let volumeSize = FilesystemStats.toGB(space(settings.mountPoint)?.usedBytes ?? 0)
        await reports.send(
            BackupReportOutbox.Report(
                backupID: request.backupID,
                fields: ["state": "FAILED", "size": .double(volumeSize), "note": .string(note), "success": false],
                context: request.context, sent: await reports.reserveSent(), mustArrive: true, onDelivered: {}),
            waitingUpTo: settings.reportDeadline)
        return .failed(note: note)
    }
}
