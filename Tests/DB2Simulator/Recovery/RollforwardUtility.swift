import Foundation

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
                try replay(to: stopPoint, progress: &progress, database: &database, store: store)
                progress.working = true
                database.rollforward = progress
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

    private func replay(
        to stopPoint: RollforwardRequest.StopPoint, progress: inout RollforwardState, database: inout DatabaseState,
        store: DatabaseStore
    ) throws {
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
            guard let bytes = findLogFile(file, progress: progress, database: database, store: store) else {
                if progress.reached >= progress.minimumEnd { break }
                // A log file the database needs to be consistent (up to the end of the backup) is nowhere: SQL1273N
                // "... cannot continue because of a missing log file" [mem]; a later stop point past that end
                // stops at the end of the logs found.
                throw DB2Failure(DB2Message("SQL1273N", database.name, LogFile.name(file)))
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
    }

    /// The bytes of log file `number` of the database's original log chain, from the first place that has it.
    private func findLogFile(
        _ number: Int, progress: RollforwardState, database: DatabaseState, store: DatabaseStore
    ) -> [UInt8]? {
        var candidates = request.overflowLogPaths.map { "\($0)/\(LogFile.name(number))" }
        if let base = database.archiveDirectory {
            let archive = LogArchiver.archivePath(
                base: base, instance: progress.sourceInstance, database: progress.sourceDatabase,
                chain: progress.sourceChain)
            candidates.append("\(archive)/\(LogFile.name(number))")
        }
        candidates.append(store.location.logFile(number))
        for path in candidates {
            guard let bytes = try? FileSystem.read(path), let header = LogFile.readHeader(bytes),
                header.seed == database.seed, header.chain == progress.sourceChain, header.fileNumber == number
            else { continue }
            return bytes
        }
        return nil
    }

    /// Ends ROLLFORWARD PENDING: the database continues its log, in a new chain, in a new file after the last one
    /// read. Log files of the original chain still in the active log directory (kept from the database restored
    /// over) are archived first, so that a later restore of an older image can still roll forward through them.
    private func complete(progress: RollforwardState, database: inout DatabaseState, store: DatabaseStore) throws {
        let next = max(database.log.position.file, (progress.lastFileProcessed ?? -1) + 1)
        let archive = database.archiveDirectory.map {
            LogArchiver.archivePath(
                base: $0, instance: progress.sourceInstance, database: progress.sourceDatabase,
                chain: progress.sourceChain)
        }
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
