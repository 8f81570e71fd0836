#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// Compresses one block into one complete, self-contained gzip member (libdeflate), so that blocks can be
/// compressed on every core and the concatenated members still read with plain `gzip -d`.
///
/// Each member's header records its sizes (see ``GzipMemberHeader``); the header's MTIME is 0 and OS is Unix.
/// A block whose sampled bytes look random (already compressed or encrypted data) is written as stored deflate
/// blocks straight away: deflate would search it for matches only to store it in the end.
///
/// - Important: `@unchecked Sendable` only so that a pool can hand it from one job to the next; it must not be
///   used by two threads at once (see ``LibdeflateCompressor``).
public final class GzipBlockCompressor: @unchecked Sendable {
    /// Header bytes before the deflate data.
    public static let headerLength = 24
    private let deflater: LibdeflateCompressor

    /// - Throws: ``CompressionError/invalidLevel(_:)`` outside 0...12.
    public init(level: Int) throws(CompressionError) {
        deflater = try LibdeflateCompressor(level: level)
    }

    /// The compression level.
    public var level: Int { deflater.level }

    /// Compresses `block` (at most ``GzipMemberHeader/maximumBlockLength`` bytes) into a gzip member.
    public func compressMember(_ block: UnsafeRawBufferPointer) -> [UInt8] {
        precondition(block.count <= GzipMemberHeader.maximumBlockLength, "block larger than the format allows")
        let bound = deflater.bound(forInputLength: block.count)
        let headerLength = Self.headerLength
        let crc = CRC32.update(0, block)
        let incompressible = Self.looksIncompressible(block)
        let capacity = incompressible ? StoredDeflate.length(forInputLength: block.count) : bound
        return [UInt8](unsafeUninitializedCapacity: headerLength + capacity + GzipMemberHeader.trailerLength) {
            buffer, count in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            let body = UnsafeMutableRawBufferPointer(rebasing: raw[headerLength..<headerLength + capacity])
            let deflated = incompressible ? StoredDeflate.write(block, into: body) : deflater.compress(block, into: body)
            let header: [UInt8] = [
                0x1f, 0x8b, 8, 0x04,  // magic, deflate, FEXTRA
                0, 0, 0, 0, 0, 3,  // MTIME 0, XFL 0, OS Unix
                12, 0,  // XLEN
                GzipMemberHeader.blockSubfieldID.0, GzipMemberHeader.blockSubfieldID.1, 8, 0,
            ]
            raw.copyBytes(from: header)
            Self.storeUInt32LE(UInt32(deflated), into: raw, at: 16)
            Self.storeUInt32LE(UInt32(block.count), into: raw, at: 20)
            let trailer = headerLength + deflated
            Self.storeUInt32LE(crc, into: raw, at: trailer)
            Self.storeUInt32LE(UInt32(truncatingIfNeeded: block.count), into: raw, at: trailer + 4)
            count = trailer + GzipMemberHeader.trailerLength
        }
    }

    /// Whether a sample of `block` (every 16th byte) has the byte entropy of random data (over 7.98 bits per
    /// byte); text and database pages are far below (5–7 bits).
    static func looksIncompressible(_ block: UnsafeRawBufferPointer) -> Bool {
        let stride = 16
        guard block.count >= 64 * 1024 else { return false }
        var histogram = [Int](repeating: 0, count: 256)
        var samples = 0
        var index = 0
        while index < block.count {
            histogram[Int(block[index])] += 1
            samples += 1
            index += stride
        }
        var entropy = 0.0
        let total = Double(samples)
        for count in histogram where count > 0 {
            let p = Double(count) / total
            entropy -= p * log2(p)
        }
        return entropy > 7.98
    }

    private static func storeUInt32LE(_ value: UInt32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int) {
        for index in 0..<4 { buffer[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
    }
}
