/// Compresses one block into complete, self-contained gzip members (libdeflate), so that blocks can be compressed
/// on every core and the concatenated members still read with plain `gzip -d`.
///
/// Each member's header records its sizes (see ``GzipMemberHeader``); the header's MTIME is 0 and OS is Unix.
/// Runs of bytes that look random (already compressed or encrypted data, see ``RandomLookingRuns``) are written
/// as stored deflate blocks straight away: deflate would search them for matches only to store them in the end.
/// Each run starts a member, stored, whose deflated rest follows in the same deflate stream (stored blocks end on a
/// byte boundary, where libdeflate's stream can begin); a block that is one run is one stored member.
///
/// - Important: `@unchecked Sendable` only so that a pool can hand it from one job to the next; it must not be
///   used by two threads at once (see ``LibdeflateCompressor``).
public final class GzipBlockCompressor: @unchecked Sendable {
    /// Header bytes before the deflate data.
    public static let headerLength = 24
    /// The header up to the `TD` subfield's data (the two sizes follow).
    private static let headerStart: [UInt8] = [
        0x1f, 0x8b, 8, 0x04,  // magic, deflate, FEXTRA
        0, 0, 0, 0, 0, 3,  // MTIME 0, XFL 0, OS Unix
        12, 0,  // XLEN
        GzipMemberHeader.blockSubfieldID.0, GzipMemberHeader.blockSubfieldID.1, 8, 0,
    ]
    private let deflater: LibdeflateCompressor

    /// - Throws: ``CompressionError/invalidLevel(_:)`` outside 0...12.
    public init(level: Int) throws(CompressionError) {
        deflater = try LibdeflateCompressor(level: level)
    }

    /// The compression level.
    public var level: Int { deflater.level }

    /// One member's share of a block: `range`, of which the first `storedLength` bytes are stored.
    struct MemberPlan: Equatable {
        let range: Range<Int>
        let storedLength: Int
    }

    /// Compresses `block` (at most ``GzipMemberHeader/maximumBlockLength`` bytes) into one or more gzip members,
    /// concatenated in order.
    public func compressMembers(_ block: UnsafeRawBufferPointer) -> [UInt8] {
        precondition(block.count <= GzipMemberHeader.maximumBlockLength, "block larger than the format allows")
        let plans = Self.plan(block)
        let capacities = plans.map(memberCapacity)
        return [UInt8](unsafeUninitializedCapacity: capacities.reduce(0, +)) { buffer, count in
            let output = UnsafeMutableRawBufferPointer(buffer)
            var written = 0
            for (plan, capacity) in zip(plans, capacities) {
                let room = UnsafeMutableRawBufferPointer(rebasing: output[written..<written + capacity])
                written += writeMember(UnsafeRawBufferPointer(rebasing: block[plan.range]), stored: plan.storedLength,
                                       into: room)
            }
            count = written
        }
    }

    /// The members `block` is cut into: one from the start, unless a random-looking run starts there, and one from
    /// each such run on.
    static func plan(_ block: UnsafeRawBufferPointer) -> [MemberPlan] {
        let runs = RandomLookingRuns.find(in: block)
        var plans: [MemberPlan] = []
        var start = 0
        for (index, run) in runs.enumerated() {
            if start < run.lowerBound { plans.append(MemberPlan(range: start..<run.lowerBound, storedLength: 0)) }
            let end = index + 1 < runs.count ? runs[index + 1].lowerBound : block.count
            plans.append(MemberPlan(range: run.lowerBound..<end, storedLength: run.count))
            start = end
        }
        if start < block.count || plans.isEmpty { plans.append(MemberPlan(range: start..<block.count, storedLength: 0)) }
        return plans
    }

    private func memberCapacity(_ plan: MemberPlan) -> Int {
        let deflatedLength = plan.range.count - plan.storedLength
        let body = (plan.storedLength > 0 ? StoredDeflate.length(forInputLength: plan.storedLength) : 0)
            + (deflatedLength > 0 || plan.range.isEmpty ? deflater.bound(forInputLength: deflatedLength) : 0)
        return Self.headerLength + body + GzipMemberHeader.trailerLength
    }

    /// Writes one member for `bytes`, the first `stored` of them as stored blocks; returns its length.
    private func writeMember(_ bytes: UnsafeRawBufferPointer, stored: Int, into output: UnsafeMutableRawBufferPointer)
        -> Int
    {
        let headerLength = Self.headerLength
        var deflated = 0
        if stored > 0 {
            let body = UnsafeMutableRawBufferPointer(rebasing: output[headerLength...])
            deflated = StoredDeflate.write(UnsafeRawBufferPointer(rebasing: bytes[..<stored]), into: body,
                                           isFinal: stored == bytes.count)
        }
        if stored < bytes.count || bytes.isEmpty {  // an empty block is an empty deflate stream
            let body = UnsafeMutableRawBufferPointer(rebasing: output[(headerLength + deflated)...])
            deflated += deflater.compress(UnsafeRawBufferPointer(rebasing: bytes[stored...]), into: body)
        }
        output.copyBytes(from: Self.headerStart)
        Self.storeUInt32LE(UInt32(deflated), into: output, at: 16)
        Self.storeUInt32LE(UInt32(bytes.count), into: output, at: 20)
        let trailer = headerLength + deflated
        Self.storeUInt32LE(CRC32.update(0, bytes), into: output, at: trailer)
        Self.storeUInt32LE(UInt32(truncatingIfNeeded: bytes.count), into: output, at: trailer + 4)
        return trailer + GzipMemberHeader.trailerLength
    }

    private static func storeUInt32LE(_ value: UInt32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int) {
        for index in 0..<4 { buffer[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
    }
}
