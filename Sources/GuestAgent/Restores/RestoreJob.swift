import AgentSupport
import BackupStream
import DB2
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import ObjectStorage
import OsloRPC

/// The restore `prepare(backup_info=...)` runs: download the backup with the request's credentials (its checksum
/// checked first, several segments at once, each verified before it is unpacked), unpack it into an empty backup
/// directory, then per image `RESTORE ... LOGTARGET <empty dir> REPLACE EXISTING WITHOUT PROMPTING` and, for an online image,
/// `ROLLFORWARD ... TO END OF BACKUP AND COMPLETE OVERFLOW LOG PATH (<that dir>)`; archive logging is set up again
/// for this instance afterwards, and the local copies are removed.
///
/// Any failure throws, naming the step and database (prepare then ends with `failed to spawn`); the journal
/// record lets the next start report a restore a crash interrupted, instead of retrying it on a half-restored
/// database.
struct RestoreJob: Sendable {
    let request: RestoreRequest
    let settings: BackupSettings
    let database: any DB2BackupOperations
    let storageFactory: StorageFactory
    let journal: OperationJournal
    let logger: Logger
    let activity: (any ActivityReporting)?
    let space: @Sendable (String) -> BackupSpace?
    /// The store to restore from when it is not reached with the request's context (the operator's `restore`
    /// command reaches it with its own token).
    var storage: (any BackupStorage)? = nil

    /// Runs the restore.
    ///
    /// - Throws: ``BackupOperationError`` naming the failed step (and database).
    func run() async throws {
        var logger = self.logger
        logger[metadataKey: "backup_id"] = "\(request.backupID)"
        let progress = OperationProgress(
            operation: "restore of backup \(request.backupID.prefix(8))", logger: logger, activity: activity,
            interval: settings.progressInterval)
        let ticker = Task { await progress.run() }
        defer { ticker.cancel() }
        let record = JournalEntry(
            OperationRecord(
                kind: .restore, id: request.backupID, state: OperationRecord.restoring, step: "download",
                location: request.location, context: request.context),
            journal: journal, logger: logger)
        logger.info(
            "restore requested",
            metadata: ["backup.type": "\(request.typeName)", "backup.location": "\(request.location)"])
        do {
            try await record.save()
            try await perform(record: record, progress: progress, logger: logger)
        } catch {
            let failedStep = await record.step
            logger.error("restore failed", metadata: ["restore.step": "\(failedStep)", "error": "\(error)"])
            await removeLocalCopies(logger: logger)
            await record.remove()
            throw error
        }
        await removeLocalCopies(logger: logger)
        await record.remove()
        logger.notice("restore completed", metadata: ["backup.type": "\(request.typeName)"])
    }

    private func perform(record: JournalEntry, progress: OperationProgress, logger: Logger) async throws {
        let storage = try self.storage ?? storageFactory.storage(for: request.context)
        let directory = settings.backupDirectory
        try await step("preparing \(directory)") {
            try await BackupDirectories.makeEmpty(directory, ownedLike: settings.mountPoint)
        }
        if let spool = settings.storage.configuration.spoolDirectory {
            // Each segment is spooled there until its MD5 is checked (``StorageConfiguration/spoolDirectory``).
            try await step("preparing the download spool \(spool)") {
                try await BlockingThreadPool.shared.run { _ = try DirectoryHandle.open(spool, creatingMissing: 0o700) }
            }
        }
        // The backup's own metadata says whether it builds on others (Trove's `parent-location`, with the agent's
        // index of what each image builds on): never its type.
        var chain = try await step("reading the backup's size, checksum and metadata") {
            try await BackupChain(storage: storage, location: request.location, checksum: request.checksum)
        }
        var point = request.until
        if let marker = PointInTimeMarker(metadata: chain.links[0].info.metadata) {
            logger.info(
                "the backup is a point-in-time marker",
                metadata: ["base": "\(marker.baseLocation)", "until": "\(marker.target)"])
            point = point ?? marker.target
            chain = try await step("reading the marker's base backup \(marker.baseLocation)") {
                try await BackupChain(storage: storage, location: marker.baseLocation, checksum: marker.baseChecksum)
            }
        }
        // A point past the backup is checked against the shipped logs before anything is restored.
        var shipped: ShippedLogs?
        if let point {
            guard let store = storage as? any WholeObjectStore else {
                throw BackupOperationError.storageUnreachable("the store cannot hold shipped logs")
            }
            let base = chain.links[0]
            let plan = try await step("choosing the shipped logs to reach \(point)") {
                try await ShippedLogPlan.plan(index: base.index, location: base.location, point: point, store: store)
            }
            shipped = ShippedLogs(plan: plan, store: store)
        }
        if let index = chain.links[0].index, index.kind != .full {
            try await restoreChain(
                chain, storage: storage, shipped: shipped, record: record, progress: progress, logger: logger)
            return
        }
        if chain.links[0].parent != nil {
            logger.info("the backup names a parent but holds only full images: it is restored on its own")
        }
        let online = chain.links[0].index?.online ?? ((request.type ?? settings.strategy) == .online)
        try await download(
            chain.links[0].location, checksum: chain.links[0].checksum, size: chain.links[0].info.size,
            into: directory, storage: storage, record: record, progress: progress)
        let images = try await step("listing the images in \(directory)") { try await database.listImages(in: directory) }
        guard !images.isEmpty else {
            throw BackupOperationError.noImages(directory: directory)
        }
        try await step("preparing \(settings.restoreLogDirectory)") {
            try await BackupDirectories.makeEmpty(settings.restoreLogDirectory, ownedLike: settings.mountPoint)
        }
        for (index, image) in images.enumerated() {
            if online {
                let label = "RESTORE and ROLLFORWARD DATABASE \(image.database)"
                await record.update(step: label)
                progress.begin("database", label: "\(label) (\(index + 1)/\(images.count))")
                let logTarget = try await logTarget(for: image.database, shipped: shipped)
                try await step(label) {
                    try await database.restoreOnline(
                        image, logDirectory: logTarget, until: shipped?.plan.point.rollforward ?? .endOfBackup)
                }
            } else {
                let label = "RESTORE DATABASE \(image.database)"
                await record.update(step: label)
                progress.begin("database", label: "\(label) (\(index + 1)/\(images.count))")
                try await step(label) { try await database.restoreOffline(image) }
            }
            logger.info("database restored", metadata: ["database": "\(image.database)", "image": "\(image.timestamp)"])
        }
        progress.end("database")
        try await afterRestore(online: online, record: record, logger: logger)
    }

    /// The shipped logs a restore to a point rolls forward through, and the store they come from.
    struct ShippedLogs: Sendable {
        let plan: ShippedLogPlan
        let store: any WholeObjectStore
    }

    /// A directory for the logs an online image of `database` carries: empty, or holding only the shipped logs
    /// past the image when the restore goes to a later point.
    func logTarget(for database: DatabaseName, shipped: ShippedLogs?) async throws -> String {
        let logTarget = settings.restoreLogDirectory + "/" + database.value
        try await step("preparing \(logTarget)") {
            try await BackupDirectories.makeEmpty(logTarget, ownedLike: settings.mountPoint)
        }
        if let shipped {
            try await fetchShippedLogs(shipped.plan, of: database, into: logTarget, store: shipped.store)
        }
        return logTarget
    }

    /// Archive logging set up again for this instance.
    func afterRestore(online: Bool, record: JournalEntry, logger: Logger) async throws {
        guard settings.strategy == .online || online else { return }
        await record.update(step: "archive logging")
        let repairs = try await step("setting up archive logging after the restore") {
            try await database.ensureRecoverable()
        }
        for repair in repairs.repaired { logger.info("after the restore: \(repair)") }
    }

    /// Downloads the backup at `location` (its checksum checked first, several segments at once, each verified
    /// before it is unpacked) and unpacks it into `directory`, which is empty.
    func download(
        _ location: String, checksum: String?, size: Int64, into directory: String, storage: any BackupStorage,
        record: JournalEntry, progress: OperationProgress
    ) async throws {
        await record.update(step: "download and unpack of \(location)")
        progress.begin("download", label: "download and unpack", totalBytes: size)
        try await BackupDownload(storage: storage, options: settings.unpack, space: space, logger: logger).run(
            location, checksum: checksum, into: directory) { progress.update("download", doneBytes: $0) }
        progress.end("download")
    }

    func step<T: Sendable>(_ name: String, _ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch { throw BackupJob.rootCause(error, step: name) }
    }

    private func removeLocalCopies(logger: Logger) async {
        for path in [settings.backupDirectory, settings.restoreLogDirectory] {
            do { try await BackupDirectories.remove(path) } catch {
                logger.warning("could not remove a restore directory", metadata: ["path": "\(path)", "error": "\(error)"])
            }
        }
    }
}
