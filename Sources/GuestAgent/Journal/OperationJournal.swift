import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import OsloRPC

/// The agent's record of backups and restores in progress, on local disk (`<state_dir>/operations`), so that a
/// crash is never silent: at the next start every record left is an operation that did not end cleanly.
///
/// One file per operation (`backup-<id>.json`), each write atomic and durable (``DirectoryHandle/replaceFile(_:contents:mode:uid:gid:)``:
/// a temporary file in the same directory written, fsynced and renamed over the old one, then the directory
/// fsynced). A reader sees the old record or the new one, never a mix, even after a power cut. Files are mode 0600
/// (records hold the request's token).
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
        let bytes = JSONWriter.bytes(record.json) + [0x0a]
        let name = PathText.lastComponent(path(kind: record.kind, id: record.id))
        do throws(PathFailure) {
            try openDirectory().replaceFile(name, contents: bytes, mode: 0o600, uid: nil, gid: nil)
        } catch {
            throw Self.failure(error)
        }
    }

    func removeBlocking(kind: OperationRecord.Kind, id: String) throws(OperationJournalError) {
        let name = PathText.lastComponent(path(kind: kind, id: id))
        do throws(PathFailure) {
            let directory = try openDirectory()
            guard try directory.status(of: name) != nil else { return }
            try directory.removeFile(name)
            try directory.sync()
        } catch {
            throw Self.failure(error)
        }
    }

    func recordsBlocking() throws(OperationJournalError) -> (records: [OperationRecord], unreadable: [OperationJournalError]) {
        let directory: DirectoryHandle
        do throws(PathFailure) {
            directory = try DirectoryHandle.open(self.directory)
        } catch where error.code == ENOENT {
            return ([], [])
        } catch {
            throw Self.failure(error)
        }
        let names: [String]
        do throws(PathFailure) { names = try directory.entryNames() } catch { throw Self.failure(error) }
        var records: [OperationRecord] = []
        var unreadable: [OperationJournalError] = []
        for name in names.sorted() {
            let file = "\(self.directory)/\(name)"
            // `.<record>.<random>.tmp` (DirectoryHandle.replaceFile), or `.tmp-<pid>-<random>` (agents before it).
            if name.hasPrefix(".") && (name.hasSuffix(".tmp") || name.hasPrefix(".tmp-")) {
                try? directory.removeFile(name)  // a write that did not reach its rename: the previous record stands
                continue
            }
            guard name.hasSuffix(".json") else { continue }
            do {
                let data: [UInt8]?
                do throws(PathFailure) { data = try directory.readFile(name, limit: 16 << 20) } catch {
                    throw Self.failure(error)
                }
                guard let data else { continue }
                let json: JSONValue
                do { json = try JSONParser.parse(data) } catch {
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

    /// The journal's directory, created (mode 0700) when missing.
    private func openDirectory() throws(PathFailure) -> DirectoryHandle {
        try DirectoryHandle.open(directory, creatingMissing: 0o700)
    }

    private static func failure(_ failure: PathFailure) -> OperationJournalError {
        .io(path: failure.path, operation: failure.operation, errno: failure.code)
    }
}
