import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// ROLLFORWARD DATABASE: replays, in order, the transactions the log holds after the restored image, up to the end
/// of the backup, the end of the logs or a point in time, and with AND COMPLETE ends ROLLFORWARD PENDING.
///
/// Log files are looked for in the OVERFLOW LOG PATH directories, then in the archive the database's LOGARCHMETH1
/// names (for the instance, database and log chain that wrote them), then in the active log directory; a file counts
/// only when its header names the same database (seed) and log chain.
struct RollforwardUtility {
    let session: CLPSession
    let request: RollforwardRequest
    /// The alias as typed, which the status shows.
    let aliasAsTyped: String

    /// What a rollforward did, for its status report.
    private enum Outcome {
        case notPending
        case status(RollforwardState, completed: Bool)
        /// The replay got as far as it could, but a stop was asked for before the minimum recovery point.
        case failed(DB2Message, RollforwardState)
    }

    func run() throws -> CommandOutput {
        if request.cancel { throw DB2Failure(DB2Message("SQL0104N", "CANCEL", aliasAsTyped, "QUERY")) }
        let (entry, utility) = try session.instance.update { state in
            try session.requireStarted(state)
            let entry = try session.entry(request.database, in: state)
            if !request.queryStatus, !state.connections(to: entry.alias).isEmpty {
                throw DB2Failure(DB2Message("SQL1035N"))
            }
            let utility = try session.registerUtility(
                database: entry.alias, type: "ROLLFORWARD", description: "Database Rollforward Recovery",
                exclusive: !request.queryStatus, in: &state)
            return (entry, utility)
        }
        defer { session.unregisterUtility(utility) }
        let store = session.instance.databaseStore(for: entry)
        let outcome = try store.update { database -> Outcome in
            guard var progress = database.rollforward else { return .notPending }
            if request.queryStatus { return .status(progress, completed: false) }
            if let stopPoint = request.stopPoint {
                let halt = try replay(to: stopPoint, progress: &progress, database: &database, store: store)
                progress.working = true
                database.rollforward = progress
                // What was replayed stays replayed: a later ROLLFORWARD goes on from here (or STOP ends here).
                if let halt { return .failed(halt, progress) }
            }
            guard request.complete else { return .status(progress, completed: false) }
            guard progress.reached >= progress.minimumEnd else {
                let time = DB2Time.timestamp(progress.minimumEndTime, local: request.showLocalTime)
                return .failed(DB2Message("SQL1276N", entry.alias, time), progress)
            }
            try complete(progress: progress, database: &database, store: store)
            return .status(progress, completed: true)
        }
        switch outcome {
        case .notPending:
            if request.queryStatus { return CommandOutput(text: notPendingStatus()) }
            throw DB2Failure(DB2Message("SQL1260N", entry.alias))
        case .status(let progress, let completed):
            return CommandOutput(text: status(progress, completed: completed) + "\(DB2Message.completed("ROLLFORWARD"))\n")
        case .failed(let message, _):
            throw DB2Failure(message)
        }
    }

    // MARK: Replay

    /// Replays complete transactions from where the last ROLLFORWARD got to, up to the stop point.
    ///
    /// A point in time takes "all committed transactions ... including the transaction committed precisely at that
    /// time" and stops at the first one committed later [mem: the wording of IBM's *ROLLFORWARD DATABASE command*,
    /// `isotime`, https://www.ibm.com/docs/en/db2/11.5?topic=commands-rollforward-database]. Returns the message the
    /// command fails with when replay halted before the stop point, nil when it got there:
    /// * OVERFLOW LOG PATH holds, under the name of the next file, a file of another log chain or database, and no
    ///   place holds the right one: SQL1265N naming it [mem];
    /// * a log file needed up to the end of the backup (the minimum recovery point) is nowhere: SQL1273N naming it
    ///   [mem];
    /// * a log file is missing while a later one of the same database and log chain is there (a gap): SQL1273N naming
    ///   the missing one [inference: Db2 knows the chain goes on];
    /// * a point in time and the logs end before a transaction committed after it: SQL4970N naming the next log file
    ///   ("A rollforward operation to a point in time returns a success message only if there is a transaction with
    ///   a larger timestamp value in the log files. Even if there is no transaction with a larger timestamp, you can
    ///   still issue a rollforward operation with the COMPLETE option", same page [mem]; IBM support, *SQL1268N ...
    ///   INCLUDE LOGS*, http://www-1.ibm.com/support/docview.wss?uid=swg21209404: "the rollforward operation
    ///   finishes successfully only after a timestamp2 greater than timestamp1 is found"). END OF LOGS ends there
    ///   successfully ("When no additional logs can be found, the rollforward operation ends successfully", same
    ///   support page).
    ///
    /// - Throws: ``DB2Failure`` SQL1275N for a point in time before the end of the backup (nothing is replayed).
    private func replay(
        to stopPoint: RollforwardRequest.StopPoint, progress: inout RollforwardState, database: inout DatabaseState,
        store: DatabaseStore
    ) throws -> DB2Message? {
        var stopTime: Int64?
        if case .time(let text, let local) = stopPoint {
            guard let fields = DB2Time.parseFields(text), let time = DB2Time.instant(fields, local: local) else {
                throw DB2Failure(DB2Message("SQL0104N", text, "TO", "END"))
            }
            if time < progress.minimumEndTime {
                let shown = DB2Time.timestamp(progress.minimumEndTime, local: local)
                throw DB2Failure(DB2Message("SQL1275N", shown, database.name))
            }
            stopTime = time
        }
        var pending: [UInt64: [LogFile.Frame]] = [:]
        var file = progress.reached.file
        scanning: while true {
            if case .endOfBackup = stopPoint, progress.reached >= progress.minimumEnd { break }
            let search = findLogFile(file, progress: progress, database: database, store: store)
            guard let bytes = search.bytes else {
                if let foreign = search.foreignInOverflowPath {
                    return DB2Message("SQL1265N", foreign, database.name)
                }
                if progress.reached < progress.minimumEnd
                    || hasLaterLogFile(than: file, progress: progress, database: database, store: store)
                {
                    return DB2Message("SQL1273N", database.name, LogFile.name(file))
                }
                if stopTime != nil { return DB2Message("SQL4970N", database.name, LogFile.name(file)) }
                break
            }
            progress.firstFileProcessed = progress.firstFileProcessed ?? file
            progress.lastFileProcessed = file
            for (frame, end) in LogFile.frames(in: bytes, fileNumber: file) where end > progress.reached {
                if case .endOfBackup = stopPoint, end > progress.minimumEnd { break scanning }
                pending[frame.transactionID, default: []].append(frame)
                guard frame.isLast, let pieces = pending.removeValue(forKey: frame.transactionID) else { continue }
                if let stopTime, frame.commitTime > stopTime { break scanning }
                let operations = try DatabaseOperation.decode(pieces.flatMap(\.bytes))
                for operation in operations { try operation.apply(to: &database, location: store.location) }
                database.lastCommitTime = frame.commitTime
                progress.lastCommitTime = frame.commitTime
                progress.reached = end
            }
            file += 1
            progress.reached = max(progress.reached, LogPosition(file: file, offset: LogFile.headerSize))
        }
        return nil
    }

    /// Where a log file was looked for and what was found.
    private struct LogSearch {
        /// The file of the database's log chain, from the first place that has it.
        var bytes: [UInt8]?
        /// The path of a file of that name in OVERFLOW LOG PATH that belongs to another log chain or database.
        var foreignInOverflowPath: String?
    }

    /// Log file `number` of the database's original log chain: from OVERFLOW LOG PATH, the archive of the instance,
    /// database and chain that wrote it, or the active log directory. Only a file whose header has the database's
    /// seed, the source chain and that number counts.
    private func findLogFile(
        _ number: Int, progress: RollforwardState, database: DatabaseState, store: DatabaseStore
    ) -> LogSearch {
        var search = LogSearch()
        for path in candidatePaths(number, progress: progress, database: database, store: store) {
            guard let bytes = try? FileSystem.read(path), let header = LogFile.readHeader(bytes) else { continue }
            if header.seed == database.seed, header.chain == progress.sourceChain, header.fileNumber == number {
                search.bytes = bytes
                return search
            }
            if search.foreignInOverflowPath == nil,
                request.overflowLogPaths.contains(where: { path.hasPrefix("\($0)/") })
            {
                search.foreignInOverflowPath = LogFile.name(number)
            }
        }
        return search
    }

    private func candidatePaths(
        _ number: Int, progress: RollforwardState, database: DatabaseState, store: DatabaseStore
    ) -> [String] {
        var candidates = request.overflowLogPaths.map { "\($0)/\(LogFile.name(number))" }
        if let archive = sourceArchive(progress: progress, database: database) {
            candidates.append("\(archive)/\(LogFile.name(number))")
        }
        candidates.append(store.location.logFile(number))
        return candidates
    }

    /// The archive directory of the instance, database and log chain that wrote the logs, when LOGARCHMETH1 is DISK.
    private func sourceArchive(progress: RollforwardState, database: DatabaseState) -> String? {
        database.archiveDirectory.map {
            LogArchiver.archivePath(
                base: $0, instance: progress.sourceInstance, database: progress.sourceDatabase,
                chain: progress.sourceChain)
        }
    }

    /// True when a log file numbered after `number`, of the database's seed and source chain, is in any place
    /// ROLLFORWARD reads: the chain goes on past a missing file.
    private func hasLaterLogFile(
        than number: Int, progress: RollforwardState, database: DatabaseState, store: DatabaseStore
    ) -> Bool {
        var directories = request.overflowLogPaths
        if let archive = sourceArchive(progress: progress, database: database) { directories.append(archive) }
        directories.append(store.location.logDirectory)
        for directory in directories {
            for name in FileSystem.list(directory) {
                guard let later = LogFile.number(ofName: name), later > number,
                    let file = try? RawFile(path: "\(directory)/\(name)", flags: O_RDONLY),
                    let header = LogFile.readHeader((try? file.read(at: 0, count: Int(LogFile.headerSize))) ?? [])
                else { continue }
                if header.seed == database.seed, header.chain == progress.sourceChain { return true }
            }
        }
        return false
    }

    /// Ends ROLLFORWARD PENDING: the database continues its log, in a new chain, in a new file after the last one
    /// read. Log files of the original chain still in the active log directory (kept from the database restored
    /// over) are archived first, so that a later restore of an older image can still roll forward through them.
    private func complete(progress: RollforwardState, database: inout DatabaseState, store: DatabaseStore) throws {
        let next = max(database.log.position.file, (progress.lastFileProcessed ?? -1) + 1)
        let archive = sourceArchive(progress: progress, database: database)
        for name in FileSystem.list(store.location.logDirectory) where LogFile.number(ofName: name) != nil {
            let path = "\(store.location.logDirectory)/\(name)"
            if let archive, !FileSystem.exists("\(archive)/\(name)"), let bytes = try? FileSystem.read(path),
                let header = LogFile.readHeader(bytes), header.seed == database.seed,
                header.chain == progress.sourceChain
            {
                try FileSystem.createDirectory(archive)
                try FileSystem.copyAtomically(path, to: "\(archive)/\(name)")
            }
            FileSystem.remove(path)
        }
        try LogWriter.start(state: &database, location: store.location, firstFile: next)
        database.log.archivedThrough = next - 1
        database.rollforward = nil
        database.backupPending = false
    }

    // MARK: Status

    private func status(_ progress: RollforwardState, completed: Bool) -> String {
        let state = completed ? "not pending" : (progress.working ? "DB  working" : "DB  pending")
        let next = completed ? "" : LogFile.name(progress.reached.file)
        var processed = " -"
        if let first = progress.firstFileProcessed, let last = progress.lastFileProcessed {
            processed = "\(LogFile.name(first)) - \(LogFile.name(last))"
        }
        let time = progress.lastCommitTime ?? progress.minimumEndTime
        return report(status: state, next: next, processed: processed, lastCommit: time)
    }

    private func notPendingStatus() -> String {
        report(status: "not pending", next: "", processed: " -", lastCommit: nil)
    }

    private func report(status: String, next: String, processed: String, lastCommit: Int64?) -> String {
        var commit = ""
        if let lastCommit {
            let fields = DB2Time.fields(lastCommit, local: request.showLocalTime)
            let seconds = DB2Time.instant(
                DB2Time.Fields(
                    year: fields.year, month: fields.month, day: fields.day, hour: fields.hour, minute: fields.minute,
                    second: fields.second, microsecond: 0), local: request.showLocalTime)
            commit = DB2Time.timestamp(seconds ?? lastCommit, local: request.showLocalTime)
                + (request.showLocalTime ? " Local" : " UTC")
        }
        let lines = [
            "",
            "                                 Rollforward Status",
            "",
            " Input database alias                   = \(aliasAsTyped)",
            " Number of members have returned status = 1",
            "",
            " Member ID                              = 0",
            " Rollforward status                     = \(status)",
            " Next log file to be read               = \(next)",
            " Log files processed                    = \(processed)",
            " Last committed transaction             = \(commit)",
            "",
        ]
        return lines.map { ($0.hasSuffix(" = ") ? String($0.dropLast()) : $0) + "\n" }.joined()
    }
}
