import Compression

/// Whole gzip members with recorded sizes, consecutive in the stream, inflated by one worker into one buffer
/// (see ``GzipStreamDecoder``).
struct MemberBatch: Sendable {
    /// One member: where its bytes lie in `bytes`, its header, and its offset in the gzip stream.
    struct Member: Sendable {
        let range: Range<Int>
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
    private(set) var inflatedLength = 0

    /// Adds a copy of `member` (exactly one whole member, starting with `header`).
    mutating func add(_ member: ArraySlice<UInt8>, header: GzipMemberHeader, offset: Int64) {
        members.append(Member(range: bytes.count..<bytes.count + member.count, header: header, offset: offset))
        bytes += member
        inflatedLength += header.blockSizes?.originalLength ?? 0
    }

    /// The members inflated, in order, each checked against its CRC-32 and length.
    ///
    /// - Throws: ``Failure`` for the first member that does not inflate.
    func inflate(_ decompressor: GzipBlockDecompressor) throws(Failure) -> [UInt8] {
        var failure: Failure?
        let output = [UInt8](unsafeUninitializedCapacity: inflatedLength) { buffer, count in
            count = 0
            bytes.withUnsafeBytes { input in
                var written = 0
                for member in members {
                    let length = member.header.blockSizes?.originalLength ?? 0
                    let room = UnsafeMutableRawBufferPointer(
                        rebasing: UnsafeMutableRawBufferPointer(buffer)[written..<written + length])
                    do throws(CompressionError) {
                        try decompressor.decompressMember(
                            UnsafeRawBufferPointer(rebasing: input[member.range]), header: member.header, into: room)
                    } catch {
                        failure = Failure(offset: member.offset, error: error)
                        return
                    }
                    written += length
                }
                count = written
            }
        }
        if let failure { throw failure }
        return output
    }
}
