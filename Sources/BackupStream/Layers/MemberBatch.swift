import Compression

/// Whole gzip members with recorded sizes, consecutive in the stream, inflated by one worker into one buffer
/// (see ``GzipStreamDecoder``).
struct MemberBatch: Sendable {
    /// One member: where its bytes lie in `bytes` and its inflated bytes in the output, its header, and its offset
    /// in the gzip stream.
    struct Member: Sendable {
        let input: Range<Int>
        let output: Range<Int>
        let header: GzipMemberHeader
        let offset: Int64
    }

    /// A member that did not inflate, with its offset in the gzip stream.
    struct Failure: Error {
        let offset: Int64
        let error: CompressionError
    }

    private(set) var members: [Member] = []
    private var bytes: [UInt8] = []

    /// The members' bytes once inflated.
    var inflatedLength: Int { members.last?.output.upperBound ?? 0 }

    /// Adds a copy of `member`: exactly one whole member, starting with `header`, which records its `sizes`.
    mutating func add(
        _ member: ArraySlice<UInt8>, header: GzipMemberHeader, sizes: GzipMemberHeader.BlockSizes, offset: Int64
    ) {
        let inflatedStart = inflatedLength
        members.append(Member(input: bytes.count..<bytes.count + member.count,
                              output: inflatedStart..<inflatedStart + sizes.originalLength, header: header,
                              offset: offset))
        bytes += member
    }

    /// The members inflated, in order, each checked against its CRC-32 and length.
    ///
    /// - Throws: ``Failure`` for the first member that does not inflate.
    func inflate(_ decompressor: GzipBlockDecompressor) throws(Failure) -> [UInt8] {
        var failure: Failure?
        let output = [UInt8](unsafeUninitializedCapacity: inflatedLength) { buffer, count in
            count = 0
            let output = UnsafeMutableRawBufferPointer(buffer)
            bytes.withUnsafeBytes { input in
                for member in members {
                    do throws(CompressionError) {
                        try decompressor.decompressMember(
                            UnsafeRawBufferPointer(rebasing: input[member.input]), header: member.header,
                            into: UnsafeMutableRawBufferPointer(rebasing: output[member.output]))
                    } catch {
                        failure = Failure(offset: member.offset, error: error)
                        return
                    }
                }
                count = inflatedLength
            }
        }
        if let failure { throw failure }
        return output
    }
}
