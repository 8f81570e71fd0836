import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import ObjectStorage
import OsloRPC

/// At start, finishes the operations the journal says did not end cleanly (the agent was killed, the machine
/// lost power):
///
/// - a backup that was running: its local images are removed, its partial upload deleted from the store (with
///   the request's credentials, kept in the record), and the conductor told `FAILED` ("the agent stopped during
///   ...");
/// - a backup that had ended but whose final `update_backup` was not confirmed: reported again (after deleting
///   its upload if it had failed);
/// - a restore: reported, not retried — an error in the log naming the step it was in, a forced heartbeat
///   `failed to spawn` (prepare never completed), the local copies removed.
///
/// A record whose clean-up or report fails stays for the next start, up to ``maximumAttempts`` starts; then it
/// is dropped with an error naming what is left for an operator.
struct OperationRecovery: Sendable {
    let settings: BackupSettings
    let journal: OperationJournal
    let storageFactory: StorageFactory
    let conductor: ConductorClient
    let logger: Logger
    let space: @Sendable (String) -> BackupSpace?

    /// Starts that may try to finish one record.
    static let maximumAttempts = 3

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
        var record = original
        var logger = self.logger
        logger[metadataKey: "backup_id"] = "\(record.id)"
        var fields: [String: JSONValue]
        if record.phase == .reporting, let report = record.report {
            fields = report
            logger.warning("reporting a backup whose end was not confirmed to the conductor", metadata: ["backup.state": "\(report["state"]?.stringValue ?? "?")"])
        } else {
            let note = "the agent stopped during the backup (step: \(record.step)); the partial backup was removed"
            logger.error("a backup was interrupted", metadata: ["backup.step": "\(record.step)"])
            fields = [
                "state": "FAILED", "size": .double(FilesystemStats.toGB(space(settings.mountPoint)?.usedBytes ?? 0)),
                "note": .string(note), "success": false,
            ]
            record.phase = .reporting
            record.report = fields
        }
        var cleaned = true
        if fields["state"]?.stringValue != "COMPLETED" {
            do { try await BackupDirectories.remove(settings.backupDirectory) } catch {
                logger.warning("could not remove the local backup images", metadata: ["error": "\(error)"])
            }
            if let objectName = record.objectName {
                do {
                    let storage = try storageFactory.storage(for: record.context)
                    cleaned = await BackupJob.deletePartialUpload(objectName, storage: storage, logger: logger)
                } catch {
                    logger.error("cannot reach the store to delete the partial upload", metadata: ["error": "\(error)"])
                    cleaned = false
                }
            }
        }
        var reported = false
        do {
            try await conductor.updateBackup(
                backupID: record.id, fields: fields, context: record.context,
                deadline: Date().addingTimeInterval(settings.reportDeadline.seconds))
            reported = true
        } catch {
            logger.error("update_backup not delivered to the conductor", metadata: ["error": "\(error)"])
        }
        await settle(record, done: cleaned && reported, logger: logger) {
            cleaned ? "" : " (partial upload \(record.objectName ?? "?") may remain in the store: delete its segments)"
        }
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
        var reported = false
        do {
            try await conductor.heartbeat(.failedToSpawn, deadline: Date().addingTimeInterval(settings.reportDeadline.seconds))
            reported = true
        } catch {
            logger.error("the failure of the interrupted restore was not delivered to the conductor", metadata: ["error": "\(error)"])
        }
        await settle(record, done: reported, logger: logger) { "" }
    }

    /// Removes a finished record, or keeps it for the next start (counting the attempt), or gives up on it.
    private func settle(
        _ record: OperationRecord, done: Bool, logger: Logger, leftover: () -> String
    ) async {
        var record = record
        if !done {
            record.recoveryAttempts += 1
            if record.recoveryAttempts < Self.maximumAttempts {
                do { try await journal.write(record) } catch {
                    logger.warning("operation journal not updated", metadata: ["error": "\(error)"])
                }
                return
            }
            logger.error("giving up on finishing an interrupted operation after \(record.recoveryAttempts) starts\(leftover())")
        }
        do { try await journal.remove(kind: record.kind, id: record.id) } catch {
            logger.warning("operation journal not updated", metadata: ["error": "\(error)"])
        }
    }
}
