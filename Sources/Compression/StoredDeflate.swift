/// Deflate data made of stored (uncompressed) blocks (RFC 1951 §3.2.4), for input that does not compress.
enum StoredDeflate {
    /// Largest payload of one stored block.
    static let maximumBlockLength = 65_535

    /// Bytes of stored deflate data for `inputLength` bytes: 5 header bytes per block of up to 65535 bytes.
    static func length(forInputLength inputLength: Int) -> Int {
        let blocks = max(1, (inputLength + maximumBlockLength - 1) / maximumBlockLength)
        return inputLength + 5 * blocks
    }

    /// Writes `input` as stored blocks into `output` (``length(forInputLength:)`` bytes); returns that length.
    /// Unless `isFinal`, the last block does not end the deflate stream: more blocks follow, from the next byte.
    static func write(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, isFinal: Bool = true)
        -> Int
    {
        var read = 0
        var written = 0
        repeat {
            let length = min(maximumBlockLength, input.count - read)
            let isLast = isFinal && read + length == input.count
            output[written] = isLast ? 1 : 0  // BFINAL, BTYPE 00 (stored), then padding to the byte boundary
            output[written + 1] = UInt8(truncatingIfNeeded: length)
            output[written + 2] = UInt8(truncatingIfNeeded: length >> 8)
            output[written + 3] = ~UInt8(truncatingIfNeeded: length)
            output[written + 4] = ~UInt8(truncatingIfNeeded: length >> 8)
            written += 5
            if length > 0 {
                (output.baseAddress! + written).copyMemory(from: input.baseAddress! + read, byteCount: length)
            }
            read += length
            written += length
        } while read < input.count
        return written
    }
}
