import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// RESTORE DATABASE.
///
/// Finds the image (`<alias>.0.<instance>.DBPART000.<timestamp>.001`) in the FROM directories, checks every byte of
/// it while unpacking into a new directory, and then puts the restored database in place of the old one (or
/// catalogs it). A database that was recoverable is left ROLLFORWARD PENDING; LOGTARGET extracts the logs the image
/// includes, and fails when a file of the same name is already there.
///
/// Restoring over an existing database warns SQL2539W (same database) or SQL2523W (another one of that name): a
/// prompt without REPLACE EXISTING or WITHOUT PROMPTING, a warning (rc 2) with either (a real `restore ... replace
/// existing` prints SQL2539W then DB20000I [out]). A real restore is destructive: once it has started writing, a
/// failure (damaged image, a LOGTARGET collision, a full disk) leaves the old database RESTORE PENDING, refusing
/// connections with SQL1119N until a RESTORE completes [mem]; the stand-in marks it so when unpacking fails.
struct RestoreUtility {
    let session: CLPSession
    let request: RestoreRequest
    let commandText: String

    /// What the image held, unpacked.
    struct Unpacked {
        var header: BackupImage.Header
        var trailer: BackupImage.Trailer
        var catalog: DatabaseState
        var directory: String
        var logFiles: [String]
        /// The directory the image was found in (the history's LOCATION).
        var source: String
    }

    /// How ``install(_:as:replacing:nodeDirectory:mode:)`` leaves the database.
    enum InstallMode {
        /// A restore that completed (a full image, or the last step of an incremental restore).
        case complete
        /// The first step of a manual incremental restore: the target image's catalog, configuration and history,
        /// no data, RESTORE PENDING until the sequence completes.
        case incrementalStart(IncrementalRestoreProgress)
    }

    func run() throws -> CommandOutput {
        var messages: [DB2Message] = []
        do {
            return try restore(warnings: &messages)
        } catch let failure as DB2Failure {
            // Warnings given before the failure are printed before it.
            throw DB2Failure(messages: messages + failure.messages)
        }
    }

    private func restore(warnings messages: inout [DB2Message]) throws -> CommandOutput {
        if request.incrementalAutomatic { throw DB2Failure(DB2Message("SQL2571N", "1")) }
        if request.incrementalAbort { return try abortIncrementalRestore() }
        let target = request.into ?? request.database
        let progress = try incrementalProgress(of: target)
        let image = try findImage()
        let header = try readHeader(image)
        if !request.incremental, header.backupKind != .full { throw DB2Failure(DB2Message("SQL2573N")) }
        if !request.incremental, progress != nil {
            throw DB2Failure(DB2Message("SQL2576N", IncrementalRestoreStep.tableSpace))
        }
        if let logTarget = request.logTarget {
            guard FileSystem.isDirectory(logTarget) else { throw DB2Failure(DB2Message("SQL2036N", logTarget)) }
            guard header.includesLogs else { throw DB2Failure(DB2Message("SQL2581N", "1")) }
        } else if request.logsOnly {
            throw DB2Failure(DB2Message("SQL2032N", "LOGTARGET"))
        }
        let finalStep = progress.map { $0.targetTimestamp == header.timestamp } ?? (header.backupKind == .full)
        if finalStep, request.withoutRollingForward, header.online { throw DB2Failure(DB2Message("SQL2537N")) }
        if let logTarget = request.logTarget, !existingLogs(in: logTarget).isEmpty {
            try confirm(DB2Message("SQL2580W"), into: &messages)
        }
        if request.logsOnly {
            try session.requireStarted(try session.instance.read())
            _ = try unpack(image, into: nil)
            return .messages(messages + [.completed("RESTORE DATABASE")])
        }
        if let progress {
            let step = IncrementalRestoreStep(restore: self, image: image, header: header, progress: progress)
            try step.run(target: target)
            return .messages(messages + [.completed("RESTORE DATABASE")])
        }
        if header.backupKind != .full {
            return try startIncrementalRestore(image: image, header: header, target: target, messages: &messages)
        }
        let (existing, utility) = try prepareTarget(target, header: header, messages: &messages)
        defer { session.unregisterUtility(utility) }
        let defaultPath = try session.instance.read().defaultDatabasePath
        let nodeDirectory = session.layout.nodeDirectory(
            onPath: existing?.localDirectory ?? request.onPath ?? defaultPath)
        try FileSystem.createDirectory(nodeDirectory)
        let workDirectory = "\(nodeDirectory)/RESTORE.\(getpid())"
        FileSystem.remove(workDirectory)
        let unpacked: Unpacked
        do {
            unpacked = try unpack(image, into: workDirectory)
        } catch {
            FileSystem.remove(workDirectory)
            if let existing { markRestorePending(existing) }
            throw error
        }
        do {
            try install(unpacked, as: target, replacing: existing, nodeDirectory: nodeDirectory, mode: .complete)
        } catch {
            FileSystem.remove(workDirectory)
            throw error
        }
        return .messages(messages + [.completed("RESTORE DATABASE")])
    }

    // MARK: Manual incremental restore

    /// The incremental restore under way on `target`, if any.
    private func incrementalProgress(of target: String) throws -> IncrementalRestoreProgress? {
        guard let entry = try session.instance.read().entry(target) else { return nil }
        return try? session.instance.databaseStore(for: entry).read { $0.incrementalRestore }
    }

    /// The first step: the target image (an incremental or delta image) is read for its catalog, configuration and
    /// history, and replaces (or creates) the database, which stays RESTORE PENDING, without data, until the full
    /// image, each incremental or delta image in order, and the target again have been restored. LOGTARGET given
    /// here extracts the target's logs now [inference: IBM does not say on which step of a manual sequence].
    private func startIncrementalRestore(
        image: String, header: BackupImage.Header, target: String, messages: inout [DB2Message]
    ) throws -> CommandOutput {
        let (existing, utility) = try prepareTarget(target, header: header, messages: &messages)
        defer { session.unregisterUtility(utility) }
        let defaultPath = try session.instance.read().defaultDatabasePath
        let nodeDirectory = session.layout.nodeDirectory(
            onPath: existing?.localDirectory ?? request.onPath ?? defaultPath)
        try FileSystem.createDirectory(nodeDirectory)
        let workDirectory = "\(nodeDirectory)/RESTORE.\(getpid())"
        FileSystem.remove(workDirectory)
        let unpacked: Unpacked
        do {
            unpacked = try unpack(image, into: workDirectory, data: false)
        } catch {
            FileSystem.remove(workDirectory)
            if let existing { markRestorePending(existing) }
            throw error
        }
        let progress = IncrementalRestoreProgress(targetTimestamp: header.timestamp, seed: header.seed, restored: [])
        do {
            try install(
                unpacked, as: target, replacing: existing, nodeDirectory: nodeDirectory,
                mode: .incrementalStart(progress))
        } catch {
            FileSystem.remove(workDirectory)
            throw error
        }
        return .messages(messages + [.completed("RESTORE DATABASE")])
    }

    /// RESTORE DATABASE ... INCREMENTAL ABORT: forgets the incremental restore under way; the database stays
    /// RESTORE PENDING (SQL1119N) until a RESTORE completes, or is dropped [inference: IBM says ABORT "cleans up
    /// any remaining resources" (DB2 V7 FP10 release notes 13.5) but not in what state it leaves the database].
    private func abortIncrementalRestore() throws -> CommandOutput {
        let target = request.into ?? request.database
        let (entry, utility) = try session.instance.update { state in
            try session.requireStarted(state)
            let entry = try session.entry(target, in: state)
            if !state.connections(to: entry.alias).isEmpty || state.activatedDatabases.contains(entry.alias) {
                throw DB2Failure(DB2Message("SQL1035N"))
            }
            let utility = try session.registerUtility(
                database: entry.alias, type: "RESTORE", description: "db", exclusive: true, in: &state)
            return (entry, utility)
        }
        defer { session.unregisterUtility(utility) }
        try session.instance.databaseStore(for: entry).update { database in
            guard database.incrementalRestore != nil else { return }
            database.incrementalRestore = nil
            database.restorePending = true
        }
        return .message(.completed("RESTORE DATABASE"))
    }

    // MARK: Finding and checking

    /// The one image in the FROM directories for the alias (and TAKEN AT, a timestamp or its leading part).
    func findImage() throws -> String {
        let sources = request.sources.isEmpty ? [FileSystem.currentDirectory()] : request.sources
        var matches: [String] = []
        for source in sources {
            guard FileSystem.isDirectory(source) else { throw DB2Failure(DB2Message("SQL2036N", source)) }
            for name in FileSystem.list(source) {
                guard let parsed = BackupImage.parseFileName(name), parsed.alias == request.database else { continue }
                if let takenAt = request.takenAt, !parsed.timestamp.hasPrefix(takenAt) { continue }
                matches.append("\(source)/\(name)")
            }
        }
        guard !matches.isEmpty else {
            throw DB2Failure(DB2Message("SQL2542N", request.database, request.takenAt ?? ""))
        }
        guard matches.count == 1 else { throw DB2Failure(DB2Message("SQL2522N")) }
        return matches[0]
    }

    func readHeader(_ path: String) throws -> BackupImage.Header {
        do {
            let reader = try BackupImageReader(path: path)
            guard let entry = try reader.nextEntry(), entry.kind == .header else { throw DB2Failure(DB2Message("SQL2530N")) }
            return try reader.decodeBody(BackupImage.Header.self, entry)
        } catch is BackupImageReader.Damage {
            throw DB2Failure(DB2Message("SQL2530N"))
        } catch is DecodingError {
            throw DB2Failure(DB2Message("SQL2530N"))
        }
    }

    private func existingLogs(in directory: String) -> [String] {
        FileSystem.list(directory).filter { LogFile.number(ofName: $0) != nil }
    }

    /// Prints a warning that asks for confirmation. Without WITHOUT PROMPTING the answer is read from standard
    /// input (end of input means no); with it the restore carries on.
    ///
    /// - Throws: ``DB2Failure`` SQL2001N when the answer is not `y`.
    private func confirm(_ warning: DB2Message, into messages: inout [DB2Message]) throws {
        if request.withoutPrompting {
            messages.append(warning)
            return
        }
        FileHandle.standardOutput.write(Data("\(warning)\nDo you want to continue ? (y/n) ".utf8))
        guard let line = session.readLine() else {
            // End of input: no answer, which is no.
            FileHandle.standardOutput.write(Data("\n".utf8))
            throw DB2Failure(DB2Message("SQL2001N"))
        }
        guard line.trimmingCharacters(in: .whitespaces).lowercased() == "y" else {
            throw DB2Failure(DB2Message("SQL2001N"))
        }
    }

    /// Checks the target database can be replaced (or created), asks about replacing it, and registers the restore.
    func prepareTarget(
        _ target: String, header: BackupImage.Header, messages: inout [DB2Message]
    ) throws -> (InstanceState.DirectoryEntry?, InstanceState.Utility) {
        let existing: InstanceState.DirectoryEntry? = try session.instance.update { state in
            try session.requireStarted(state)
            guard let entry = state.entry(target) else { return nil }
            if !state.connections(to: target).isEmpty || state.activatedDatabases.contains(target) {
                throw DB2Failure(DB2Message("SQL1035N"))
            }
            return entry
        }
        if let existing {
            let seed = try? session.instance.databaseStore(for: existing).read { $0.seed }
            let warning = DB2Message(seed == header.seed ? "SQL2539W" : "SQL2523W")
            if request.replaceExisting { messages.append(warning) } else { try confirm(warning, into: &messages) }
        }
        let utility = try session.instance.update { state in
            if let existing, !state.connections(to: existing.alias).isEmpty { throw DB2Failure(DB2Message("SQL1035N")) }
            return try session.registerUtility(
                database: target, type: "RESTORE", description: "db", exclusive: true, in: &state)
        }
        return (existing, utility)
    }

    /// Leaves the database restored over RESTORE PENDING (best effort: the failure being reported matters more).
    func markRestorePending(_ existing: InstanceState.DirectoryEntry) {
        _ = try? session.instance.databaseStore(for: existing).update { database in database.restorePending = true }
    }

    // MARK: Unpacking

    /// Reads the whole image, checking every checksum: data files go into `directory` (nil, or `data` false: only
    /// logs are wanted), logs into LOGTARGET (under temporary names, renamed only once the image proved whole). The
    /// data of an incremental or delta image is written at the offsets its header gives, over the files earlier
    /// images of the sequence left there.
    func unpack(_ path: String, into directory: String?, data: Bool = true) throws -> Unpacked {
        var temporaries: [(String, String)] = []
        defer { for (temporary, _) in temporaries { unlink(temporary) } }
        do {
            let reader = try BackupImageReader(path: path)
            var header: BackupImage.Header?
            var trailer: BackupImage.Trailer?
            var catalog: DatabaseState?
            var logFiles: [String] = []
            if let directory { try FileSystem.createDirectory("\(directory)/DATA") }
            while let entry = try reader.nextEntry() {
                switch entry.kind {
                case .header: header = try reader.decodeBody(BackupImage.Header.self, entry)
                case .trailer: trailer = try reader.decodeBody(BackupImage.Trailer.self, entry)
                case .catalog: catalog = try reader.decodeBody(DatabaseState.self, entry)
                case .dataFile:
                    guard let directory, data else {
                        try reader.streamBody(entry) { _ in }
                        continue
                    }
                    let offset = header?.dataOffsets?[entry.name] ?? 0
                    try copy(reader, entry, to: "\(directory)/DATA/\(entry.name)", at: offset)
                case .logFile:
                    logFiles.append(entry.name)
                    guard let logTarget = request.logTarget else {
                        try reader.streamBody(entry) { _ in }
                        continue
                    }
                    let final = "\(logTarget)/\(entry.name)"
                    if FileSystem.exists(final) { throw DB2Failure(DB2Message("SQL2581N", "3")) }
                    let temporary = "\(final).tmp.\(getpid())"
                    temporaries.append((temporary, final))
                    try copy(reader, entry, to: temporary)
                }
            }
            guard let header, let trailer, let catalog else { throw BackupImageReader.Damage(description: "incomplete") }
            for (temporary, final) in temporaries {
                if FileSystem.exists(final) { throw DB2Failure(DB2Message("SQL2581N", "3")) }
                try FileSystem.rename(temporary, to: final)
            }
            temporaries.removeAll()
            return Unpacked(
                header: header, trailer: trailer, catalog: catalog, directory: directory ?? "", logFiles: logFiles,
                source: String(path.prefix(upTo: path.lastIndex(of: "/") ?? path.startIndex)))
        } catch is BackupImageReader.Damage {
            throw DB2Failure(DB2Message("SQL2530N"))
        } catch is DecodingError {
            throw DB2Failure(DB2Message("SQL2530N"))
        } catch let error as SystemCallError where error.isNoSpace {
            throw DB2Failure(DB2Message("SQL0968C"))
        }
    }

    /// Writes the body of `entry` into the file at `path` from `start` on (0: the whole file), cutting off
    /// whatever the file held past it.
    func copy(_ reader: BackupImageReader, _ entry: BackupImageReader.Entry, to path: String, at start: Int64 = 0)
        throws
    {
        let flags = start == 0 ? O_WRONLY | O_CREAT | O_TRUNC : O_WRONLY | O_CREAT
        let file = try RawFile(path: path, flags: flags, mode: 0o600)
        var offset = start
        try reader.streamBody(entry) { chunk in
            try file.write(chunk, at: offset)
            offset += Int64(chunk.count)
        }
        if start > 0 { try file.truncate(to: offset) }
    }

    /// Keeps the active log files of the database restored over when it is the same database (SQL2539W): ROLLFORWARD
    /// ... TO END OF LOGS reads them after the logs in the image and the archive.
    func keepLogFiles(of old: DatabaseLocation, seed: UInt32, in new: DatabaseLocation) throws {
        for name in FileSystem.list(old.logDirectory) where LogFile.number(ofName: name) != nil {
            let source = "\(old.logDirectory)/\(name)"
            guard let header = try? RawFile(path: source, flags: O_RDONLY).read(at: 0, count: Int(LogFile.headerSize)),
                LogFile.readHeader(header)?.seed == seed
            else { continue }
            try FileSystem.rename(source, to: "\(new.logDirectory)/\(name)")
        }
    }

    /// Writes the restored database's state into the unpacked directory and puts it in place.
    ///
    /// Its recovery history: a new database gets the image's ("Restores the recovery history file for the
    /// database", IBM, *Restoring to a new database*, https://www.ibm.com/docs/en/db2/11.5.x?topic=data-new-database;
    /// "If you restore the dropped database, the database history will be restored to its state at the time of the
    /// restored backup", IBM, *Limitations to automatic incremental restore*,
    /// https://www.ibm.com/docs/en/db2/12.1?topic=recovery-limitations-automatic-incremental-restore), which
    /// includes the backup itself [inference]; an existing database keeps its own unless it has none [mem: IBM,
    /// *Restoring to an existing database*]. A completed restore adds its own entry (`R`). Modification tracking
    /// comes from the image: the restored backup is the base of the next DELTA (and, a full, of the next
    /// INCREMENTAL).
    func install(
        _ unpacked: Unpacked, as target: String, replacing existing: InstanceState.DirectoryEntry?,
        nodeDirectory: String, mode: InstallMode
    ) throws {
        var state = unpacked.catalog
        let header = unpacked.header
        let retained = existing.flatMap { try? session.instance.databaseStore(for: $0).read { $0.history } } ?? nil
        state.history = unpacked.catalog.history
        state.recordHistory(
            BackupUtility.historyEntry(
                database: header.databaseName, timestamp: header.timestamp, kind: header.backupKind,
                online: header.online, end: unpacked.trailer.endTime, firstLog: header.start.file,
                lastLog: unpacked.trailer.end.file, location: unpacked.source))
        if let retained, !retained.isEmpty { state.history = retained }
        if state.tracking != nil {
            let record = BackupUtility.record(of: unpacked.catalog, timestamp: header.timestamp, kind: header.backupKind)
            state.tracking?.lastBackup = record
            if header.backupKind == .full { state.tracking?.lastFull = record }
        }
        if case .complete = mode {
            state.recordHistory(
                HistoryEntry(
                    eid: 0, operation: "R", operationType: request.incremental ? "I" : "F",
                    startTime: DB2Time.backupTimestamp(DB2Time.now()), endTime: DB2Time.backupTimestamp(DB2Time.now()),
                    firstLog: nil, lastLog: nil, backupID: header.timestamp, comment: "DB2 RESTORE \(target)",
                    location: unpacked.source, deviceType: "D", sqlcode: nil))
        }
        state.name = target
        state.backupPending = false
        state.restorePending = nil
        state.archivingPendingActivation = false
        state.backupsInProgress = []
        state.filesToDelete = []
        state.lastCommitTime = unpacked.trailer.lastCommitTime
        state.log.chain = unpacked.header.chain + 1
        state.log.archivedThrough = unpacked.trailer.end.file
        let recoverable = state.isRecoverable
        if unpacked.header.online || (recoverable && !request.withoutRollingForward) {
            let start = unpacked.header.start
            let end = unpacked.header.online ? unpacked.trailer.end : start
            state.rollforward = RollforwardState(
                start: start, minimumEnd: end, minimumEndTime: unpacked.trailer.endTime, reached: start,
                sourceInstance: unpacked.header.instance, sourceDatabase: unpacked.header.databaseName,
                sourceChain: unpacked.header.chain,
                lastCommitTime: unpacked.trailer.lastCommitTime ?? unpacked.trailer.endTime,
                firstFileProcessed: nil, lastFileProcessed: nil, working: false)
        } else {
            state.rollforward = nil
        }
        state.incrementalRestore = nil
        if case .incrementalStart(let progress) = mode {
            state.tables = []
            state.restorePending = true
            state.incrementalRestore = progress
        }
        let work = DatabaseStore(location: DatabaseLocation(root: unpacked.directory), instance: session.layout.instanceName)
        state.log.position = LogPosition(file: unpacked.trailer.end.file + 1, offset: LogFile.headerSize)
        if state.rollforward == nil {
            try LogWriter.start(state: &state, location: work.location, firstFile: unpacked.trailer.end.file + 1)
        } else {
            // The log starts again when ROLLFORWARD completes, after the last file it read.
            state.log.currentFileSize = LogWriter.fileSize(for: state)
            try FileSystem.createDirectory(work.location.logDirectory)
        }
        try work.save(state)
        try session.instance.update { instance in
            if let existing {
                let final = session.instance.location(of: existing).root
                let old = "\(final).old.\(getpid())"
                if state.rollforward != nil {
                    try keepLogFiles(of: DatabaseLocation(root: final), seed: state.seed, in: work.location)
                }
                try FileSystem.rename(final, to: old)
                try FileSystem.rename(unpacked.directory, to: final)
                FileSystem.remove(old)
            } else {
                var number = instance.nextDatabaseNumber
                var subdirectory = "SQL\(DB2Time.pad(number, 5))"
                while FileSystem.exists("\(nodeDirectory)/\(subdirectory)") {
                    number += 1
                    subdirectory = "SQL\(DB2Time.pad(number, 5))"
                }
                instance.nextDatabaseNumber = number + 1
                try FileSystem.rename(unpacked.directory, to: "\(nodeDirectory)/\(subdirectory)")
                let path = String(nodeDirectory.dropLast("/\(session.layout.instanceName)/NODE0000".count))
                instance.directory.append(
                    InstanceState.DirectoryEntry(
                        alias: target, name: target, localDirectory: path, subdirectory: subdirectory, comment: ""))
            }
        }
    }
}
