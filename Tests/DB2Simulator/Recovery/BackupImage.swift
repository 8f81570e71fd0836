import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The format of a backup image (`<alias>.0.<instance>.DBPART000.<timestamp>.001`).
///
/// ```
/// "DB2SIMBKP1\n"
/// entries:  u8 kind, u32 name length, name, u64 length, bytes, u32 crc32 of the bytes
///           1 header (JSON), 2 catalog (the database state at the start, JSON), 3 data file, 4 log file,
///           9 trailer (JSON)
/// end:      u8 0xFF, u32 crc32 of every byte before this one, "DB2SIMEND\n"
/// ```
/// The per-entry and whole-image checksums let `db2ckbkp` and RESTORE detect any changed byte.
enum BackupImage {
    static let magic = Array("DB2SIMBKP1\n".utf8)
    static let endMagic = Array("DB2SIMEND\n".utf8)

    enum EntryKind: UInt8 {
        case header = 1
        case catalog = 2
        case dataFile = 3
        case logFile = 4
        case trailer = 9
    }

    /// What the image is: written first.
    struct Header: Codable, Equatable {
        var databaseName: String
        var alias: String
        var instance: String
        var timestamp: String
        var online: Bool
        var includesLogs: Bool
        var seed: UInt32
        var chain: Int
        var start: LogPosition
        var startTime: Int64
        var release: String
        /// Full, incremental or delta; absent (full) in images written before incremental backups existed.
        var kind: BackupKind?
        /// An incremental or delta image: the timestamp of the backup it holds the changes since.
        var baseTimestamp: String?
        /// An incremental or delta image: for each data file it holds, the offset its bytes start at (the file's
        /// length in the base backup; 0 for a file the base did not have). Data files it does not hold did not
        /// change.
        var dataOffsets: [String: Int64]?

        var backupKind: BackupKind { kind ?? .full }
    }

    /// How the backup ended: written last.
    struct Trailer: Codable, Equatable {
        var end: LogPosition
        var endTime: Int64
        var logFiles: [String]
        var lastCommitTime: Int64?
    }

    /// The image file name DB2 gives a backup.
    static func fileName(alias: String, instance: String, timestamp: String) -> String {
        "\(alias).0.\(instance).DBPART000.\(timestamp).001"
    }

    /// Parses an image file name into its alias and timestamp.
    static func parseFileName(_ name: String) -> (alias: String, instance: String, timestamp: String)? {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 6, parts[1] == "0", parts[3] == "DBPART000", parts[4].count == 14,
            parts[4].allSatisfy(\.isNumber), parts[5] == "001"
        else { return nil }
        return (parts[0], parts[2], parts[4])
    }
}

/// Writes an image: to a temporary file renamed into place at the end (so a failed or killed backup leaves no image),
/// or straight to a device such as `/dev/null`.
final class BackupImageWriter {
    private let file: RawFile
    private let finalPath: String
    private let temporaryPath: String?
    private let diskFullAfter: Int64?
    private var offset: Int64 = 0
    private var checksum = CRC32()
    private var finished = false

    /// Opens the image for writing. `diskFullAfter` makes writes fail with ENOSPC past that many bytes (a fault
    /// rule).
    ///
    /// - Throws: ``SystemCallError`` when the file cannot be created.
    init(path: String, diskFullAfter: Int64?) throws {
        finalPath = path
        self.diskFullAfter = diskFullAfter
        if FileSystem.isCharacterDevice(path) {
            temporaryPath = nil
            file = try RawFile(path: path, flags: O_WRONLY)
        } else {
            let temporary = "\(path).tmp.\(getpid())"
            temporaryPath = temporary
            file = try RawFile(path: temporary, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o600)
        }
        try write(BackupImage.magic)
    }

    deinit {
        if !finished, let temporaryPath { unlink(temporaryPath) }
    }

    func writeEntry(_ kind: BackupImage.EntryKind, name: String, bytes: [UInt8]) throws {
        try writeEntryHead(kind, name: name, length: Int64(bytes.count))
        try write(bytes)
        var writer = ByteWriter()
        writer.u32(CRC32.checksum(bytes))
        try write(writer.bytes)
    }

    func writeJSON<T: Encodable>(_ kind: BackupImage.EntryKind, name: String, _ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try writeEntry(kind, name: name, bytes: Array(try encoder.encode(value)))
    }

    /// Copies the bytes of the file at `source` from `start` up to `length` as an entry, 1 MB at a time.
    func writeFileEntry(
        _ kind: BackupImage.EntryKind, name: String, source: String, from start: Int64 = 0, length: Int64
    ) throws {
        try writeEntryHead(kind, name: name, length: length - start)
        let input = try RawFile(path: source, flags: O_RDONLY)
        var entryChecksum = CRC32()
        var at: Int64 = start
        while at < length {
            let chunk = try input.read(at: at, count: Int(min(1 << 20, length - at)))
            // The file is shorter than the database recorded: never pass that off as a good image.
            if chunk.isEmpty { throw SystemCallError("read", path: source, code: EIO) }
            entryChecksum.update(chunk)
            try write(chunk)
            at += Int64(chunk.count)
        }
        var writer = ByteWriter()
        writer.u32(entryChecksum.value)
        try write(writer.bytes)
    }

    /// Writes the end marker with the whole-image checksum and moves the image into place.
    func finish() throws {
        var writer = ByteWriter()
        writer.u8(0xFF)
        try write(writer.bytes)
        var tail = ByteWriter()
        tail.u32(checksum.value)
        tail.raw(BackupImage.endMagic)
        try write(tail.bytes)
        if let temporaryPath {
            try file.synchronize()
            try FileSystem.rename(temporaryPath, to: finalPath)
        }
        finished = true
    }

    private func writeEntryHead(_ kind: BackupImage.EntryKind, name: String, length: Int64) throws {
        var writer = ByteWriter()
        writer.u8(kind.rawValue)
        writer.string(name)
        writer.u64(UInt64(length))
        try write(writer.bytes)
    }

    private func write(_ bytes: [UInt8]) throws {
        if let limit = diskFullAfter, offset + Int64(bytes.count) > limit {
            throw SystemCallError("write", path: finalPath, code: ENOSPC)
        }
        if temporaryPath == nil {
            try bytes.withUnsafeBytes { try file.append($0) }
        } else {
            try file.write(bytes, at: offset)
        }
        checksum.update(bytes)
        offset += Int64(bytes.count)
    }
}

/// Reads an image entry by entry, checking every entry's checksum and, at the end, the whole image's.
final class BackupImageReader {
    struct Entry {
        var kind: BackupImage.EntryKind
        var name: String
        var length: Int64
    }

    /// A damaged image: what was wrong, and where.
    struct Damage: Error, CustomStringConvertible {
        let description: String
    }

    private let file: RawFile
    private var offset: Int64 = 0
    private var checksum = CRC32()
    let size: Int64

    /// - Throws: ``SystemCallError`` when the file cannot be opened, ``Damage`` when it is no image.
    init(path: String) throws {
        file = try RawFile(path: path, flags: O_RDONLY)
        size = try file.size()
        guard try read(BackupImage.magic.count) == BackupImage.magic else {
            throw Damage(description: "the file is not a backup image")
        }
    }

    /// The next entry, or nil at the end marker (whose checksum is then verified).
    func nextEntry() throws -> Entry? {
        let kind = try read(1)[0]
        if kind == 0xFF {
            let expected = checksum.value
            var reader = ByteReader(try read(4))
            let stored = try reader.u32()
            guard try read(BackupImage.endMagic.count) == BackupImage.endMagic else {
                throw Damage(description: "the end marker of the image is damaged")
            }
            guard stored == expected else { throw Damage(description: "the checksum of the image does not match") }
            guard offset == size else { throw Damage(description: "the image has data after its end marker") }
            return nil
        }
        guard let entryKind = BackupImage.EntryKind(rawValue: kind) else {
            throw Damage(description: "unknown object type \(kind) at offset \(offset - 1)")
        }
        var lengthReader = ByteReader(try read(4))
        let nameLength = Int(try lengthReader.u32())
        guard nameLength < 4096 else { throw Damage(description: "damaged object header at offset \(offset - 5)") }
        let name = String(decoding: try read(nameLength), as: UTF8.self)
        var sizeReader = ByteReader(try read(8))
        let length = Int64(try sizeReader.u64())
        guard length >= 0, offset + length <= size else {
            throw Damage(description: "object \"\(name)\" is longer than the image")
        }
        return Entry(kind: entryKind, name: name, length: length)
    }

    /// The body of `entry`, checked against its checksum.
    func readBody(_ entry: Entry) throws -> [UInt8] {
        var bytes: [UInt8] = []
        try streamBody(entry) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// Passes the body of `entry` to `sink` in pieces, then checks its checksum.
    func streamBody(_ entry: Entry, _ sink: ([UInt8]) throws -> Void) throws {
        var entryChecksum = CRC32()
        var remaining = entry.length
        while remaining > 0 {
            let chunk = try read(Int(min(1 << 20, remaining)))
            entryChecksum.update(chunk)
            try sink(chunk)
            remaining -= Int64(chunk.count)
        }
        var reader = ByteReader(try read(4))
        guard try reader.u32() == entryChecksum.value else {
            throw Damage(description: "checksum error in object \"\(entry.name)\"")
        }
    }

    func decodeBody<T: Decodable>(_ type: T.Type, _ entry: Entry) throws -> T {
        try JSONDecoder().decode(type, from: Data(try readBody(entry)))
    }

    private func read(_ count: Int) throws -> [UInt8] {
        let bytes = try file.read(at: offset, count: count)
        guard bytes.count == count else { throw Damage(description: "the image ends early at offset \(offset)") }
        checksum.update(bytes)
        offset += Int64(count)
        return bytes
    }
}
