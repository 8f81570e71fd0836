import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import OsloRPC

/// The agent's record of backups and restores in progress, on local disk (`<state_dir>/operations`), so that a
/// crash is never silent: at the next start every record left is an operation that did not end cleanly.
///
/// One file per operation (`backup-<id>.json`), each write atomic: a temporary file in the same directory is
/// written, fsynced and renamed over the old one, then the directory is fsynced. A reader sees the old record or
/// the new one, never a mix, even after a power cut. Files are mode 0600 (records hold the request's token).
///
/// Blocking file I/O: the `async` methods run it on ``BlockingThreadPool``.
public final class OperationJournal: Sendable {
    /// The journal's directory (created on the first write).
    public let directory: String

    public init(directory: String) {
        var path = directory
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        self.directory = path
    }

    /// Writes (or replaces) the record of `record.kind` and `record.id`.
    ///
    /// - Throws: ``OperationJournalError/io(path:operation:errno:)``.
    public func write(_ record: OperationRecord) async throws {
        try await BlockingThreadPool.shared.run { try self.writeBlocking(record) }
    }

    /// Removes a record; nothing happens when there is none.
    ///
    /// - Throws: ``OperationJournalError/io(path:operation:errno:)``.
    public func remove(kind: OperationRecord.Kind, id: String) async throws {
        try await BlockingThreadPool.shared.run { try self.removeBlocking(kind: kind, id: id) }
    }

    /// Every record, oldest first, and the files that could not be read (each with its error). Leftover temporary
    /// files of an interrupted write are deleted.
    ///
    /// - Throws: ``OperationJournalError/io(path:operation:errno:)`` when the directory cannot be listed.
    public func records() async throws -> (records: [OperationRecord], unreadable: [OperationJournalError]) {
        try await BlockingThreadPool.shared.run { try self.recordsBlocking() }
    }

    /// The file of a record: `<kind>-<id>.json`, the id reduced to characters safe in a file name.
    public func path(kind: OperationRecord.Kind, id: String) -> String {
        let safe = String(id.unicodeScalars.map { scalar -> Character in
            let character = Character(scalar)
            let allowed = scalar.isASCII && (character.isLetter || character.isNumber || "-_.".contains(character))
            return allowed ? character : "_"
        })
        return "\(directory)/\(kind.rawValue)-\(safe.isEmpty ? "_" : safe).json"
    }

    // MARK: - Blocking implementation

    func writeBlocking(_ record: OperationRecord) throws(OperationJournalError) {
        try makeDirectory()
        let target = path(kind: record.kind, id: record.id)
        let temporary = "\(directory)/.tmp-\(getpid())-\(UUID().uuidString.prefix(8))"
        let bytes = JSONWriter.bytes(record.json) + [0x0a]
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .io(path: temporary, operation: "create", errno: errno) }
        let failure: (operation: String, errno: Int32)? =
            if let code = Self.writeAll(fd, bytes) { ("write", code) }
            else if fsync(fd) != 0 { ("fsync", errno) }
            else { nil }
        if let failure {
            close(fd)
            unlink(temporary)
            throw .io(path: temporary, operation: failure.operation, errno: failure.errno)
        }
        close(fd)
        guard rename(temporary, target) == 0 else {
            let code = errno
            unlink(temporary)
            throw .io(path: target, operation: "rename", errno: code)
        }
        try syncDirectory()
    }

    func removeBlocking(kind: OperationRecord.Kind, id: String) throws(OperationJournalError) {
        let target = path(kind: kind, id: id)
        if unlink(target) != 0 {
            if errno == ENOENT { return }
            throw .io(path: target, operation: "unlink", errno: errno)
        }
        try syncDirectory()
    }

    func recordsBlocking() throws(OperationJournalError) -> (records: [OperationRecord], unreadable: [OperationJournalError]) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            if FileManager.default.fileExists(atPath: directory) {
                throw .io(path: directory, operation: "list", errno: EACCES)
            }
            return ([], [])
        }
        var records: [OperationRecord] = []
        var unreadable: [OperationJournalError] = []
        for name in names.sorted() {
            let file = "\(directory)/\(name)"
            if name.hasPrefix(".tmp-") {
                unlink(file)  // a write that did not reach its rename: the previous record (if any) stands
                continue
            }
            guard name.hasSuffix(".json") else { continue }
            do {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw OperationJournalError.io(path: file, operation: "read", errno: EIO)
                }
                let json: JSONValue
                do { json = try JSONParser.parse(Array(data)) } catch {
                    throw OperationJournalError.corrupt(path: file, reason: "\(error)")
                }
                records.append(try OperationRecord(json: json, path: file))
            } catch let error as OperationJournalError {
                unreadable.append(error)
            } catch {
                unreadable.append(.corrupt(path: file, reason: "\(error)"))
            }
        }
        return (records.sorted { $0.startedAt < $1.startedAt }, unreadable)
    }

    /// Writes every byte; returns `errno` on failure.
    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Int32? {
        bytes.withUnsafeBytes { buffer -> Int32? in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += written
            }
            return nil
        }
    }

    private func makeDirectory() throws(OperationJournalError) {
        var path = ""
        for component in directory.split(separator: "/") {
            path += "/" + component
            if mkdir(path, 0o700) != 0, errno != EEXIST {
                throw .io(path: path, operation: "create directory", errno: errno)
            }
        }
    }

    private func syncDirectory() throws(OperationJournalError) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: directory, operation: "open directory", errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .io(path: directory, operation: "fsync directory", errno: errno) }
    }
}
