import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging

/// The DB2 side of backups and restores (Trove's `DB2OnlineBackup` / `DB2OfflineBackup` runners and restore
/// strategies), for the backup pipeline to call. Each failure is a ``DB2Error`` naming the step and the database.
/// Cancelling the calling task kills the running `db2`'s process group.
extension DB2Manager {
    /// The backup size estimate of one database, from what Db2 reports, in one CLP job:
    ///
    /// - `CALL GET_DBSIZE_INFO(?, ?, ?, 0)`: DATABASESIZE, the used pages of the table spaces. The last argument is
    ///   the refresh window in minutes: Db2 returns the values it stored in `SYSTOOLS.STMG_DBSIZE_INFO` while they
    ///   are younger than the window (`-1` is the default window), so only `0` gives today's size (IBM,
    ///   *GET_DBSIZE_INFO procedure*).
    /// - `SYSIBMADM.MON_TRANSACTION_LOG_UTILIZATION`'s TOTAL_LOG_USED_KB: active log held by uncommitted work (the
    ///   `LOG_UTILIZATION` view, same columns, is deprecated since 10.5), which an online image must carry.
    /// - `GET DATABASE CONFIGURATION`'s LOGFILSIZ: the image carries whole log files (INCLUDE LOGS), at least the one
    ///   its own backup records are written to, so the log part is that work rounded up to log files, plus one.
    ///
    /// - Throws: ``DB2Error`` when the database cannot be connected to or the output holds no number.
    public nonisolated func estimateBackupSize(of name: DatabaseName) async throws(DB2Error) -> BackupSizeEstimate {
        let step = "estimate the backup size"
        let statements = [
            "CONNECT TO \(name)", "CALL GET_DBSIZE_INFO(?, ?, ?, 0)",
            "SELECT TOTAL_LOG_USED_KB FROM SYSIBMADM.MON_TRANSACTION_LOG_UTILIZATION",
            "GET DATABASE CONFIGURATION FOR \(name)",
        ]
        let transcript = try await connectingJob { () throws(DB2Error) in
            try await executor.clpChecked(
                statements, step: step, database: name.value, timeout: configuration.commandTimeout)
        }
        guard let size = Self.outputParameter("DATABASESIZE", in: transcript.statements[1].output), size >= 0 else {
            throw DB2Error(.commandFailed, step: step, database: name.value, detail: "no DATABASESIZE in: \(transcript.statements[1].output.excerpt)")
        }
        let logKB = (CLPTable(transcript.statements[2].output)?.column("TOTAL_LOG_USED_KB") ?? [])
            .compactMap { $0.flatMap { Int64($0) } }.filter { $0 >= 0 }
            .reduce(Int64(0)) { total, value in
                let (sum, overflow) = total.addingReportingOverflow(value)
                return overflow ? .max : sum
            }
        let listing = ConfigurationListing(transcript.statements[3].output)
        guard let pagesText = listing[parameter: "LOGFILSIZ"], let pages = Int64(pagesText), (1...(1 << 40)).contains(pages)
        else {
            throw DB2Error(
                .commandFailed, step: step, database: name.value,
                detail: "no LOGFILSIZ in: \(transcript.statements[3].output.excerpt)")
        }
        return BackupSizeEstimate(database: name, databaseBytes: size, openLogKB: logKB, logFilePages: pages)
    }

    /// The estimates of every database.
    public nonisolated func estimateBackupSizes() async throws(DB2Error) -> [BackupSizeEstimate] {
        var estimates: [BackupSizeEstimate] = []
        for name in try await databases() { estimates.append(try await estimateBackupSize(of: name)) }
        return estimates
    }

    /// `Parameter Value` after `Parameter Name : <name>` in a CALL's output.
    static func outputParameter(_ name: String, in output: String) -> Int64? {
        let lines = output.split(separator: "\n").map { $0.trimmingBlanks() }
        for (index, line) in lines.enumerated() where line.hasPrefix("Parameter Name") && line.hasSuffix(name) {
            guard index + 1 < lines.count, let colon = lines[index + 1].firstIndex(of: ":") else { return nil }
            return Int64(lines[index + 1][lines[index + 1].index(after: colon)...].trimmingBlanks())
        }
        return nil
    }

    /// `BACKUP DATABASE X ONLINE [INCREMENTAL [DELTA]] TO <directory> INCLUDE LOGS`: applications stay connected.
    ///
    /// When Db2 refuses an incremental or delta (SQL2426N: `TRACKMOD` off, or no full backup since it was turned
    /// on), a full backup is taken instead and the image says so (``BackupImage/fullBecause``).
    ///
    /// - Returns: the image written (path, timestamp, the kind taken).
    /// - Throws: ``DB2Error`` `.notRecoverable` (no archive logging: see ``ensureRecoverable()``), `.diskFull`,
    ///   `.timedOut`, `.cancelled`, ...
    public nonisolated func onlineBackup(
        of name: DatabaseName, to directory: String, kind: BackupImageKind = .full
    ) async throws(DB2Error) -> BackupImage {
        try await backup(name, to: directory, online: true, kind: kind)
    }

    /// Trove's offline strategy: `QUIESCE INSTANCE ... FORCE CONNECTIONS`, `BACKUP DATABASE X TO <directory>` for
    /// each database, then `UNQUIESCE INSTANCE`, also when a backup failed.
    ///
    /// - Throws: ``DB2Error`` of the first failed step (the unquiesce still ran).
    /// - Parameter kinds: the kind asked for per database (full when absent); a refused incremental is taken full,
    ///   as ``onlineBackup(of:to:kind:)`` does.
    public func offlineBackup(
        of names: [DatabaseName], to directory: String, kinds: [DatabaseName: BackupImageKind] = [:]
    ) async throws(DB2Error) -> [BackupImage] {
        try await exclusive { () throws(DB2Error) -> [BackupImage] in
            let instance = try await executor.environment()["DB2INSTANCE"] ?? configuration.instanceOwner
            // The agent's own connecting queries stay out of the window (a connection there fails the BACKUP with
            // SQL1035N); those running now end first.
            await closeConnectionFence()
            quiescedByBackup = true
            do throws(DB2Error) {
                try await executor.clpChecked(
                    ["QUIESCE INSTANCE \(instance) RESTRICTED ACCESS IMMEDIATE FORCE CONNECTIONS"],
                    step: "QUIESCE INSTANCE", timeout: configuration.commandTimeout)
            } catch {
                quiescedByBackup = false
                openConnectionFence()
                throw error
            }
            var images: [BackupImage] = []
            var failure: DB2Error?
            for name in names {
                do throws(DB2Error) {
                    images.append(try await backup(name, to: directory, online: false, kind: kinds[name] ?? .full))
                } catch {
                    failure = error
                    break
                }
            }
            // Outside the caller's cancellation: an aborted backup (SIGTERM past the grace period) must still leave
            // the instance open to applications.
            let unquiesced = await Task { () async -> DB2Error? in
                do throws(DB2Error) {
                    try await unquiesce(instance)
                    return nil
                } catch {
                    return error
                }
            }.value
            if let unquiesced {
                logger.error("instance not unquiesced", metadata: ["error": "\(unquiesced)"])
                if failure == nil { failure = unquiesced }
            } else {
                quiescedByBackup = false
            }
            // Open also when UNQUIESCE failed: the instance is quiesced anyway, and a query held until an operator
            // unquiesces would only pile up (it gets DB2's own answer instead).
            openConnectionFence()
            if let failure { throw failure }
            return images
        }
    }

    /// `UNQUIESCE INSTANCE`: applications may connect again (after an offline backup a crash or an abort ended
    /// while the instance was quiesced). Harmless when the instance is not quiesced.
    ///
    /// - Throws: ``DB2Error`` when DB2 refuses.
    public nonisolated func unquiesceInstance() async throws(DB2Error) {
        let instance = try await executor.environment()["DB2INSTANCE"] ?? configuration.instanceOwner
        try await unquiesce(instance)
    }

    private nonisolated func unquiesce(_ instance: String) async throws(DB2Error) {
        try await executor.clpChecked(
            ["UNQUIESCE INSTANCE \(instance)"], step: "UNQUIESCE INSTANCE", timeout: configuration.commandTimeout)
        logger.info("instance unquiesced", metadata: ["db2.instance": "\(instance)"])
    }

    nonisolated func backup(
        _ name: DatabaseName, to directory: String, online: Bool, kind: BackupImageKind
    ) async throws(DB2Error) -> BackupImage {
        if kind != .full {
            do throws(DB2Error) {
                return try await backupOnce(name, to: directory, online: online, kind: kind)
            } catch where error.message?.code == "SQL2426" {
                // Db2 refused the incremental itself: only a full image is possible now.
                let reason = error.message.map { "\($0)" } ?? error.description
                logger.notice(
                    "Db2 refused the \(kind.rawValue) backup: taking a full backup instead",
                    metadata: ["db2.database": "\(name)", "db2.reason": "\(reason)"])
                var image = try await backupOnce(name, to: directory, online: online, kind: .full)
                image.fullBecause = "Db2 refused the \(kind.rawValue) backup: \(reason)"
                return image
            }
        }
        return try await backupOnce(name, to: directory, online: online, kind: .full)
    }

    private nonisolated func backupOnce(
        _ name: DatabaseName, to directory: String, online: Bool, kind: BackupImageKind
    ) async throws(DB2Error) -> BackupImage {
        let step = "BACKUP DATABASE\(online ? " ONLINE" : "")\(kind.backupClause)"
        try await ensureOwnedDirectory(directory, mode: 0o750, step: "create the backup directory")
        let target = try Self.clpPath(directory, step: step)
        let statement =
            online
            ? "BACKUP DATABASE \(name) ONLINE\(kind.backupClause) TO \(target) INCLUDE LOGS"
            : "BACKUP DATABASE \(name)\(kind.backupClause) TO \(target)"
        logger.info(
            "backup started",
            metadata: [
                "db2.database": "\(name)", "db2.online": "\(online)", "db2.kind": "\(kind.rawValue)",
                "db2.directory": "\(directory)",
            ])
        let transcript = try await executor.clpChecked(
            [statement], step: step, database: name.value, timeout: configuration.backupTimeout)
        guard let timestamp = Self.backupTimestamp(in: transcript.output) else {
            throw DB2Error(.commandFailed, step: step, database: name.value, detail: "no backup timestamp in: \(transcript.output.excerpt)")
        }
        let images = try await listImages(in: directory)
        guard var image = images.first(where: { $0.database == name && $0.timestamp == timestamp }) else {
            throw DB2Error(
                .imageNotFound, step: step, database: name.value,
                detail: "DB2 reported image \(timestamp) but \(directory) has no such file")
        }
        logger.info("backup done", metadata: ["db2.database": "\(name)", "db2.image": "\(image.path)"])
        image.completedAt = Date()
        image.kind = kind
        return image
    }

    /// `Backup successful. The timestamp for this backup image is : 20160909123456`.
    static func backupTimestamp(in output: String) -> String? {
        guard let range = output.firstRange(of: "The timestamp for this backup image is") else { return nil }
        let rest = output[range.upperBound...].drop { $0 == " " || $0 == ":" }
        let digits = rest.prefix { $0.isASCIIDigit }
        return digits.count == 14 ? String(digits) : nil
    }

    /// `db2ckbkp <image>`: reads the whole image and checks it.
    ///
    /// - Throws: ``DB2Error`` `.damagedImage` with db2ckbkp's report.
    public nonisolated func verifyImage(_ image: BackupImage) async throws(DB2Error) {
        let outcome = try await executor.tool(
            "db2ckbkp", [image.path], step: "db2ckbkp", timeout: configuration.backupTimeout)
        guard outcome.exitCode == 0, outcome.standardOutput.contains("Image Verification Complete - successful") else {
            throw DB2Error(
                .damagedImage, step: "db2ckbkp", database: image.database.value,
                detail: "\(image.path): \(outcome.combinedOutput.excerpt)")
        }
    }

    /// The backup images in `directory` (name, database, timestamp), oldest first per database.
    public nonisolated func listImages(in directory: String) async throws(DB2Error) -> [BackupImage] {
        let result: Result<[BackupImage], DB2Error> = await BlockingThreadPool.shared.run {
            do { return .success(try BackupImage.list(in: directory)) } catch {
                return .failure(DB2Error(.fileSystem, step: "list the backup images", detail: "\(directory): \(error)"))
            }
        }
        return try result.get()
    }

    /// Restores an online image and rolls forward to the end of the backup:
    /// `RESTORE DATABASE X FROM <dir> TAKEN AT <ts> LOGTARGET <logdir> REPLACE EXISTING WITHOUT PROMPTING`, then
    /// `ROLLFORWARD DATABASE X TO END OF BACKUP AND COMPLETE OVERFLOW LOG PATH (<logdir>)`; then archive logging is
    /// checked (the database keeps the image's LOGARCHMETH1).
    ///
    /// - Parameter logDirectory: an empty directory for the logs the image carries (created when missing; DB2
    ///   refuses to overwrite a log file there).
    /// - Throws: ``DB2Error`` naming RESTORE or ROLLFORWARD and the database.
    /// - Parameter target: how far to roll forward (the end of the backup unless a later point was asked for; the
    ///   logs past the backup must then be in `logDirectory` too).
    public func restoreOnline(
        _ image: BackupImage, logDirectory: String, until target: RollforwardTarget = .endOfBackup
    ) async throws(DB2Error) {
        try await exclusive { () throws(DB2Error) in
            try await ensureOwnedDirectory(logDirectory, mode: 0o750, step: "create the log target")
            let directory = try Self.clpPath(PathText.parent(image.path), step: "RESTORE DATABASE")
            let logs = try Self.clpPath(logDirectory, step: "RESTORE DATABASE")
            try await executor.clpChecked(
                ["RESTORE DATABASE \(image.database) FROM \(directory) TAKEN AT \(image.timestamp) LOGTARGET \(logs) REPLACE EXISTING WITHOUT PROMPTING"],
                step: "RESTORE DATABASE", database: image.database.value, timeout: configuration.restoreTimeout,
                tolerating: ["SQL2539W", "SQL2580W"])
            try await rollforward(image.database, to: target, logs: logs)
            logger.info("database restored and rolled forward", metadata: ["db2.database": "\(image.database)", "db2.image": "\(image.path)"])
            if configuration.backupStrategy == .online {
                _ = try await ensureRecoverable(image.database)
            }
        }
    }

    /// Restores an offline image: `RESTORE DATABASE X FROM <dir> TAKEN AT <ts> REPLACE EXISTING WITHOUT ROLLING
    /// FORWARD WITHOUT PROMPTING` (no rollforward; the database is usable at once).
    public func restoreOffline(_ image: BackupImage) async throws(DB2Error) {
        try await exclusive { () throws(DB2Error) in
            let directory = try Self.clpPath(PathText.parent(image.path), step: "RESTORE DATABASE")
            try await executor.clpChecked(
                ["RESTORE DATABASE \(image.database) FROM \(directory) TAKEN AT \(image.timestamp) REPLACE EXISTING WITHOUT ROLLING FORWARD WITHOUT PROMPTING"],
                step: "RESTORE DATABASE", database: image.database.value, timeout: configuration.restoreTimeout,
                tolerating: ["SQL2539W"])
            logger.info("database restored", metadata: ["db2.database": "\(image.database)", "db2.image": "\(image.path)"])
            if configuration.backupStrategy == .online {
                _ = try await ensureRecoverable(image.database)
            }
        }
    }

    /// Removes the archived log files of `database` that were archived before `cutoff` (the end of a full online
    /// backup with INCLUDE LOGS: the image carries what a restore of it needs, and no later restore needs older
    /// logs). Trove meant to do this with `rm -rf 'ArchiveLogs/*'`, which removed nothing.
    ///
    /// The archive directory is the instance owner's: it is walked through descriptors (``DirectoryHandle``), so a
    /// link the owner put there (`ArchiveLogs/db2inst1/APP1 -> /elsewhere`) is not followed and nothing outside
    /// it is removed.
    ///
    /// - Returns: the files removed.
    public nonisolated func removeArchivedLogs(of database: DatabaseName, archivedBefore cutoff: Date) async throws(DB2Error) -> [String] {
        let root = configuration.archiveLogDirectory
        let result: Result<[String], PathFailure> = await BlockingThreadPool.shared.run {
            Result { () throws(PathFailure) -> [String] in
                guard let archive = try Self.openExisting(root) else { return [] }
                var removed: [String] = []
                for instance in try archive.entryNames() {
                    guard let logs = try? archive.openDirectory(instance).openDirectory(database.value) else { continue }
                    try Self.removeLogFiles(in: logs, archivedBefore: cutoff, depth: 0, removed: &removed)
                }
                return removed.sorted()
            }
        }
        let removed: [String]
        switch result {
        case .success(let files): removed = files
        case .failure(let failure):
            throw DB2Error(.fileSystem, step: "remove archived logs", database: database.value, detail: failure.description)
        }
        logger.info("archived logs removed", metadata: ["db2.database": "\(database)", "db2.files": "\(removed.count)"])
        return removed
    }

    /// Removes the regular files `S*.LOG` older than `cutoff` in `directory` and its sub-directories (DB2 nests them
    /// `NODE0000/LOGSTREAM0000/C0000000/`; deeper than 8 levels is not DB2's and is left).
    static func removeLogFiles(
        in directory: DirectoryHandle, archivedBefore cutoff: Date, depth: Int, removed: inout [String]
    ) throws(PathFailure) {
        guard depth < 8 else { return }
        for name in try directory.entryNames() {
            guard let info = try directory.status(of: name) else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                guard let child = try? directory.openDirectory(name) else { continue }
                try removeLogFiles(in: child, archivedBefore: cutoff, depth: depth + 1, removed: &removed)
            case S_IFREG:
                let modified = Date(
                    timeIntervalSince1970: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1_000_000_000)
                guard name.hasPrefix("S"), name.hasSuffix(".LOG"), modified < cutoff else { continue }
                try directory.removeFile(name)
                removed.append("\(directory.path)/\(name)")
            default:
                continue
            }
        }
    }

    /// A directory as a CLP statement may name it (no blanks, quotes or semicolons).
    static func clpPath(_ path: String, step: String) throws(DB2Error) -> String {
        guard path.hasPrefix("/"), !path.contains(where: { $0 == " " || $0 == "'" || $0 == "\"" || $0 == ";" || $0 == "\n" })
        else { throw .invalid("path \"\(path)\" cannot be given to DB2 (blanks, quotes or semicolons)", step: step) }
        return path
    }
}
