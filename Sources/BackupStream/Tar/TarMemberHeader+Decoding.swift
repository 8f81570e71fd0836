extension TarMemberHeader {
    /// Decodes one 512-byte header block (ustar, GNU or v7), checking its checksum.
    ///
    /// - Returns: `nil` for an all-zero block (end-of-archive marker).
    /// - Throws: ``TarFormatError`` for a bad checksum or a malformed numeric field.
    static func decode(_ block: UnsafeRawBufferPointer) throws(TarFormatError) -> TarMemberHeader? {
        precondition(block.count == blockSize)
        if block.allSatisfy({ $0 == 0 }) { return nil }

        let stored = try number(block, 148, 8, "checksum")
        var unsigned: Int64 = 0
        var signed: Int64 = 0
        for (index, byte) in block.enumerated() {
            let value = (148..<156).contains(index) ? 0x20 : byte
            unsigned += Int64(value)
            signed += Int64(Int8(bitPattern: value))
        }
        guard stored == unsigned || stored == signed else {
            throw TarFormatError("header checksum mismatch (stored \(stored), computed \(unsigned)): not a tar header")
        }

        let magic = Array(block[257..<263])
        let isPOSIX = magic == Array("ustar\0".utf8)
        var name = field(block, 0, 100)
        if isPOSIX {
            let prefix = field(block, 345, 155)
            if !prefix.isEmpty { name = prefix + [0x2f] + name }
        }
        let flag = block[156]
        let kind: Kind =
            switch flag {
            case 0, UInt8(ascii: "0"), UInt8(ascii: "7"): .regular
            case UInt8(ascii: "1"): .hardlink
            case UInt8(ascii: "2"): .symlink
            case UInt8(ascii: "5"): .directory
            default: .other(flag)
            }
        // Old (pre-POSIX) archives mark directories by a trailing slash on a regular member.
        let fixedKind = kind == .regular && flag == 0 && name.last == 0x2f ? Kind.directory : kind
        return TarMemberHeader(
            name: name, kind: fixedKind,
            mode: UInt32(truncatingIfNeeded: try number(block, 100, 8, "mode") & 0o7777),
            uid: try id(try number(block, 108, 8, "uid"), "uid"),
            gid: try id(try number(block, 116, 8, "gid"), "gid"),
            size: try number(block, 124, 12, "size"),
            mtime: Timestamp(seconds: try number(block, 136, 12, "mtime")),
            linkName: field(block, 157, 100),
            userName: magic.starts(with: Array("ustar".utf8)) ? field(block, 265, 32) : [],
            groupName: magic.starts(with: Array("ustar".utf8)) ? field(block, 297, 32) : [])
    }

    /// Applies the records of a pax extended header (local records after global ones).
    ///
    /// - Throws: ``TarFormatError`` for a malformed value, or a GNU sparse-file record (not restored).
    mutating func apply(_ pax: PaxRecords) throws(TarFormatError) {
        for (key, value) in pax.records {
            let text = String(decoding: value, as: UTF8.self)
            switch key {
            case "path": name = value
            case "linkpath": linkName = value
            case "uname": userName = value
            case "gname": groupName = value
            case "size":
                guard let parsed = Int64(text), parsed >= 0 else { throw TarFormatError("bad pax size \"\(text)\"") }
                size = parsed
            case "uid", "gid":
                guard let parsed = Int64(text) else { throw TarFormatError("bad pax \(key) \"\(text)\"") }
                if key == "uid" { uid = try Self.id(parsed, "pax uid") } else { gid = try Self.id(parsed, "pax gid") }
            case "mtime":
                guard let parsed = Self.parsePaxTime(text) else { throw TarFormatError("bad pax mtime \"\(text)\"") }
                mtime = parsed
            case let sparse where sparse.hasPrefix("GNU.sparse."):
                kind = .other(UInt8(ascii: "S"))
            default: break  // atime, ctime, charset, SCHILY.*, LIBARCHIVE.*: nothing we restore
            }
        }
    }

    /// Parses a pax decimal time such as `1700000000.5` or `-1.25`.
    static func parsePaxTime(_ text: String) -> Timestamp? {
        let negative = text.hasPrefix("-")
        let body = negative ? text.dropFirst() : Substring(text)
        let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.allSatisfy(\.isASCIIDigit), let seconds = Int64(whole)
        else { return nil }
        var nanoseconds: Int64 = 0
        if parts.count == 2 {
            let fraction = parts[1].prefix(9)
            guard parts[1].allSatisfy(\.isASCIIDigit) else { return nil }
            nanoseconds = Int64(fraction + String(repeating: "0", count: 9 - fraction.count)) ?? 0
        }
        if !negative { return Timestamp(seconds: seconds, nanoseconds: Int32(nanoseconds)) }
        if nanoseconds == 0 { return Timestamp(seconds: -seconds) }
        return Timestamp(seconds: -seconds - 1, nanoseconds: Int32(1_000_000_000 - nanoseconds))
    }

    /// A user or group id, which must fit `uid_t`/`gid_t` (32 bits): a larger one would wrap (2^32 to 0, root).
    /// Restores do not use the archive's ids (files belong to the owner the caller gives), but a value no system
    /// can hold means the header was not written from a real file, and is refused rather than carried.
    private static func id(_ value: Int64, _ what: String) throws(TarFormatError) -> Int {
        guard (0...Int64(UInt32.max)).contains(value) else {
            throw TarFormatError("\(what) \(value) is out of range (0 to \(UInt32.max))")
        }
        return Int(value)
    }

    /// A NUL-terminated text field.
    private static func field(_ block: UnsafeRawBufferPointer, _ offset: Int, _ width: Int) -> [UInt8] {
        let bytes = block[offset..<offset + width]
        return Array(bytes.prefix { $0 != 0 })
    }

    /// A numeric field: octal digits (leading spaces or NULs allowed, ended by a space or NUL), or GNU's
    /// base-256 form (first byte 0x80 positive, 0xff negative).
    private static func number(_ block: UnsafeRawBufferPointer, _ offset: Int, _ width: Int, _ what: String)
        throws(TarFormatError) -> Int64
    {
        let bytes = Array(block[offset..<offset + width])
        if bytes[0] & 0x80 != 0 {
            let negative = bytes[0] == 0xff
            var value: Int64 = negative ? -1 : 0
            for (index, byte) in bytes.enumerated() {
                let digit = index == 0 ? (negative ? byte : byte & 0x7f) : byte
                guard value >> 55 == 0 || value >> 55 == -1 else { throw TarFormatError("\(what) field overflows") }
                value = value << 8 | Int64(digit)
            }
            return value
        }
        var value: Int64 = 0
        var index = 0
        while index < width, bytes[index] == 0x20 || bytes[index] == 0 { index += 1 }
        while index < width, bytes[index] != 0x20, bytes[index] != 0 {
            let byte = bytes[index]
            guard (0x30...0x37).contains(byte), value < Int64.max >> 3 else {
                throw TarFormatError("\(what) field is not octal: \(BackupStreamError.show(bytes))")
            }
            value = value << 3 | Int64(byte - 0x30)
            index += 1
        }
        return value
    }
}

/// A malformed tar header or pax record; the reader adds the offset.
struct TarFormatError: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
