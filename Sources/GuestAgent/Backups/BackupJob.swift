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
import Synchronization

/// One `create_backup`, from `BUILDING` to `COMPLETED` or `FAILED`, with the configured strategy.
///
/// Online (`DB2OnlineBackup`): every database recoverable (repaired when possible), a space check before anything
/// is written, then `BACKUP DATABASE ... ONLINE ... INCLUDE LOGS` one database after another, each image streamed
/// at once through pack (tar → gzip → AES) into the store while `db2ckbkp` checks it (when configured) and the
/// next database is backed up, as far as the disk allows; each image is deleted as soon as it is in the stream and
/// checked. The stream (and so the stored object) is only ended once every image passed its check: a failed check
/// fails the upload, and nothing unchecked is ever reported `COMPLETED`.
/// Offline (`DB2OfflineBackup`): quiesce, back up every database, unquiesce, then the same stream.
///
/// The conductor hears `BUILDING` first and `COMPLETED` only once the store has confirmed every segment and the
/// final object's checksum; anything else ends `FAILED` with a note saying what went wrong, the partial upload
/// deleted and the local images removed. The job is a state machine (``BackupState``) journaled before each
/// state's work starts, so that a crash at any point is finished correctly at the next start; how it ends is in
/// `BackupJob+Ending.swift`.
struct BackupJob: Sendable {
    let request: BackupRequest
    let settings: BackupSettings
    let database: any DB2BackupOperations
    let storageFactory: StorageFactory
    let journal: OperationJournal
    let reports: BackupReportOutbox
    let cleaner: PartialUploadCleaner
    let logger: Logger
    let activity: (any ActivityReporting)?
    let space: @Sendable (String) -> BackupSpace?

    var backupID: String { request.backupID }
    var strategy: BackupStrategy { settings.strategy }
    var directory: String { settings.backupDirectory }

    /// Runs the backup to its end and reports it; never throws. When the task is cancelled, the backup stops (the
    /// DB2 tool is killed, the partial upload deleted) and is reported `FAILED` with `abortReason()`.
    func run(abortReason: @escaping @Sendable () -> String?) async -> BackupOutcome {
        var logger = self.logger
        logger[metadataKey: "backup_id"] = "\(backupID)"
        let objectName = settings.objectName(backupID: backupID)
        let volumeSize = FilesystemStats.toGB(space(settings.mountPoint)?.usedBytes ?? 0)
        let progress = OperationProgress(
            operation: "\(strategy == .online ? "online" : "offline") backup \(backupID.prefix(8))", logger: logger,
            activity: activity, interval: settings.progressInterval)
        let ticker = Task { await progress.run() }
        defer { ticker.cancel() }
        let record = JournalEntry(
            OperationRecord(
                kind: .backup, id: backupID, state: BackupState.accepted.rawValue, step: "starting",
                objectName: objectName, context: request.context),
            journal: journal, logger: logger)

        logger.info(
            "backup requested",
            metadata: ["backup.strategy": "\(strategy.rawValue)", "backup.object": "\(objectName)"])
        var storage: (any BackupStorage)?
        let result: Result<(StoredBackup, [BackupImage], [ChainImage]), any Error>
        do {
            try await record.save()
            await reports.send(
                report(["state": "BUILDING", "size": .double(volumeSize)], sent: await reports.reserveSent(),
                       mustArrive: false),
                waitingUpTo: .zero)
            let store = try storageFactory.storage(for: request.context)
            storage = store
            result = .success(
                try await perform(storage: store, objectName: objectName, record: record, progress: progress, logger: logger))
        } catch {
            result = .failure(error)
        }
        // Cleaning up and reporting must happen even when the backup was cancelled: outside its cancellation.
        let finished = storage
        let abort = Task.isCancelled ? abortReason() ?? "the backup was cancelled" : nil
        return await Task {
            switch result {
            case .success(let (stored, images, index)):
                await completed(stored, images: images, index: index, record: record, logger: logger)
            case .failure(let error):
                await failed(
                    error, storage: finished, volumeSize: volumeSize, record: record, abortedBecause: abort,
                    logger: logger)
            }
        }.value
    }

    // MARK: - The backup itself

    /// A part of the concurrent backup: the images made, the stream packed, the object stored.
    private enum Part: Sendable {
        case produced([BackupImage])
        case packed(PackSummary)
        case stored(StoredBackup)
    }

    private func perform(
        storage: any BackupStorage, objectName: String, record: JournalEntry, progress: OperationProgress,
        logger: Logger
    ) async throws -> (StoredBackup, [BackupImage], [ChainImage]) {
        await record.enter(.checking, step: "listing the databases")
        let databases = try await step("listing the databases") { try await database.databases() }
        if databases.isEmpty { logger.warning("the instance has no database: the backup holds an empty directory") }
        if strategy == .online {
            await record.update(step: "recoverability check")
            let repairs: [String]
            do { repairs = try await database.ensureRecoverable().repaired.map(\.description) } catch {
                throw error is CancellationError ? error : BackupOperationError.notRecoverable(cause: error)
            }
            for repair in repairs { logger.notice("recoverability repaired before the backup: \(repair)") }
        }
        // After the recoverability check: its backup to /dev/null (clearing BACKUP PENDING) is one Db2 bases a
        // delta on.
        await record.update(step: "choosing the images (full, incremental, delta)")
        let plan = try await planChain(databases, storage: storage, logger: logger)
        var estimates: [Int64] = []
        for name in databases {
            let estimate = try await step("estimating the size of \(name)") {
                try await database.estimateBackupSize(of: name)
            }
            estimates.append(strategy == .online ? estimate.totalBytes : estimate.databaseBytes)
        }
        guard let available = space(directory)?.availableBytes else {
            throw BackupOperationError.stepFailed(
                step: "checking the free space", cause: PathFailure("measure the free space of", directory, code: errno))
        }
        let needed = try BackupSpace.check(
            estimates: estimates, strategy: strategy, availableBytes: available, margin: settings.spaceMargin)
        logger.info(
            "space checked",
            metadata: [
                "backup.databases": "\(databases.map(\.value).joined(separator: ","))", "backup.estimate_bytes": "\(estimates.reduce(0, +))",
                "backup.needed_bytes": "\(needed)", "backup.available_bytes": "\(available)",
            ])
        try await step("preparing \(directory)") {
            try await BackupDirectories.makeEmpty(directory, ownedLike: settings.mountPoint)
        }
        if settings.storage.strategy == .swift, let spool = settings.storage.configuration.spoolDirectory {
            try await step("preparing the upload spool \(spool)") {
                try await BlockingThreadPool.shared.run {
                    _ = try DirectoryHandle.open(spool, creatingMissing: 0o700)
                }
            }
        }

        let estimated = estimates
        let pipe = BoundedChunkPipe(capacity: 32)
        let handOff = BackupImageHandOff(directory: directory) { path, code in
            logger.warning("could not delete an archived image", metadata: ["path": "\(path)", "errno": "\(code)"])
        }
        let files = ArrivingFiles { handOff.archived($0) }
        // The manifest is the archive's first member.
        try await step("writing the backup's manifest") {
            try await BlockingThreadPool.shared.run {
                try DirectoryHandle.open(directory).writeNewFile(
                    BackupManifest.memberName, contents: plan.manifest.json, mode: 0o640, uid: nil, gid: nil)
            }
        }
        handOff.add(BackupManifest.memberName, checking: false)
        files.add(BackupManifest.memberName)
        let taken = TakenImages()
        let metadata = storedMetadata(plan: plan, taken: taken, logger: logger)
        let parts = StreamParts<Part>()
        let packer = BackupPacker(options: settings.pack, logger: logger)
        let packing: StreamParts<Part>.Part = {
            .packed(
                try await packer.pack(
                    directory: URL(fileURLWithPath: directory), arriving: files, into: pipe,
                    progress: { progress.update("upload", doneBytes: $0.archiveBytes) }))
        }
        let saving: StreamParts<Part>.Part = {
            .stored(
                try await storage.save(objectName: objectName, from: pipe, metadata: metadata) { event in
                    if case .retrying(let object, let attempt, let delay, let reason) = event {
                        logger.warning(
                            "store request failed; retrying",
                            metadata: [
                                "object": "\(object)", "attempt": "\(attempt)", "delay": "\(delay)",
                                "reason": "\(reason)",
                            ])
                    }
                })
        }
        let producing: StreamParts<Part>.Part = {
            let images = try await produceImages(
                databases, plan: plan, taken: taken, estimates: estimated, handOff: handOff, files: files,
                record: record, progress: progress, logger: logger)
            files.finish()
            await record.update(step: "storing the last segments and the manifest of \(objectName)")
            return .produced(images)
        }

        let outcomes = await parts.run([packing, saving, producing], cancellingOthers: true) { error in
            pipe.fail(error)
            files.fail(error)
        }
        var stored: StoredBackup?
        var packed: PackSummary?
        var images: [BackupImage] = []
        for outcome in outcomes {
            switch outcome {
            case .success(.stored(let value)): stored = value
            case .success(.packed(let value)): packed = value
            case .success(.produced(let value)): images = value
            case .failure(let error):
                throw Self.rootCause(parts.firstFailure ?? error, step: "streaming the backup to storage")
            }
        }
        guard let stored, let packed else { throw CancellationError() }
        logger.info(
            "backup streamed",
            metadata: [
                "backup.archive_bytes": "\(packed.archiveBytes)", "backup.stored_bytes": "\(stored.size)",
                "backup.seconds": "\(Int(packed.elapsed.seconds))",
            ])
        let outcome = (stored, images, taken.all)
        progress.end("upload")
        return outcome
    }

    /// The database backups, handing each image to the stream as soon as it is written.
    private func produceImages(
        _ databases: [DatabaseName], plan: ChainPlan, taken: TakenImages, estimates: [Int64],
        handOff: BackupImageHandOff, files: ArrivingFiles, record: JournalEntry, progress: OperationProgress,
        logger: Logger
    ) async throws -> [BackupImage] {
        var images: [BackupImage] = []
        let checking = settings.verifyImages
        let uploadLabel = "upload to \(settings.storage.strategy.rawValue)"
        func taking(_ image: BackupImage) async throws {
            if let reason = image.fullBecause {
                logger.notice("a full image was taken instead", metadata: ["database": "\(image.database)", "reason": "\(reason)"])
            }
            try await confirmBase(of: image, planned: plan.entry(of: image.database))
            taken.add(image, planned: plan.entry(of: image.database))
        }
        @Sendable func announce(_ image: BackupImage) {
            var info = stat()
            let size = stat(image.path, &info) == 0 ? Int64(info.st_size) : 0
            // The upload's clock starts with its first image (its rate and ETA are the stream's own).
            if !progress.has("upload") { progress.begin("upload", label: uploadLabel) }
            progress.addToTotal("upload", bytes: size)
            handOff.add(image.fileName, checking: checking)
            files.add(image.fileName)
        }
        switch strategy {
        case .online:
            await record.enter(.streaming, step: "BACKUP DATABASE \(databases.first?.value ?? "") ONLINE")
            for (index, name) in databases.enumerated() {
                try Task.checkCancellation()
                let needed = Int64(Double(estimates[index]) * (1 + settings.spaceMargin))
                if handOff.waitingCount > 0 {
                    try await handOff.waitForRoom(needed: needed) { space(directory)?.availableBytes ?? 0 }
                }
                let kind = plan.kind(of: name)
                let command = "BACKUP DATABASE \(name) ONLINE\(kind.backupClause)"
                await record.update(step: command)
                progress.begin(
                    "database", label: "\(command) (\(index + 1)/\(databases.count))", totalBytes: estimates[index],
                    measure: { handOff.bytesBeingWritten() })
                let image = try await step(command) {
                    try await database.onlineBackup(of: name, to: directory, kind: kind)
                }
                announce(image)
                try await taking(image)
                if let position = await database.logPosition(of: name) {
                    taken.addLogEnd(position, of: name, endedAt: image.completedAt ?? Date())
                }
                try await verify(image, record: record, progress: progress, handOff: handOff)
                images.append(image)
            }
        case .offline:
            let command = "offline backup (QUIESCE, BACKUP DATABASE \(databases.map(\.value).joined(separator: ", ")), UNQUIESCE)"
            // Journaled before QUIESCE: from here until UNQUIESCE, a crash leaves the instance closed to applications,
            // and the next start opens it again.
            guard await record.enter(.quiescing, step: command, { $0.quiesced = true }) else {
                throw BackupOperationError.stepFailed(
                    step: "journaling the offline backup",
                    cause: OperationJournalError.io(path: journal.directory, operation: "write", errno: EIO))
            }
            progress.begin(
                "database", label: command, totalBytes: estimates.reduce(0, +), measure: { handOff.bytesBeingWritten() })
            let kinds = Dictionary(uniqueKeysWithValues: databases.map { ($0, plan.kind(of: $0)) })
            images = try await step(command) {
                try await database.offlineBackup(of: databases, to: directory, kinds: kinds)
            }
            await record.enter(.streaming, step: "streaming the offline images") { $0.quiesced = false }
            for image in images { announce(image) }
            for image in images { try await taking(image) }
            for image in images { try await verify(image, record: record, progress: progress, handOff: handOff) }
        }
        progress.end("database")
        return images
    }

    /// `db2ckbkp` while the image streams; the image may go once it is also archived.
    private func verify(
        _ image: BackupImage, record: JournalEntry, progress: OperationProgress, handOff: BackupImageHandOff
    ) async throws {
        guard settings.verifyImages else { return }
        let label = "db2ckbkp of the \(image.database) image"
        await record.update(step: label)
        progress.begin("database", label: label)
        try await step(label) { try await database.verifyImage(image) }
        handOff.checked(image.fileName)
    }

    /// Runs one step, naming it in the error when it fails.
    func step<T: Sendable>(_ name: String, _ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch { throw Self.rootCause(error, step: name) }
    }

    /// `error` as a ``BackupOperationError`` naming `step`, unless it already says what happened.
    static func rootCause(_ error: any Error, step: String) -> any Error {
        if error is BackupOperationError || error is CancellationError { return error }
        if case ObjectStorageError.cancelled = error { return CancellationError() }
        if case BackupStreamError.cancelled = error { return CancellationError() }
        return BackupOperationError.stepFailed(step: step, cause: error)
    }
}
