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

/// Ships every log file Db2 archives to the backup store as it appears (inotify, no polling of the archive), so
/// that a restore can roll forward past the last backup (`[db2] log_shipping`).
///
/// Each file is packed in the backup stream format (gzip + `openssl enc`, the configured key and digest) into the
/// spool, stored whole as `db2logs/<guest id>/<DB>/<chain>/<file>.gz.enc` (its MD5 checked against the store's
/// ETag, retried within the store's retry budget) with its metadata, journaled (``LogShippingState``), and only
/// then deleted locally. A file whose upload failed stays where Db2 put it and is tried again with back-off; one
/// found at start (archived while the agent was down) is shipped then. Every `log_ship_interval`, a database that
/// wrote since its last archived log gets `ARCHIVE LOG FOR DATABASE`, which bounds how long a commit waits to be
/// shipped.
public actor LogShipper {
    let settings: LogShippingSettings
    let backup: BackupSettings
    private let database: any LogShippingOperations
    private let storageFactory: StorageFactory
    private let authenticator: SwiftAuthenticator?
    let logger: Logger
    private let status: (@Sendable (String) -> Void)?

    var state = LogShippingState()
    /// When each waiting file was first seen.
    private var seenAt: [String: Date] = [:]
    /// Archived files waiting to be shipped, oldest first, with when each may be tried again.
    private var waiting: [String: ContinuousClock.Instant] = [:]
    private var attempts: [String: Int] = [:]
    /// When each database last had a log archived (or was last asked to).
    private var lastArchived: [DatabaseName: Date] = [:]
    /// The databases as last listed, and when any of them may next be due for `ARCHIVE LOG`.
    private var knownDatabases: [DatabaseName] = []
    private var nextArchiveCheck = Date.distantPast
    private var tokenRejected = false
    private var waitingForContextLogged = false
    private let wakeStream: AsyncStream<Void>
    private let wakeContinuation: AsyncStream<Void>.Continuation
    /// Logs shipped since start (for tests and the status line).
    private(set) var shippedCount = 0

    /// - Parameter status: told how far shipping is behind, for the agent's status line.
    init(
        settings: LogShippingSettings, backup: BackupSettings, database: any LogShippingOperations,
        storageFactory: StorageFactory, logger: Logger, status: (@Sendable (String) -> Void)? = nil
    ) {
        self.status = status
        self.settings = settings
        self.backup = backup
        self.database = database
        self.storageFactory = storageFactory
        authenticator = backup.storage.serviceCredentials.map { SwiftAuthenticator(credentials: $0, logger: logger) }
        var logger = logger
        logger[metadataKey: "component"] = "log-shipping"
        self.logger = logger
        (wakeStream, wakeContinuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Files archived but not shipped yet.
    var backlog: Int { waiting.count }

    /// Ships until the task is cancelled.
    func run() async {
        let directory = settings.stateDirectory
        do {
            state = try await BlockingThreadPool.shared.run { try LogShippingState.load(from: directory) }
        } catch {
            logger.error("the log shipping state cannot be read: starting without it", metadata: ["error": "\(error)"])
        }
        logger.info(
            "log shipping started",
            metadata: ["archive": "\(settings.archiveDirectory)", "interval": "\(settings.interval)"])
        await removeSpooledLeftovers()
        await prune()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.watch() }
            group.addTask { await self.tick() }
            group.addTask { await self.work() }
            await group.waitForAll()
        }
    }

    /// The context of a backup or restore request: the store's account and a fresh token to ship with.
    func use(_ context: RequestContext) async {
        let first = state.context == nil
        state.context = context
        tokenRejected = false
        await saveState()
        if first { logger.info("log shipping has the store's address from a request") }
        wakeContinuation.yield()
    }

    // MARK: - Watching the archive

    private func watch() async {
        let root = settings.archiveDirectory
        while !Task.isCancelled {
            let watcher: DirectoryTreeWatcher
            do { watcher = try DirectoryTreeWatcher(root: root) } catch {
                logger.warning("the archive directory cannot be watched yet", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: settings.interval)
                continue
            }
            await rescan()
            await withTaskCancellationHandler {
                for await event in watcher.events {
                    switch event {
                    case .fileCompleted(let path): enqueue(path)
                    case .rescan: await rescan()
                    }
                }
            } onCancel: {
                watcher.stop()
            }
        }
    }

    private func enqueue(_ path: String) {
        guard let log = ArchivedLog(path: path, archiveRoot: settings.archiveDirectory) else { return }
        lastArchived[log.database] = Date()
        if waiting[path] == nil {
            waiting[path] = .now
            seenAt[path] = seenAt[path] ?? Date()
        }
        reportStatus()
        wakeContinuation.yield()
    }

    /// Every archived log file on disk (at start, and after the kernel dropped events).
    private func rescan() async {
        let root = settings.archiveDirectory
        let found: [String] = await BlockingThreadPool.shared.run { Self.logFiles(under: root) }
        for path in found { enqueue(path) }
    }

    /// The `S*.LOG` files under `root`, walked through descriptors (no link followed), at most 8 levels deep.
    static func logFiles(under root: String) -> [String] {
        var found: [String] = []
        func walk(_ directory: DirectoryHandle, _ path: String, depth: Int) {
            guard depth < 8, let names = try? directory.entryNames() else { return }
            for name in names {
                guard let info = try? directory.status(of: name) else { continue }
                switch info.st_mode & S_IFMT {
                case S_IFDIR: if let child = try? directory.openDirectory(name) { walk(child, path + "/" + name, depth: depth + 1) }
                case S_IFREG: if name.hasPrefix("S"), name.hasSuffix(".LOG") { found.append(path + "/" + name) }
                default: continue
                }
            }
        }
        if let handle = try? DirectoryHandle.open(root) { walk(handle, root, depth: 0) }
        return found.sorted()
    }

    // MARK: - Bounding the wait

    /// Wakes the worker now and then (retries), and archives the active log of a database that wrote but had no
    /// log archived for `log_ship_interval`.
    private func tick() async {
        let step = min(settings.interval / 4, .seconds(15))
        while !Task.isCancelled {
            try? await Task.sleep(for: step)
            wakeContinuation.yield()
            await archiveQuietDatabases()
        }
    }

    /// Asks Db2 nothing until a database may be due: the databases are listed, and an idle one's log looked at,
    /// only when its interval has passed (a check of every database at every tick cost a writer on a small machine
    /// a few per cent of its commits).
    private func archiveQuietDatabases() async {
        let now = Date()
        guard now >= nextArchiveCheck else { return }
        if let names = try? await database.databases() { knownDatabases = names }
        let interval = Double(settings.interval.components.seconds)
        var next = now.addingTimeInterval(interval)
        for name in knownDatabases {
            let since = lastArchived[name] ?? now.addingTimeInterval(-interval)
            if lastArchived[name] == nil { lastArchived[name] = since }
            let due = since.addingTimeInterval(interval)
            guard now >= due else {
                next = min(next, due)
                continue
            }
            guard let written = await database.lastLogWrite(of: name), written > since else {
                // Idle: looked at again a quarter of an interval later.
                next = min(next, now.addingTimeInterval(interval / 4))
                continue
            }
            do {
                try await database.archiveLog(of: name)
                logger.debug("active log archived to bound the wait", metadata: ["database": "\(name)"])
            } catch {
                logger.warning("ARCHIVE LOG failed", metadata: ["database": "\(name)", "error": "\(error)"])
            }
            lastArchived[name] = Date()
        }
        nextArchiveCheck = next
    }

    // MARK: - Shipping

    private func work() async {
        for await _ in wakeStream {
            await shipDue()
        }
    }

    private func shipDue() async {
        while !Task.isCancelled {
            let now = ContinuousClock.now
            let due = waiting.filter { $0.value <= now }.keys.sorted()
            guard let path = due.first else { return }
            if backup.storage.strategy == .swift, state.context == nil {
                if !waitingForContextLogged {
                    logger.notice(
                        "log shipping waits for the first backup or restore request: it needs the store's account",
                        metadata: ["waiting": "\(waiting.count)"])
                    waitingForContextLogged = true
                }
                return
            }
            do {
                try await ship(path)
                waiting[path] = nil
                attempts[path] = nil
                seenAt[path] = nil
                reportStatus()
            } catch {
                let attempt = (attempts[path] ?? 0) + 1
                attempts[path] = attempt
                if case ObjectStorageError.tokenRejected = error { tokenRejected = true }
                let delay = Self.backoff(afterAttempt: attempt, cap: settings.interval)
                waiting[path] = .now + delay
                logger.warning(
                    "a log could not be shipped: trying again",
                    metadata: ["log": "\(path)", "attempt": "\(attempt)", "retry_in": "\(delay)", "error": "\(error)"])
            }
        }
    }

    /// Ships one archived file, or only removes it when it was shipped before a crash.
    private func ship(_ path: String) async throws {
        guard let log = ArchivedLog(path: path, archiveRoot: settings.archiveDirectory) else { return }
        if state.shipped[log.relativePath] != nil {
            try await removeLocal(log)
            return
        }
        let exists = await BlockingThreadPool.shared.run { access(path, F_OK) == 0 }
        guard exists else { return }
        let spool = backup.storage.configuration.spoolDirectory ?? settings.stateDirectory
        let packed = spool + "/log-\(RandomIdentifier.hex128().prefix(12)).gz.enc"
        try await BlockingThreadPool.shared.run { _ = try DirectoryHandle.open(spool, creatingMissing: 0o700) }
        do {
            try await ship(log, packingInto: packed)
        } catch {
            _ = await BlockingThreadPool.shared.run { unlink(packed) }
            throw error
        }
        _ = await BlockingThreadPool.shared.run { unlink(packed) }
    }

    /// Packs `log` into `packed`, stores it, journals it, deletes it locally.
    private func ship(_ log: ArchivedLog, packingInto packed: String) async throws {
        let path = log.path
        let archivedAt = await BlockingThreadPool.shared.run { () -> Date? in
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            return Date(timeIntervalSince1970: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9)
        } ?? Date()
        let sizes = try await FileStreamCodec(logger: logger).pack(path, to: packed, options: backup.pack)
        let object = try log.objectPath(instanceID: settings.instanceID)
        let metadata: [String: String] = [
            "db2_log_database": log.database.value, "db2_log_chain": log.chain, "db2_log_file": log.file,
            "db2_log_bytes": "\(sizes.inputBytes)", "db2_log_archived_at": ShippedLogTime.format(archivedAt),
        ]
        let deleteAt = settings.retentionDays.map { Date().addingTimeInterval(Double($0) * 86_400) }
        CrashPoints.reach("ship:packed")
        let md5 = try await store().put(object, fromFile: packed, metadata: metadata, deleteAt: deleteAt)
        CrashPoints.reach("ship:stored")
        state.shipped[log.relativePath] = md5
        await saveState()
        CrashPoints.reach("ship:journaled")
        try await removeLocal(log)
        shippedCount += 1
        logger.debug(
            "log shipped",
            metadata: [
                "log": "\(log)", "object": "\(object)", "bytes": "\(sizes.inputBytes)",
                "stored_bytes": "\(sizes.outputBytes)", "backlog": "\(waiting.count - 1)",
            ])
    }

    /// Deletes the shipped file (walking from the archive root through descriptors: a link the instance owner
    /// planted is never followed), then forgets it.
    private func removeLocal(_ log: ArchivedLog) async throws {
        let root = settings.archiveDirectory
        let parts = log.relativePath.split(separator: "/").map(String.init)
        try await BlockingThreadPool.shared.run { try Self.removeFile(parts, under: root) }
        state.shipped[log.relativePath] = nil
        await saveState()
    }

    /// Removes `root/parts...` (blocking), opening each directory on the way without following a link; a file
    /// already gone is fine.
    static func removeFile(_ parts: [String], under root: String) throws {
        guard let name = parts.last else { return }
        var directory = try DirectoryHandle.open(root)
        for part in parts.dropLast() { directory = try directory.openDirectory(part) }
        guard try directory.status(of: name) != nil else { return }
        try directory.removeFile(name)
    }

    /// Packed logs a killed agent left in the spool (`log-*.gz.enc`): their archived files are still there and are
    /// packed again.
    private func removeSpooledLeftovers() async {
        guard let spool = backup.storage.configuration.spoolDirectory else { return }
        let removed: Int = await BlockingThreadPool.shared.run {
            guard let directory = try? DirectoryHandle.open(spool), let names = try? directory.entryNames() else { return 0 }
            var count = 0
            for name in names where name.hasPrefix("log-") && name.hasSuffix(".gz.enc") {
                if (try? directory.removeFile(name)) != nil { count += 1 }
            }
            return count
        }
        if removed > 0 { logger.info("packed logs left in the spool by a stop removed", metadata: ["files": "\(removed)"]) }
    }

    /// How far shipping is behind, for the status line.
    private func reportStatus() {
        guard let status else { return }
        guard let oldest = seenAt.values.min() else {
            status("log shipping up to date")
            return
        }
        status("log shipping: \(waiting.count) file\(waiting.count == 1 ? "" : "s") behind, oldest archived \(Int(Date().timeIntervalSince(oldest))) s ago")
    }

    func store() async throws -> any BackupStorage & WholeObjectStore {
        let context = state.context ?? RequestContext()
        let storage: any BackupStorage =
            if tokenRejected, let authenticator {
                try storageFactory.storage(for: context, token: try await authenticator.authenticate())
            } else {
                try storageFactory.storage(for: context)
            }
        guard let whole = storage as? any BackupStorage & WholeObjectStore else {
            throw BackupOperationError.storageUnreachable("the store cannot hold shipped logs")
        }
        return whole
    }

    func saveState() async {
        let snapshot = state
        let directory = settings.stateDirectory
        do { try await BlockingThreadPool.shared.run { try snapshot.save(to: directory) } } catch {
            logger.error("the log shipping state cannot be written", metadata: ["error": "\(error)"])
        }
    }

    static func backoff(afterAttempt attempt: Int, cap: Duration) -> Duration {
        var delay = Duration.seconds(1)
        for _ in 1..<max(1, attempt) where delay < cap { delay *= 2 }
        return min(delay, cap)
    }
}
