import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import DB2
import Logging
import ObjectStorage
import OsloRPC

/// At start, finishes the operations the journal says did not end (the agent was killed, the machine lost power),
/// each by the state its record was in (``BackupState``):
///
/// - a backup still under way (``BackupState/isUnfinished``): the instance is unquiesced first if an offline
///   backup may have left it quiesced (and the log says so); its local images are removed, its partial upload
///   deleted (with the request's credentials, kept in the record) and listed again until it is gone, and the
///   conductor told `FAILED` ("the agent stopped during the backup (step: ...)");
/// - a backup the store had verified (``BackupState/stored``): never deleted; the archived logs it carries and
///   the local images are removed, and the conductor told `COMPLETED` with its checksum and location;
/// - a backup whose final report had not reached the conductor: the report is delivered (with its original
///   `sent`), once; a failed backup's clean-up goes on until the upload is gone;
/// - a restore: reported, not retried — an error in the log naming the step it was in, a forced heartbeat
///   `failed to spawn` (prepare never completed), the local copies removed.
struct OperationRecovery: Sendable {
    let settings: BackupSettings
    let journal: OperationJournal
    let database: any DB2BackupOperations
    let conductor: ConductorClient
    let reports: BackupReportOutbox
    let cleaner: PartialUploadCleaner
    let logger: Logger
    let space: @Sendable (String) -> BackupSpace?

    func run() async {
        let found: (records: [OperationRecord], unreadable: [OperationJournalError])
        do { found = try await journal.records() } catch {
            logger.error("cannot read the operation journal: interrupted operations are not recovered", metadata: ["error": "\(error)"])
            return
        }
        for problem in found.unreadable {
            logger.error("unreadable operation journal record left in place", metadata: ["error": "\(problem)"])
        }
        for record in found.records {
            switch record.kind {
            case .backup: await recoverBackup(record)
            case .restore: await recoverRestore(record)
            }
        }
    }

    private func recoverBackup(_ original: OperationRecord) async {
        var logger = self.logger
        logger[metadataKey: "backup_id"] = "\(original.id)"
        guard let state = original.backupState else { return }
        let entry = JournalEntry(original, journal: journal, logger: logger)
        if original.quiesced {
            logger.warning("an offline backup was interrupted while the instance may have been quiesced: unquiescing it")
            await BackupJob.unquiesce(database, record: entry, logger: logger)
        }
        switch state {
        case .accepted, .checking, .quiescing, .streaming:
            logger.error("a backup was interrupted", metadata: ["backup.state": "\(state.rawValue)", "backup.step": "\(original.step)"])
            let fields: [String: JSONValue] = [
                "state": "FAILED", "size": .double(FilesystemStats.toGB(space(settings.mountPoint)?.usedBytes ?? 0)),
                "note": .string("the agent stopped during the backup (step: \(original.step))"), "success": false,
            ]
            let sent = await reports.reserveSent()
            await entry.enter(.failed) {
                $0.report = fields
                $0.reportSent = sent
            }
            await cleanUpFailed(entry, logger: logger)
        case .failed:
            await cleanUpFailed(entry, logger: logger)
        case .stored:
            logger.warning("finishing a backup that was stored and verified before the agent stopped")
            if settings.strategy == .online, !settings.shipsLogs {
                let images = original.images.compactMap { carried -> (DatabaseName, Date)? in
                    guard let name = try? DatabaseName(carried.database), let completedAt = carried.completedAt else {
                        return nil
                    }
                    return (name, Date(timeIntervalSince1970: completedAt))
                }
                await BackupJob.removeCarriedLogs(of: images, database: database, logger: logger)
            }
            await BackupJob.removeLocalImages(settings.backupDirectory, logger: logger)
            await entry.enter(.cleanedLocally)
        case .cleanedLocally, .storeCleaned:
            break
        }
        await deliver(entry, logger: logger)
    }

    /// Local images removed, the partial upload deleted now and watched until it is gone (in the background).
    private func cleanUpFailed(_ entry: JournalEntry, logger: Logger) async {
        await BackupJob.removeLocalImages(settings.backupDirectory, logger: logger)
        let cleaned = await cleaner.deleteNow(entry)
        await cleaner.keepCleaning(entry, firstPassSucceeded: cleaned)
    }

    /// Delivers the record's final report unless it was; the record goes once nothing else is pending.
    private func deliver(_ entry: JournalEntry, logger: Logger) async {
        let record = await entry.record
        guard !record.reported else {
            if record.backupState == .cleanedLocally || record.backupState == .storeCleaned { await entry.remove() }
            return
        }
        guard let report = record.report else {
            logger.error("a journal record without its report: it cannot be reported", metadata: ["record": "\(record)"])
            await entry.remove()
            return
        }
        if report["state"]?.stringValue == "COMPLETED" {
            logger.notice("reporting a backup whose COMPLETED had not reached the conductor")
        } else {
            logger.warning("reporting a backup whose FAILED had not reached the conductor")
        }
        let sent: Double
        if let recorded = record.reportSent { sent = recorded } else { sent = await reports.reserveSent() }
        await reports.send(
            BackupReportOutbox.Report(
                backupID: record.id, fields: report, context: record.context, sent: sent, mustArrive: true,
                onDelivered: { await entry.markReported() }),
            waitingUpTo: settings.reportDeadline)
    }

    private func recoverRestore(_ record: OperationRecord) async {
        var logger = self.logger
        logger[metadataKey: "backup_id"] = "\(record.id)"
        logger.error(
            "a restore was interrupted: the databases may be half restored; it is not retried, prepare failed",
            metadata: ["restore.step": "\(record.step)", "backup.location": "\(record.location ?? "?")"])
        for path in [settings.backupDirectory, settings.restoreLogDirectory] {
            do { try await BackupDirectories.remove(path) } catch {
                logger.warning("could not remove a restore directory", metadata: ["path": "\(path)", "error": "\(error)"])
            }
        }
        do {
            try await conductor.heartbeat(.failedToSpawn, deadline: Date().addingTimeInterval(settings.reportDeadline.seconds))
        } catch {
            logger.error(
                "the failure of the interrupted restore was not delivered to the conductor; the record is kept for the next start",
                metadata: ["error": "\(error)"])
            return
        }
        do { try await journal.remove(kind: record.kind, id: record.id) } catch {
            logger.warning("operation journal not updated", metadata: ["error": "\(error)"])
        }
    }
}
