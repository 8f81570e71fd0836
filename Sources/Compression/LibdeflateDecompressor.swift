internal import CLibdeflate

/// A libdeflate raw-deflate decompressor: a whole compressed block in, a buffer of known size out.
///
/// About 3.5x faster than zlib's `inflate`, but it needs the whole compressed block and the size of its output;
/// the backup stream's blocks declare both in their gzip header. Owns its `libdeflate_decompressor`.
///
/// - Important: one instance must not be used by two threads at once; `@unchecked Sendable` only so that a pool
///   can hand it from one job to the next (libdeflate decompressors have no thread affinity).
public final class LibdeflateDecompressor: @unchecked Sendable {
    private let decompressor: OpaquePointer

    /// - Throws: ``CompressionError/outOfMemory(_:)``.
    public init() throws(CompressionError) {
        guard let decompressor = libdeflate_alloc_decompressor() else {
            throw .outOfMemory("libdeflate_alloc_decompressor")
        }
        self.decompressor = decompressor
    }

    deinit { libdeflate_free_decompressor(decompressor) }

    /// Decompresses the raw deflate data in `input`, which must fill `output` exactly and end exactly at the
    /// end of `input`.
    ///
    /// - Throws: ``CompressionError/corruptData(_:)`` for invalid data, ``CompressionError/lengthMismatch(expected:actual:)``
    ///   when the data decompresses to another length or does not end where `input` ends.
    public func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer)
        throws(CompressionError)
    {
        var consumed = 0
        var produced = 0
        let result = libdeflate_deflate_decompress_ex(
            decompressor, input.baseAddress, input.count, output.baseAddress, output.count, &consumed, &produced)
        switch result {
        case LIBDEFLATE_SUCCESS:
            guard produced == output.count else { throw .lengthMismatch(expected: output.count, actual: produced) }
            guard consumed == input.count else {
                throw .corruptData("deflate data ends after \(consumed) of \(input.count) bytes")
            }
        case LIBDEFLATE_INSUFFICIENT_SPACE:
            throw .lengthMismatch(expected: output.count, actual: output.count + 1)
        case LIBDEFLATE_SHORT_OUTPUT:
            throw .lengthMismatch(expected: output.count, actual: produced)
        default:
            throw .corruptData("invalid deflate data")
        }
    }
}
