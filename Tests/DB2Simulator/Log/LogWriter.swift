import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Appends committed transactions to a database's active log files, rolling over to a new file when one is full.
enum LogWriter {
    /// The size of a new log file: LOGFILSIZ pages of 4 KB.
    static func fileSize(for state: DatabaseState) -> Int64 {
        Int64(max(4, state.configurationInteger("LOGFILSIZ"))) * 4096
    }

    /// Creates the first log file of a new database (or of a restored one).
    static func start(state: inout DatabaseState, location: DatabaseLocation, firstFile: Int) throws {
        try FileSystem.createDirectory(location.logDirectory)
        let size = fileSize(for: state)
        try LogFile.create(
            path: location.logFile(firstFile),
            header: LogFile.Header(fileNumber: firstFile, seed: state.seed, chain: state.log.chain, size: size))
        state.log.position = LogPosition(file: firstFile, offset: LogFile.headerSize)
        state.log.currentFileSize = size
    }

    /// Writes `payload` as one transaction committed at `commitTime`.
    ///
    /// - Throws: ``DB2Failure`` SQL0968C when the file system is full, ``SystemCallError`` for other I/O errors.
    static func append(
        _ payload: [UInt8], commitTime: Int64, state: inout DatabaseState, location: DatabaseLocation
    ) throws {
        let transactionID = state.log.nextTransactionID
        state.log.nextTransactionID += 1
        var remaining = payload[...]
        var piece: UInt32 = 0
        repeat {
            var room = Int(state.log.currentFileSize - state.log.position.offset) - LogFile.frameOverhead
            if room < 256, state.log.position.offset > LogFile.headerSize {
                try rollOver(state: &state, location: location)
                room = Int(state.log.currentFileSize - state.log.position.offset) - LogFile.frameOverhead
            }
            let chunk = remaining.prefix(max(room, 1))
            remaining = remaining.dropFirst(chunk.count)
            let frame = LogFile.Frame(
                transactionID: transactionID, piece: piece, isLast: remaining.isEmpty, commitTime: commitTime,
                bytes: Array(chunk))
            let bytes = LogFile.encode(frame)
            do {
                let file = try RawFile(path: location.logFile(state.log.position.file), flags: O_RDWR)
                try file.write(bytes, at: state.log.position.offset)
            } catch let error as SystemCallError where error.isNoSpace {
                throw DB2Failure(DB2Message("SQL0968C"))
            }
            state.log.position.offset += Int64(bytes.count)
            piece += 1
        } while !remaining.isEmpty
    }

    /// Closes the current log file and starts the next one (as DB2 does when a file is full, and at the end of an
    /// online backup).
    static func rollOver(state: inout DatabaseState, location: DatabaseLocation) throws {
        let next = state.log.position.file + 1
        let size = fileSize(for: state)
        do {
            try LogFile.create(
                path: location.logFile(next),
                header: LogFile.Header(fileNumber: next, seed: state.seed, chain: state.log.chain, size: size))
        } catch let error as SystemCallError where error.isNoSpace {
            throw DB2Failure(DB2Message("SQL0968C"))
        }
        state.log.position = LogPosition(file: next, offset: LogFile.headerSize)
        state.log.currentFileSize = size
    }

    /// Closes the current log file before it is full, as ARCHIVE LOG does ("closes and truncates the active log file
    /// ... If log data up to the time the ARCHIVE LOG command is issued is in the middle of a log file, this log file
    /// will be truncated and logging will continue on the next file": IBM, *ARCHIVE LOG command*,
    /// https://www.ibm.com/docs/en/db2/11.5.x?topic=commands-archive-log). The file is cut after the 4 KB page that
    /// holds its last record [inference: IBM does not say how large a truncated file is]. A file that holds no record
    /// yet is not "in the middle": it stays open and nothing is archived [inference]. Returns true when it closed one.
    static func truncateAndClose(state: inout DatabaseState, location: DatabaseLocation) throws -> Bool {
        guard state.log.position.offset > LogFile.headerSize else { return false }
        let page: Int64 = 4096
        let used = min(state.log.currentFileSize, (state.log.position.offset + page - 1) / page * page)
        try RawFile(path: location.logFile(state.log.position.file), flags: O_RDWR).truncate(to: used)
        try rollOver(state: &state, location: location)
        return true
    }

    /// Undoes what a killed writer left past the committed end of the log: later files are removed and the rest of
    /// the current file is zeroed again.
    static func recover(state: inout DatabaseState, location: DatabaseLocation) throws {
        let current = state.log.position.file
        for name in FileSystem.list(location.logDirectory) {
            if let number = LogFile.number(ofName: name), number > current { unlink("\(location.logDirectory)/\(name)") }
        }
        let path = location.logFile(current)
        guard FileSystem.exists(path) else {
            try FileSystem.createDirectory(location.logDirectory)
            try LogFile.create(
                path: path,
                header: LogFile.Header(
                    fileNumber: current, seed: state.seed, chain: state.log.chain, size: state.log.currentFileSize))
            state.log.position.offset = LogFile.headerSize
            return
        }
        let file = try RawFile(path: path, flags: O_RDWR)
        let offset = state.log.position.offset
        let probe = try file.read(at: offset, count: 8)
        guard probe.contains(where: { $0 != 0 }) else { return }
        let size = try file.size()
        var at = offset
        let zeros = [UInt8](repeating: 0, count: 1 << 16)
        while at < size {
            let count = Int(min(Int64(zeros.count), size - at))
            try file.write(zeros[0..<count], at: at)
            at += Int64(count)
        }
    }
}
