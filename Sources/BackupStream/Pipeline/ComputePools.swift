import Compression

/// Compressors and decompressors shared by every pipeline in the process, created on first use and reused.
enum ComputePools {
    /// libdeflate decompressors (one per concurrently inflating job).
    static let blockDecompressors = ReusablePool<GzipBlockDecompressor> { try GzipBlockDecompressor() }
}
