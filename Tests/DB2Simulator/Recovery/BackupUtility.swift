import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// BACKUP DATABASE.
///
/// Offline: the database must have no connection (SQL1035N) and is kept to the utility while its files are copied.
/// Online: the database must be recoverable and not BACKUP PENDING (SQL2413N); writers go on while the data files
/// are copied as they were when the backup started (their committed lengths then; rows are only appended), and the
/// log from the start to the end of the backup goes into the image (INCLUDE LOGS, the default online), so that
/// ROLLFORWARD ... TO END OF BACKUP recovers every change committed during the backup.
struct BackupUtility {
    let session: CLPSession
    let request: BackupRequest
    let commandText: String
    /// What a fault rule asked for when the command started (a full disk after so many bytes).
    let faultEffect: FaultInjector.Effect?

    private struct Start {
        var entry: InstanceState.DirectoryEntry
        var utility: InstanceState.Utility
        var snapshot: DatabaseState
        var timestamp: String
        var startTime: Int64
        /// An incremental or delta backup: the backup it holds the changes since.
        var base: BackupRecord?
    }

    func run() throws -> CommandOutput {
        if !request.online, request.includeLogs == true { throw DB2Failure(DB2Message("SQL2032N", "INCLUDE LOGS")) }
        let targets = request.targets.isEmpty ? [FileSystem.currentDirectory()] : request.targets
        guard targets.count == 1 else { throw DB2Failure(DB2Message("SQL2032N", "TO")) }
        let target = targets[0]
        guard FileSystem.isDirectory(target) || FileSystem.isCharacterDevice(target) else {
            throw DB2Failure(DB2Message("SQL2036N", target))
        }
        let start = try begin()
        defer { session.unregisterUtility(start.utility) }
        let includeLogs = request.online && (request.includeLogs ?? true)
        let path =
            FileSystem.isCharacterDevice(target)
            ? target
            : "\(target)/\(BackupImage.fileName(alias: start.entry.alias, instance: session.layout.instanceName, timestamp: start.timestamp))"
        let store = session.instance.databaseStore(for: start.entry)
        do {
            var diskFullAfter: Int64?
            if case .diskFullAfter(let bytes) = faultEffect { diskFullAfter = bytes }
            let image = try BackupImageWriter(path: path, diskFullAfter: diskFullAfter)
            let offsets = start.base.map { Self.changedData(start.snapshot, since: $0) }
            let header = BackupImage.Header(
                databaseName: start.snapshot.name, alias: start.entry.alias, instance: session.layout.instanceName,
                timestamp: start.timestamp, online: request.online, includesLogs: includeLogs,
                seed: start.snapshot.seed, chain: start.snapshot.log.chain, start: start.snapshot.log.position,
                startTime: start.startTime, release: "11.5.8.0", kind: request.kind,
                baseTimestamp: start.base?.timestamp, dataOffsets: offsets)
            try image.writeJSON(.header, name: "BACKUP.HEADER", header)
            try image.writeJSON(.catalog, name: "SQLDBCONF", start.snapshot)
            for table in start.snapshot.tables {
                var from: Int64 = 0
                if let offsets {
                    guard let offset = offsets[table.dataFile] else { continue }
                    from = offset
                }
                try image.writeFileEntry(
                    .dataFile, name: table.dataFile, source: store.location.dataFile(table.dataFile), from: from,
                    length: table.dataLength)
            }
            try session.faults.checkpoint(.afterData, command: commandText)
            try requireRegistered(start.utility)
            try finish(image: image, start: start, store: store, includeLogs: includeLogs, location: target)
        } catch let error as SystemCallError where error.isNoSpace {
            abandon(start, store: store)
            throw DB2Failure(DB2Message("SQL2419N", target))
        } catch {
            abandon(start, store: store)
            throw error
        }
        return CommandOutput(text: "\nBackup successful. The timestamp for this backup image is : \(start.timestamp)\n\n")
    }

    /// What an incremental or delta image holds of each data file: the offset its changed bytes start at. A file
    /// the base covered up to the same length did not change and is left out; a file the base did not have (a new
    /// table, or the new file of a DELETE) is held whole.
    static func changedData(_ snapshot: DatabaseState, since base: BackupRecord) -> [String: Int64] {
        var offsets: [String: Int64] = [:]
        for table in snapshot.tables {
            var offset = base.fileLengths[table.dataFile] ?? 0
            if offset > table.dataLength { offset = 0 }
            if base.fileLengths[table.dataFile] != nil, offset == table.dataLength { continue }
            offsets[table.dataFile] = offset
        }
        return offsets
    }

    /// The backup an INCREMENTAL (the last full) or DELTA (the last of any kind) is based on, as modification
    /// tracking knows it. SQL2426N reason "1": TRACKMOD is not in effect; reason "2": no full backup since it took
    /// effect (IBM, *trackmod*; the reason codes as real Db2 11.5 printed them in public transcripts [out]).
    private func incrementalBase(_ database: DatabaseState) throws -> BackupRecord? {
        guard request.kind != .full else { return nil }
        guard let tracking = database.tracking else { throw DB2Failure(DB2Message("SQL2426N", "1")) }
        guard let lastFull = tracking.lastFull, let last = tracking.lastBackup else {
            throw DB2Failure(DB2Message("SQL2426N", "2"))
        }
        return request.kind == .incremental ? lastFull : last
    }

    /// Checks that the backup may run, registers it, and takes the starting point: a copy of the database state
    /// (catalog, committed lengths, log position) and a timestamp no earlier backup of the database has.
    private func begin() throws -> Start {
        try session.instance.update { state in
            try session.requireStarted(state)
            let entry = try session.entry(request.database, in: state)
            let others = state.connections(to: entry.alias)
            if others.contains(where: { $0.utility?.exclusive ?? false }) { throw DB2Failure(DB2Message("SQL1035N")) }
            if !request.online, !others.isEmpty || state.activatedDatabases.contains(entry.alias) {
                throw DB2Failure(DB2Message("SQL1035N"))
            }
            guard let me = ProcessIdentity.current else { throw DB2Failure(DB2Message("SQL0902C", "1")) }
            let online = request.online
            let wasActive = state.activeDatabases.contains(entry.alias)
            let store = session.instance.databaseStore(for: entry)
            let (snapshot, timestamp, startTime, base) = try store.update {
                database -> (DatabaseState, String, Int64, BackupRecord?) in
                if database.restorePending == true { throw DB2Failure(DB2Message("SQL1119N", entry.alias)) }
                if database.rollforward != nil { throw DB2Failure(DB2Message("SQL1117N", entry.alias)) }
                if online, !database.isRecoverable || database.backupPending || database.archivingPendingActivation {
                    throw DB2Failure(DB2Message("SQL2413N"))
                }
                // The backup activates a database nobody uses: a TRACKMOD change takes effect now [inference].
                if !wasActive { database.applyTrackmodChange() }
                let base = try incrementalBase(database)
                var now = DB2Time.now()
                var timestamp = DB2Time.backupTimestamp(now)
                while let last = database.lastBackupTimestamp, timestamp <= last {
                    usleep(100_000)
                    now = DB2Time.now()
                    timestamp = DB2Time.backupTimestamp(now)
                }
                database.lastBackupTimestamp = timestamp
                if online {
                    database.backupsInProgress.append(.init(process: me, start: database.log.position))
                }
                var snapshot = database
                snapshot.backupsInProgress = []
                snapshot.filesToDelete = []
                if online {
                    // The backup's own log record, after the start position: an online image always needs log to
                    // roll forward, even of an idle database ("After restoring an online backup image, rollforward
                    // is mandatory ... an online backup image includes the transaction log files which is needed
                    // to make the database consistent", IBM support https://ibm.com/support/pages/node/1074606).
                    try LogWriter.append(
                        DatabaseOperation.encode([]), commitTime: now, state: &database, location: store.location)
                }
                return (snapshot, timestamp, now, base)
            }
            let utility = try session.registerUtility(
                database: entry.alias, type: "BACKUP", description: online ? "online db" : "offline db",
                exclusive: !online, in: &state)
            return Start(
                entry: entry, utility: utility, snapshot: snapshot, timestamp: timestamp, startTime: startTime,
                base: base)
        }
    }

    /// Takes the end of the backup under the database lock: closes the current log file, copies the log written
    /// since the start into the image, moves the image into place, and only then records the backup (clearing BACKUP
    /// PENDING): in the recovery history, and as the new base of DELTA (and, a full, of INCREMENTAL) backups.
    private func finish(
        image: BackupImageWriter, start: Start, store: DatabaseStore, includeLogs: Bool, location: String
    ) throws {
        guard let me = ProcessIdentity.current else { throw DB2Failure(DB2Message("SQL0902C", "1")) }
        try store.update { database in
            let end = database.log.position
            var logFiles: [String] = []
            if request.online {
                if end.offset > LogFile.headerSize {
                    try LogWriter.rollOver(state: &database, location: store.location)
                }
                if includeLogs {
                    for number in start.snapshot.log.position.file...end.file {
                        let name = LogFile.name(number)
                        let source = try logSource(number, database: database, store: store)
                        let length = FileSystem.fileSize(source) ?? 0
                        try image.writeFileEntry(.logFile, name: name, source: source, length: length)
                        logFiles.append(name)
                    }
                }
            }
            let trailer = BackupImage.Trailer(
                end: end, endTime: DB2Time.now(), logFiles: logFiles, lastCommitTime: database.lastCommitTime)
            try image.writeJSON(.trailer, name: "BACKUP.TRAILER", trailer)
            try image.finish()
            database.backupsInProgress.removeAll { $0.process == me }
            database.backupPending = false
            database.archivingPendingActivation = false
            let record = Self.record(of: start.snapshot, timestamp: start.timestamp, kind: request.kind)
            if database.tracking != nil {
                database.tracking?.lastBackup = record
                if request.kind == .full { database.tracking?.lastFull = record }
            }
            database.recordHistory(
                Self.historyEntry(
                    database: database.name, timestamp: start.timestamp, kind: request.kind, online: request.online,
                    end: trailer.endTime, firstLog: start.snapshot.log.position.file, lastLog: end.file,
                    location: location))
        }
    }

    /// The backup as modification tracking remembers it: the data file lengths it covered.
    static func record(of snapshot: DatabaseState, timestamp: String, kind: BackupKind) -> BackupRecord {
        var lengths: [String: Int64] = [:]
        for table in snapshot.tables { lengths[table.dataFile] = table.dataLength }
        return BackupRecord(timestamp: timestamp, kind: kind, fileLengths: lengths)
    }

    /// The recovery history entry of a successful backup (Db2 records successful backups: IBM, *Recovery history
    /// file*, https://ibm.com/support/knowledgecenter/SSEPGG_11.5.0/com.ibm.db2.luw.admin.ha.doc/doc/c0006136.html).
    /// The comment is `DB2 BACKUP <db> ONLINE|OFFLINE` for every kind, as LIST HISTORY shows it [out].
    static func historyEntry(
        database: String, timestamp: String, kind: BackupKind, online: Bool, end: Int64, firstLog: Int, lastLog: Int,
        location: String
    ) -> HistoryEntry {
        HistoryEntry(
            eid: 0, operation: "B", operationType: kind.historyType(online: online), startTime: timestamp,
            endTime: DB2Time.backupTimestamp(end), firstLog: LogFile.name(firstLog), lastLog: LogFile.name(lastLog),
            backupID: nil, comment: "DB2 BACKUP \(database) \(online ? "ONLINE" : "OFFLINE")", location: location,
            deviceType: "D", sqlcode: nil)
    }

    /// Where log file `number` is now: the active log directory, or the archive once it was moved there.
    private func logSource(_ number: Int, database: DatabaseState, store: DatabaseStore) throws -> String {
        let active = store.location.logFile(number)
        if FileSystem.exists(active) { return active }
        if let base = database.archiveDirectory {
            let archived = LogArchiver.archivePath(
                base: base, instance: store.instance, database: database.name, chain: database.log.chain)
                + "/\(LogFile.name(number))"
            if FileSystem.exists(archived) { return archived }
        }
        throw DB2Failure(DB2Message("SQL1273N", database.name, LogFile.name(number)))
    }

    /// FORCE APPLICATION or DB2STOP FORCE ended the utility: it fails with SQL1224N.
    private func requireRegistered(_ utility: InstanceState.Utility) throws {
        let registered = try session.instance.read().liveConnections.contains { $0.utility?.id == utility.id }
        if !registered { throw DB2Failure(DB2Message("SQL1224N")) }
    }

    /// Forgets an online backup that failed (the image writer removes its partial file).
    private func abandon(_ start: Start, store: DatabaseStore) {
        guard request.online, let me = ProcessIdentity.current else { return }
        // Best effort: if this fails, the entry goes away anyway once this process has ended.
        _ = try? store.update { database in database.backupsInProgress.removeAll { $0.process == me } }
    }
}
