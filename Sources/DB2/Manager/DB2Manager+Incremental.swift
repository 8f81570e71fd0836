import AgentSupport
import Logging

/// What incremental and delta backups need from Db2: change tracking, the recovery history that decides what an
/// incremental is based on, and Db2's manual incremental restore.
extension DB2Manager {
    /// Turns `TRACKMOD` on for `name` when it is off (IBM, *trackmod - Track modified pages enable*: "after this
    /// parameter is set to YES, you must take a full database backup in order to have a baseline against which
    /// incremental backups can be taken").
    ///
    /// - Returns: true when it was on already; false when it was just turned on, so that the next backup of the
    ///   database must be full.
    /// - Throws: ``DB2Error`` when the configuration cannot be read or changed.
    public nonisolated func ensureChangeTracking(of name: DatabaseName) async throws(DB2Error) -> Bool {
        let listing = try await databaseConfiguration(name)
        if listing[parameter: "TRACKMOD"]?.uppercased() == "YES" { return true }
        try await executor.clpChecked(
            ["UPDATE DATABASE CONFIGURATION FOR \(name) USING TRACKMOD YES"], step: "set TRACKMOD",
            database: name.value, timeout: configuration.commandTimeout, tolerating: ["SQL1363W"])
        logger.notice(
            "change tracking (TRACKMOD) turned on: the next backup of the database is full",
            metadata: ["db2.database": "\(name)"])
        return false
    }

    /// The successful backups of `name` that Db2's recovery history file records (`SYSIBMADM.DB_HISTORY`,
    /// OPERATION `B`), oldest first. A connecting query.
    ///
    /// - Throws: ``DB2Error`` when the database cannot be connected to or the output is not a table.
    public nonisolated func backupHistory(of name: DatabaseName) async throws(DB2Error) -> [BackupHistoryEntry] {
        let step = "read the backup history"
        let statements = [
            "CONNECT TO \(name)",
            "SELECT START_TIME, OPERATIONTYPE, SQLCODE, DEVICETYPE, LOCATION FROM SYSIBMADM.DB_HISTORY WHERE OPERATION = 'B'",
        ]
        let transcript = try await connectingJob { () throws(DB2Error) in
            try await executor.clpChecked(
                statements, step: step, database: name.value, timeout: configuration.commandTimeout,
                tolerating: ["SQL0100W"])
        }
        let output = transcript.statements[1].output
        guard let table = CLPTable(output) else {
            // No rows: the CLP prints the heading anyway; an output without one is not DB_HISTORY's.
            if output.contains("0 record(s) selected") { return [] }
            throw DB2Error(.commandFailed, step: step, database: name.value, detail: "no table in: \(output.excerpt)")
        }
        return Self.historyEntries(table)
    }

    /// The successful backup rows of a DB_HISTORY table (a negative SQLCODE is a failed backup; an unknown
    /// operation type or a malformed timestamp is not a backup the agent can build on), oldest first.
    static func historyEntries(_ table: CLPTable) -> [BackupHistoryEntry] {
        table.records.compactMap { row -> BackupHistoryEntry? in
            guard let start = row["START_TIME"] ?? nil, start.count == 14, start.allSatisfy(\.isASCIIDigit),
                let code = row["OPERATIONTYPE"] ?? nil, let kind = BackupImageKind(historyOperationType: code)
            else { return nil }
            if let sqlcode = row["SQLCODE"] ?? nil, let value = Int(sqlcode), value < 0 { return nil }
            let online = ["N", "O", "E"].contains(code.uppercased())
            return BackupHistoryEntry(timestamp: start, kind: kind, online: online, location: row["LOCATION"] ?? nil)
        }
        .sorted { $0.timestamp < $1.timestamp }
    }

    /// Db2's manual incremental restore of one database (IBM, *Restoring from incremental backup images*): the
    /// target image first (Db2 reads its history, configuration and table space definitions), then the full image
    /// and each incremental or delta image in order, then the target again for its data; for an online target,
    /// `ROLLFORWARD ... TO END OF BACKUP AND COMPLETE` with the logs the target carries, extracted into
    /// `logDirectory` on its last read. Archive logging is checked afterwards, as after a full restore.
    ///
    /// When a step fails, `RESTORE DATABASE d INCREMENTAL ABORT` ends the sequence, so the database is left
    /// restore pending (never half restored and usable), and the step's error is thrown.
    ///
    /// - Parameters:
    ///   - target: the image whose state the database gets.
    ///   - chain: the images the target builds on, the full image first, in the order they were taken.
    ///   - online: the target is an online image (rolled forward); otherwise restored without rolling forward.
    public func restoreIncremental(
        _ target: BackupImage, chain: [BackupImage], online: Bool, logDirectory: String,
        until point: RollforwardTarget = .endOfBackup
    ) async throws(DB2Error) {
        try await exclusive { () throws(DB2Error) in
            let name = target.database
            let step = "incremental RESTORE DATABASE"
            guard !chain.isEmpty, chain.allSatisfy({ $0.database == name }) else {
                throw .invalid("an incremental restore needs the full image and the images in between", step: step)
            }
            if online { try await ensureOwnedDirectory(logDirectory, mode: 0o750, step: "create the log target") }
            let logs = try Self.clpPath(logDirectory, step: step)
            var commands: [(String, String)] = []
            func from(_ image: BackupImage) throws(DB2Error) -> String {
                "FROM \(try Self.clpPath(PathText.parent(image.path), step: step)) TAKEN AT \(image.timestamp)"
            }
            commands.append((
                "RESTORE DATABASE \(name) INCREMENTAL \(try from(target)) REPLACE EXISTING WITHOUT PROMPTING",
                "RESTORE DATABASE INCREMENTAL (target \(target.timestamp), first read)"))
            for image in chain {
                commands.append((
                    "RESTORE DATABASE \(name) INCREMENTAL \(try from(image)) WITHOUT PROMPTING",
                    "RESTORE DATABASE INCREMENTAL (\(image.timestamp))"))
            }
            commands.append((
                online
                    ? "RESTORE DATABASE \(name) INCREMENTAL \(try from(target)) LOGTARGET \(logs) WITHOUT PROMPTING"
                    : "RESTORE DATABASE \(name) INCREMENTAL \(try from(target)) WITHOUT ROLLING FORWARD WITHOUT PROMPTING",
                "RESTORE DATABASE INCREMENTAL (target \(target.timestamp))"))
            do throws(DB2Error) {
                for (statement, label) in commands {
                    try await executor.clpChecked(
                        [statement], step: label, database: name.value, timeout: configuration.restoreTimeout,
                        tolerating: Self.restoreWarnings)
                }
            } catch {
                await abortIncrementalRestore(name)
                throw error
            }
            if online {
                try await rollforward(name, to: point, logs: logs)
            }
            logger.info(
                "database restored from an incremental chain",
                metadata: [
                    "db2.database": "\(name)", "db2.target": "\(target.timestamp)",
                    "db2.chain": "\(chain.map(\.timestamp).joined(separator: ","))",
                ])
            if configuration.backupStrategy == .online {
                _ = try await ensureRecoverable(name)
            }
        }
    }

    /// The warnings a successful RESTORE may print: SQL2539W (restoring over the database of the same name),
    /// SQL2580W (the logs extracted to LOGTARGET), SQL2540W (restore successful, with a warning during an
    /// incremental step).
    static let restoreWarnings: Set<String> = ["SQL2539W", "SQL2580W", "SQL2540W"]

    /// `RESTORE DATABASE d INCREMENTAL ABORT`, best effort: a failed incremental restore leaves the database
    /// restore pending, not mid-sequence.
    private nonisolated func abortIncrementalRestore(_ name: DatabaseName) async {
        do throws(DB2Error) {
            try await executor.clpChecked(
                ["RESTORE DATABASE \(name) INCREMENTAL ABORT"], step: "RESTORE DATABASE INCREMENTAL ABORT",
                database: name.value, timeout: configuration.commandTimeout)
        } catch {
            logger.warning(
                "could not abort the incremental restore", metadata: ["db2.database": "\(name)", "error": "\(error)"])
        }
    }
}

extension DB2Manager {
    /// `ROLLFORWARD DATABASE d <target> OVERFLOW LOG PATH (<logs>)`. To a time: Db2 completes only once it has
    /// seen a transaction committed after the time; when the logs end first it stops with SQL4970N, having replayed
    /// every transaction in them (IBM, *ROLLFORWARD DATABASE*: the rollforward "returns a success message only if
    /// there is a transaction with a larger timestamp value in the log files", and can then be ended with STOP).
    /// The logs given were chosen to reach the time, so the agent then ends it with `ROLLFORWARD ... STOP`.
    func rollforward(_ name: DatabaseName, to target: RollforwardTarget, logs: String) async throws(DB2Error) {
        do throws(DB2Error) {
            try await executor.clpChecked(
                ["ROLLFORWARD DATABASE \(name) \(target.clause) OVERFLOW LOG PATH (\(logs))"],
                step: "ROLLFORWARD DATABASE", database: name.value, timeout: configuration.restoreTimeout)
        } catch where error.message?.code == "SQL4970" {
            guard case .time = target else { throw error }
            logger.notice(
                "no transaction after the target time in the logs: every one in them is replayed; ending the rollforward there",
                metadata: ["db2.database": "\(name)", "db2.target": "\(target)"])
            try await executor.clpChecked(
                ["ROLLFORWARD DATABASE \(name) STOP OVERFLOW LOG PATH (\(logs))"],
                step: "ROLLFORWARD DATABASE STOP", database: name.value, timeout: configuration.restoreTimeout)
        }
    }
}
