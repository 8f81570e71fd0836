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
            let header = BackupImage.Header(
                databaseName: start.snapshot.name, alias: start.entry.alias, instance: session.layout.instanceName,
                timestamp: start.timestamp, online: request.online, includesLogs: includeLogs,
                seed: start.snapshot.seed, chain: start.snapshot.log.chain, start: start.snapshot.log.position,
                startTime: start.startTime, release: "11.5.8.0")
            try image.writeJSON(.header, name: "BACKUP.HEADER", header)
            try image.writeJSON(.catalog, name: "SQLDBCONF", start.snapshot)
            for table in start.snapshot.tables {
                try image.writeFileEntry(
                    .dataFile, name: table.dataFile, source: store.location.dataFile(table.dataFile),
                    length: table.dataLength)
            }
            try session.faults.checkpoint(.afterData, command: commandText)
            try requireRegistered(start.utility)
            try finish(image: image, start: start, store: store, includeLogs: includeLogs)
        } catch let error as SystemCallError where error.isNoSpace {
            abandon(start, store: store)
            throw DB2Failure(DB2Message("SQL2419N", target))
        } catch {
            abandon(start, store: store)
            throw error
        }
        return CommandOutput(text: "\nBackup successful. The timestamp for this backup image is : \(start.timestamp)\n\n")
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
            let store = session.instance.databaseStore(for: entry)
            let (snapshot, timestamp, startTime) = try store.update {
                database -> (DatabaseState, String, Int64) in
                if database.rollforward != nil { throw DB2Failure(DB2Message("SQL1117N", entry.alias)) }
                if online, !database.isRecoverable || database.backupPending || database.archivingPendingActivation {
                    throw DB2Failure(DB2Message("SQL2413N"))
                }
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
                return (snapshot, timestamp, now)
            }
            let utility = try session.registerUtility(
                database: entry.alias, type: "BACKUP", description: online ? "online db" : "offline db",
                exclusive: !online, in: &state)
            return Start(entry: entry, utility: utility, snapshot: snapshot, timestamp: timestamp, startTime: startTime)
        }
    }

    /// Takes the end of the backup under the database lock: closes the current log file, copies the log written
    /// since the start into the image, moves the image into place, and only then records the backup (clearing BACKUP
    /// PENDING).
    private func finish(image: BackupImageWriter, start: Start, store: DatabaseStore, includeLogs: Bool) throws {
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
        }
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
