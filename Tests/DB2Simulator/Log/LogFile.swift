import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The format of a log file: a 512-byte header, then frames until a zero length word. Files are created at their
/// full size (LOGFILSIZ pages of 4 KB), filled with zeros, as DB2 preallocates its log files.
///
/// A frame is `u32 length, u32 crc32, payload`; the payload is one piece of a transaction: `u64 transaction id,
/// u32 piece number, u8 last, i64 commit time (µs, UTC), u32 length, bytes`. A transaction bigger than the room left
/// in a file continues in the next; it counts only once its last piece is on disk.
enum LogFile {
    static let headerSize: Int64 = 512
    static let frameOverhead = 8 + 8 + 4 + 1 + 8 + 4
    private static let magic = Array("DB2SIMLG".utf8)

    static func name(_ number: Int) -> String { "S\(DB2Time.pad(number, 7)).LOG" }

    /// The number in a log file name (`S0000012.LOG` is 12), nil for other names.
    static func number(ofName name: String) -> Int? {
        guard name.count == 12, name.hasPrefix("S"), name.hasSuffix(".LOG") else { return nil }
        return Int(name.dropFirst().prefix(7))
    }

    struct Header: Equatable {
        var fileNumber: Int
        var seed: UInt32
        var chain: Int
        var size: Int64
    }

    /// One piece of a transaction.
    struct Frame: Equatable {
        var transactionID: UInt64
        var piece: UInt32
        var isLast: Bool
        var commitTime: Int64
        var bytes: [UInt8]
    }

    /// Creates a log file of `size` bytes (zeros after the header), replacing any file of that name.
    static func create(path: String, header: Header) throws {
        var writer = ByteWriter(capacity: Int(headerSize))
        writer.raw(magic)
        writer.u32(UInt32(header.fileNumber))
        writer.u32(header.seed)
        writer.u32(UInt32(header.chain))
        writer.u64(UInt64(header.size))
        writer.raw([UInt8](repeating: 0, count: Int(headerSize) - writer.bytes.count))
        let file = try RawFile(path: path, flags: O_RDWR | O_CREAT | O_TRUNC, mode: 0o600)
        try file.write(writer.bytes, at: 0)
        try file.truncate(to: header.size)
    }

    static func readHeader(_ bytes: [UInt8]) -> Header? {
        guard bytes.count >= headerSize, Array(bytes[0..<8]) == magic else { return nil }
        var reader = ByteReader(bytes, offset: 8)
        guard let number = try? reader.u32(), let seed = try? reader.u32(), let chain = try? reader.u32(),
            let size = try? reader.u64()
        else { return nil }
        return Header(fileNumber: Int(number), seed: seed, chain: Int(chain), size: Int64(size))
    }

    static func encode(_ frame: Frame) -> [UInt8] {
        var payload = ByteWriter(capacity: frame.bytes.count + frameOverhead)
        payload.u64(frame.transactionID)
        payload.u32(frame.piece)
        payload.u8(frame.isLast ? 1 : 0)
        payload.i64(frame.commitTime)
        payload.lengthPrefixed(frame.bytes)
        var framed = ByteWriter(capacity: payload.bytes.count + 8)
        framed.u32(UInt32(payload.bytes.count))
        framed.u32(CRC32.checksum(payload.bytes))
        framed.raw(payload.bytes)
        return framed.bytes
    }

    /// The frames of a log file's content, each with the position just after it, up to the first zero length or
    /// damaged frame (the end of what was written).
    static func frames(in bytes: [UInt8], fileNumber: Int) -> [(frame: Frame, end: LogPosition)] {
        var result: [(Frame, LogPosition)] = []
        var offset = Int(headerSize)
        while offset + 8 <= bytes.count {
            var reader = ByteReader(bytes, offset: offset)
            guard let length = try? reader.u32(), length > 0, let crc = try? reader.u32(),
                offset + 8 + Int(length) <= bytes.count
            else { break }
            let payload = Array(bytes[(offset + 8)..<(offset + 8 + Int(length))])
            guard CRC32.checksum(payload) == crc else { break }
            var body = ByteReader(payload)
            guard let id = try? body.u64(), let piece = try? body.u32(), let last = try? body.u8(),
                let time = try? body.i64(), let data = try? body.lengthPrefixed()
            else { break }
            offset += 8 + Int(length)
            result.append(
                (
                    Frame(transactionID: id, piece: piece, isLast: last == 1, commitTime: time, bytes: data),
                    LogPosition(file: fileNumber, offset: Int64(offset))
                ))
        }
        return result
    }
}
