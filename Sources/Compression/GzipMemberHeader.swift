/// The header of one gzip member (RFC 1952), and the block sizes our parallel compressor records in it.
///
/// Members written by ``GzipBlockCompressor`` carry an extra field (`FEXTRA`) with subfield `TD` (8 bytes: the
/// deflate data length and the uncompressed length, little endian). Plain `gzip -d` skips it; our decompressor
/// uses it to cut the stream into members without inflating and to inflate them in parallel. Members without
/// it (plain `gzip`, `pigz`) are decompressed as a stream.
public struct GzipMemberHeader: Sendable, Equatable {
    /// Sizes recorded by ``GzipBlockCompressor`` in the `TD` extra subfield.
    public struct BlockSizes: Sendable, Equatable {
        /// Length of the raw deflate data that follows the header.
        public let deflatedLength: Int
        /// Length of the data once inflated (also the trailer's ISIZE).
        public let originalLength: Int
    }

    /// The two bytes that identify our extra subfield.
    public static let blockSubfieldID: (UInt8, UInt8) = (0x54, 0x44)  // "TD"
    /// Largest uncompressed block we accept from a `TD` subfield (a larger claim is treated as a plain member).
    public static let maximumBlockLength = 64 << 20
    /// Length of a gzip trailer (CRC-32 and ISIZE).
    public static let trailerLength = 8

    /// Bytes taken by the header, including optional fields.
    public let length: Int
    /// The block sizes, when the member was written by ``GzipBlockCompressor`` (and the sizes are plausible).
    public let blockSizes: BlockSizes?

    /// Parses the header at the start of `bytes`.
    ///
    /// - Returns: `nil` when `bytes` ends before the header does (call again with more).
    /// - Throws: ``CompressionError/notGzip(found:)`` or ``CompressionError/badGzipHeader(_:)``.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(CompressionError) -> GzipMemberHeader? {
        if bytes.count >= 1 && bytes[0] != 0x1f || bytes.count >= 2 && bytes[1] != 0x8b {
            throw .notGzip(found: Array(bytes.prefix(8)))
        }
        guard bytes.count >= 10 else { return nil }
        guard bytes[2] == 8 else { throw .badGzipHeader("compression method \(bytes[2]) is not deflate (8)") }
        let flags = bytes[3]
        guard flags & 0xe0 == 0 else { throw .badGzipHeader("reserved flag bits set (\(flags))") }
        var position = 10
        var blockSizes: BlockSizes?
        if flags & 0x04 != 0 {  // FEXTRA
            guard bytes.count >= position + 2 else { return nil }
            let extraLength = Int(bytes[position]) | Int(bytes[position + 1]) << 8
            position += 2
            guard bytes.count >= position + extraLength else { return nil }
            blockSizes = Self.blockSizes(in: UnsafeRawBufferPointer(rebasing: bytes[position..<position + extraLength]))
            position += extraLength
        }
        for flag in [UInt8(0x08), 0x10] where flags & flag != 0 {  // FNAME, FCOMMENT: zero-terminated
            guard let end = bytes[position...].firstIndex(of: 0) else { return nil }
            position = end + 1
        }
        if flags & 0x02 != 0 {  // FHCRC
            position += 2
            guard bytes.count >= position else { return nil }
        }
        return GzipMemberHeader(length: position, blockSizes: blockSizes)
    }

    private static func blockSizes(in extra: UnsafeRawBufferPointer) -> BlockSizes? {
        var position = 0
        while position + 4 <= extra.count {
            let length = Int(extra[position + 2]) | Int(extra[position + 3]) << 8
            let data = position + 4
            guard data + length <= extra.count else { return nil }
            if extra[position] == blockSubfieldID.0, extra[position + 1] == blockSubfieldID.1, length == 8 {
                let deflated = Int(readUInt32LE(extra, at: data))
                let original = Int(readUInt32LE(extra, at: data + 4))
                // A deflate block never grows by more than a few bytes per 64 KiB stored block.
                guard original <= maximumBlockLength, deflated <= original + original / 1000 + 1024 else { return nil }
                return BlockSizes(deflatedLength: deflated, originalLength: original)
            }
            position = data + length
        }
        return nil
    }

    static func readUInt32LE(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
            | UInt32(bytes[offset + 3]) << 24
    }
}
