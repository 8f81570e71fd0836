import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Reads and changes one database on disk under its lock file.
///
/// A change is committed by writing its log record, appending its rows to the data files, and then replacing the
/// state file (the commit point). A process killed before that leaves bytes past the recorded ends of the log and of
/// the data files; the next writer cuts them off before it starts (``recover(_:)``), so the database always shows
/// exactly the committed changes. Readers take the lock shared and never look past the recorded ends.
struct DatabaseStore {
    let location: DatabaseLocation
    /// The instance name, part of the log archive path.
    let instance: String

    /// Reads the state under a shared lock and passes it to `body` while the lock is held.
    func read<T>(_ body: (DatabaseState) throws -> T) throws -> T {
        try withFileLock(location.lockFile, .shared) { try body(try load()) }
    }

    /// Takes the lock exclusively, repairs what a killed writer left, runs `body` and saves the state it leaves
    /// (when it changed). Closed log files are then archived.
    func update<T>(_ body: (inout DatabaseState) throws -> T) throws -> T {
        try withFileLock(location.lockFile, .exclusive) {
            var state = try load()
            let loaded = state
            try recover(&state)
            let result = try body(&state)
            LogArchiver.archiveAndPrune(state: &state, location: location, instance: instance)
            deleteUnneededFiles(&state)
            if state != loaded { try save(state) }
            return result
        }
    }

    /// Logs `operations` as one transaction and applies them; they become durable when ``update(_:)`` saves.
    func commit(_ operations: [DatabaseOperation], state: inout DatabaseState, time: Int64 = DB2Time.now()) throws {
        try LogWriter.append(DatabaseOperation.encode(operations), commitTime: time, state: &state, location: location)
        do {
            for operation in operations { try operation.apply(to: &state, location: location) }
        } catch let error as SystemCallError where error.isNoSpace {
            throw DB2Failure(DB2Message("SQL0968C"))
        }
        state.lastCommitTime = time
    }

    func load() throws -> DatabaseState {
        let bytes = try FileSystem.read(location.stateFile)
        return try JSONDecoder().decode(DatabaseState.self, from: Data(bytes))
    }

    func save(_ state: DatabaseState) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try FileSystem.writeAtomically(Array(try encoder.encode(state)), to: location.stateFile)
    }

    /// Writes a new database's state and first log file.
    func create(_ state: DatabaseState) throws {
        var state = state
        try FileSystem.createDirectory(location.root)
        try FileSystem.createDirectory(location.dataDirectory)
        try LogWriter.start(state: &state, location: location, firstFile: state.log.position.file)
        try save(state)
    }

    /// Cuts off what a killed writer left past the committed ends, and forgets backups whose process is gone.
    func recover(_ state: inout DatabaseState) throws {
        FileSystem.removeStaleTemporaries(in: location.root)
        FileSystem.removeStaleTemporaries(in: location.dataDirectory)
        state.backupsInProgress.removeAll { !$0.process.isAlive }
        for table in state.tables {
            let path = location.dataFile(table.dataFile)
            let file = try RawFile(path: path, flags: O_RDWR | O_CREAT, mode: 0o600)
            if try file.size() > table.dataLength { try file.truncate(to: table.dataLength) }
        }
        // While ROLLFORWARD is pending nothing writes the log; the active log directory may hold the log files of
        // the database that was restored over, which ROLLFORWARD reads.
        if state.rollforward == nil { try LogWriter.recover(state: &state, location: location) }
    }

    private func deleteUnneededFiles(_ state: inout DatabaseState) {
        guard state.backupsInProgress.isEmpty, !state.filesToDelete.isEmpty else { return }
        for name in state.filesToDelete where !state.tables.contains(where: { $0.dataFile == name }) {
            unlink(location.dataFile(name))
        }
        state.filesToDelete.removeAll()
    }

    /// The committed rows of `table`, read in pieces of at most 4 MB.
    func rows(of table: TableDefinition) throws -> [[SQLValue]] {
        var rows: [[SQLValue]] = []
        try forEachRowBatch(of: table) { rows.append(contentsOf: $0) }
        return rows
    }

    func forEachRowBatch(of table: TableDefinition, _ body: ([[SQLValue]]) throws -> Void) throws {
        guard table.dataLength > 0 else { return }
        let file = try RawFile(path: location.dataFile(table.dataFile), flags: O_RDONLY)
        var offset: Int64 = 0
        var carry: [UInt8] = []
        while offset < table.dataLength {
            let chunk = try file.read(at: offset, count: Int(min(4 << 20, table.dataLength - offset)))
            if chunk.isEmpty { break }
            offset += Int64(chunk.count)
            carry.append(contentsOf: chunk)
            var cut = 0
            while cut + 4 <= carry.count {
                let length = Int(carry[cut]) | Int(carry[cut + 1]) << 8 | Int(carry[cut + 2]) << 16
                    | Int(carry[cut + 3]) << 24
                if cut + 4 + length > carry.count { break }
                cut += 4 + length
            }
            try body(try RowCodec.decode(Array(carry[0..<cut]), columns: table.columns.count))
            carry.removeFirst(cut)
        }
    }

    /// Bytes of the database's "table spaces" (catalog and data files, not the logs): what GET_DBSIZE_INFO reports.
    func tableSpaceSize(of state: DatabaseState) -> Int64 {
        var total = FileSystem.fileSize(location.stateFile) ?? 0
        for table in state.tables { total += FileSystem.fileSize(location.dataFile(table.dataFile)) ?? 0 }
        return total
    }
}
