import AgentSupport
import BackupStream
import DB2
import FoundationEssentials
import Logging
import ObjectStorage
import OsloRPC

/// How a backup ends, in an order a crash cannot turn into a loss: the verified result is journaled
/// (``BackupState/stored``) before anything irreversible happens; the archived logs the backup carries are deleted
/// only then; the conductor's report is delivered, not just published; and a failed backup's partial upload is
/// deleted until it is gone.
extension BackupJob {
    /// The store verified the backup: journal it as `stored` with its `COMPLETED` report, then remove the archived
    /// logs it carries and the local images, then deliver the report.
    func completed(
        _ stored: StoredBackup, images: [BackupImage], index: [ChainImage], record: JournalEntry, logger: Logger
    ) async -> BackupOutcome {
        let fields: [String: JSONValue] = [
            "state": "COMPLETED", "size": .double(FilesystemStats.toGB(stored.size)),
            "checksum": .string(stored.checksum), "location": .string(stored.location),
            "backup_type": .string(backupType(images: index)),
            "note": .string(settings.storage.strategy == .swift
                ? "Successfully saved data to Swift!" : "Successfully saved data to local storage!"),
            "success": true,
        ]
        logger.notice(
            "backup completed",
            metadata: [
                "backup.location": "\(stored.location)", "backup.checksum": "\(stored.checksum)",
                "backup.bytes": "\(stored.size)", "backup.segments": "\(stored.segments.count)",
                "backup.images": "\(index.map(\.description).joined(separator: "; "))",
            ])
        let sent = await reports.reserveSent()
        let carried = images.map {
            OperationRecord.CarriedImage(
                database: $0.database.value, timestamp: $0.timestamp,
                completedAt: $0.completedAt?.timeIntervalSince1970)
        }
        let journaled = await record.enter(.stored, step: "removing what the stored backup carries") {
            $0.report = fields
            $0.reportSent = sent
            $0.images = carried
        }
        if strategy == .online, !settings.shipsLogs {
            if journaled {
                await Self.removeCarriedLogs(
                    of: images.compactMap { image in image.completedAt.map { (image.database, $0) } },
                    database: database, logger: logger)
            } else {
                logger.warning(
                    "the stored backup could not be journaled: the archived logs it carries are kept on disk")
            }
        }
        await Self.removeLocalImages(directory, logger: logger)
        await record.enter(.cleanedLocally, step: "reporting COMPLETED")
        await deliver(fields, sent: sent, record: record)
        return .completed(location: stored.location, checksum: stored.checksum, bytes: stored.size)
    }

    /// The backup failed (or was aborted): journal `failed` with its report, open the instance again if an
    /// offline backup may have left it quiesced, remove the local images, delete the partial upload (and keep
    /// deleting it in the background until it is gone), then deliver `FAILED`, once.
    func failed(
        _ error: any Error, storage: (any BackupStorage)?, volumeSize: Double, record: JournalEntry,
        abortedBecause abort: String?, logger: Logger
    ) async -> BackupOutcome {
        // A cancelled backup fails however its steps noticed (a killed db2, an aborted transfer): say why.
        let cause: any Error =
            if let abort { BackupOperationError.aborted(reason: abort) }
            else if error is CancellationError { BackupOperationError.aborted(reason: "the backup was cancelled") }
            else { Self.withoutCleanUpDetail(error) }
        let note = "\(cause)"
        let failedStep = await record.step
        logger.error("backup failed", metadata: ["backup.step": "\(failedStep)", "error": "\(note)"])
        let fields: [String: JSONValue] = [
            "state": "FAILED", "size": .double(volumeSize), "note": .string(note), "success": false,
        ]
        let sent = await reports.reserveSent()
        await record.enter(.failed) {
            $0.report = fields
            $0.reportSent = sent
        }
        if await record.record.quiesced {
            await Self.unquiesce(database, record: record, logger: logger)
        }
        await Self.removeLocalImages(directory, logger: logger)
        let cleaned = storage == nil ? true : await cleaner.deleteNow(record)
        await cleaner.keepCleaning(record, firstPassSucceeded: cleaned)
        await deliver(fields, sent: sent, record: record)
        return .failed(note: note)
    }

    /// Hands the final report to the outbox and waits a while for it to be delivered (it is delivered in the
    /// background if that takes longer: the record stays until it is).
    private func deliver(_ fields: [String: JSONValue], sent: Double, record: JournalEntry) async {
        await reports.send(report(fields, sent: sent, mustArrive: true) { await record.markReported() },
                           waitingUpTo: settings.reportDeadline)
    }

    /// An `update_backup` of this backup, in its request's context.
    func report(
        _ fields: [String: JSONValue], sent: Double, mustArrive: Bool,
        onDelivered: @escaping @Sendable () async -> Void = {}
    ) -> BackupReportOutbox.Report {
        BackupReportOutbox.Report(
            backupID: backupID, fields: fields, context: request.context, sent: sent, mustArrive: mustArrive,
            onDelivered: onDelivered)
    }

    /// The failure a note should name: an upload's own failure, not the clean-up detail the store added (the
    /// agent deletes what is left itself, and says so in its log).
    static func withoutCleanUpDetail(_ error: any Error) -> any Error {
        switch error {
        case ObjectStorageError.uploadAbandoned(_, let cause, _): cause
        case BackupOperationError.stepFailed(let step, ObjectStorageError.uploadAbandoned(_, let cause, _)):
            BackupOperationError.stepFailed(step: step, cause: cause)
        default: error
        }
    }

    /// `UNQUIESCE INSTANCE` outside any cancellation (an abort must still open the instance), recorded in the
    /// journal when it worked.
    static func unquiesce(_ database: any DB2BackupOperations, record: JournalEntry, logger: Logger) async {
        let outcome: (any Error)? = await Task {
            do {
                try await database.unquiesceInstance()
                return nil
            } catch { return error }
        }.value
        if let outcome {
            logger.critical(
                "the instance may still be quiesced after the offline backup (applications are refused): run UNQUIESCE INSTANCE; the agent tries again at its next start",
                metadata: ["error": "\(outcome)"])
        } else {
            logger.notice("instance unquiesced after the offline backup ended early")
            await record.update { $0.quiesced = false }
        }
    }

    static func removeLocalImages(_ directory: String, logger: Logger) async {
        do { try await BackupDirectories.remove(directory) } catch {
            logger.warning("could not remove the local backup images", metadata: ["error": "\(error)"])
        }
    }

    /// Trove meant to delete the archived logs a backup carries (its wildcard never matched anything): do it, once
    /// the backup that carries them is stored, verified and journaled. Best effort: the backup is stored whatever
    /// happens here.
    static func removeCarriedLogs(
        of images: [(database: DatabaseName, completedAt: Date)], database: any DB2BackupOperations, logger: Logger
    ) async {
        for (name, completedAt) in images {
            do {
                let removed = try await database.removeArchivedLogs(of: name, archivedBefore: completedAt)
                if !removed.isEmpty {
                    logger.info(
                        "archived logs carried by the backup removed",
                        metadata: ["database": "\(name)", "files": "\(removed.count)"])
                }
            } catch {
                logger.warning(
                    "could not remove the archived logs the backup carries",
                    metadata: ["database": "\(name)", "error": "\(error)"])
            }
        }
    }
}
