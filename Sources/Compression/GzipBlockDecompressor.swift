/// Decompresses one whole gzip member whose header records its sizes (written by ``GzipBlockCompressor``),
/// with libdeflate, checking the trailer's CRC-32 and length.
///
/// - Important: `@unchecked Sendable` only so that a pool can hand it from one job to the next; it must not be
///   used by two threads at once (see ``LibdeflateDecompressor``).
public final class GzipBlockDecompressor: @unchecked Sendable {
    private let inflater: LibdeflateDecompressor

    /// - Throws: ``CompressionError/outOfMemory(_:)``.
    public init() throws(CompressionError) {
        inflater = try LibdeflateDecompressor()
    }

    /// The total length of a member with this header: header, deflate data and trailer; `nil` when the header
    /// records no block sizes.
    public static func memberLength(of header: GzipMemberHeader) -> Int? {
        header.blockSizes.map { header.length + $0.deflatedLength + GzipMemberHeader.trailerLength }
    }

    /// Decompresses `member` (exactly ``memberLength(of:)`` bytes, starting with `header`).
    ///
    /// - Throws: ``CompressionError``: corrupt deflate data, a CRC-32 or length mismatch.
    public func decompressMember(_ member: UnsafeRawBufferPointer, header: GzipMemberHeader) throws(CompressionError)
        -> [UInt8]
    {
        let length = header.blockSizes?.originalLength ?? 0
        var failure: CompressionError?
        let output = [UInt8](unsafeUninitializedCapacity: length) { buffer, count in
            do throws(CompressionError) {
                try decompressMember(member, header: header, into: UnsafeMutableRawBufferPointer(buffer))
                count = length
            } catch {
                failure = error
                count = 0
            }
        }
        if let failure { throw failure }
        return output
    }

    /// Decompresses `member` (exactly ``memberLength(of:)`` bytes, starting with `header`) into `output`, exactly
    /// the member's original length.
    ///
    /// - Throws: ``CompressionError``: corrupt deflate data, a CRC-32 or length mismatch.
    public func decompressMember(
        _ member: UnsafeRawBufferPointer, header: GzipMemberHeader, into output: UnsafeMutableRawBufferPointer
    ) throws(CompressionError) {
        guard let sizes = header.blockSizes, let total = Self.memberLength(of: header), member.count == total,
            output.count == sizes.originalLength
        else {
            preconditionFailure("decompressMember needs a whole member with block sizes and room for exactly its bytes")
        }
        let deflated = UnsafeRawBufferPointer(rebasing: member[header.length..<header.length + sizes.deflatedLength])
        let trailer = header.length + sizes.deflatedLength
        let expectedCRC = GzipMemberHeader.readUInt32LE(member, at: trailer)
        let expectedLength = GzipMemberHeader.readUInt32LE(member, at: trailer + 4)
        guard expectedLength == UInt32(truncatingIfNeeded: sizes.originalLength) else {
            throw .lengthMismatch(expected: Int(expectedLength), actual: sizes.originalLength)
        }
        try inflater.decompress(deflated, into: output)
        let actualCRC = CRC32.update(0, UnsafeRawBufferPointer(output))
        guard actualCRC == expectedCRC else { throw .crcMismatch(expected: expectedCRC, actual: actualCRC) }
    }
}
