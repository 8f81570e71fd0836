import Foundation

/// Appends little-endian integers, strings and byte runs to a growing buffer: the encoding of rows, log records and
/// backup image entries.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 64) { bytes.reserveCapacity(capacity) }

    mutating func u8(_ value: UInt8) { bytes.append(value) }

    mutating func u16(_ value: UInt16) { appendLittleEndian(value) }

    mutating func u32(_ value: UInt32) { appendLittleEndian(value) }

    mutating func u64(_ value: UInt64) { appendLittleEndian(value) }

    mutating func i64(_ value: Int64) { appendLittleEndian(UInt64(bitPattern: value)) }

    /// A length-prefixed (u32) UTF-8 string.
    mutating func string(_ value: String) { lengthPrefixed(Array(value.utf8)) }

    /// A length-prefixed (u32) byte run.
    mutating func lengthPrefixed(_ value: [UInt8]) {
        u32(UInt32(value.count))
        bytes.append(contentsOf: value)
    }

    /// Bytes with no length in front of them.
    mutating func raw(_ value: some Sequence<UInt8>) { bytes.append(contentsOf: value) }

    private mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
}

/// Reads what ``ByteWriter`` wrote, failing with ``ByteReaderError`` instead of reading past the end.
struct ByteReader {
    let bytes: [UInt8]
    private(set) var offset: Int

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var isAtEnd: Bool { offset >= bytes.count }

    mutating func u8() throws -> UInt8 {
        let slice = try take(1)
        return slice[slice.startIndex]
    }

    mutating func u16() throws -> UInt16 { try littleEndian() }

    mutating func u32() throws -> UInt32 { try littleEndian() }

    mutating func u64() throws -> UInt64 { try littleEndian() }

    mutating func i64() throws -> Int64 { Int64(bitPattern: try littleEndian()) }

    mutating func string() throws -> String { String(decoding: try lengthPrefixed(), as: UTF8.self) }

    mutating func lengthPrefixed() throws -> [UInt8] { Array(try take(Int(try u32()))) }

    mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, bytes.count - offset >= count else {
            throw ByteReaderError(needed: count, offset: offset, available: bytes.count - offset)
        }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    private mutating func littleEndian<T: FixedWidthInteger>() throws -> T {
        let slice = try take(MemoryLayout<T>.size)
        var value: T = 0
        for (index, byte) in slice.enumerated() { value |= T(byte) << (8 * index) }
        return value
    }
}

/// Encoded data ended before a value it announced.
struct ByteReaderError: Error, CustomStringConvertible {
    let needed: Int
    let offset: Int
    let available: Int

    var description: String { "truncated data: needed \(needed) bytes at offset \(offset), \(available) left" }
}
