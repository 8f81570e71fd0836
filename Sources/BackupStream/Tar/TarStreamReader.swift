/// A push parser for tar streams (POSIX pax, ustar, GNU and v7 headers): feed it the stream in pieces of any
/// size; it hands each member to its ``TarMemberConsumer``.
///
/// It checks every header's checksum, applies pax extended headers (`x`, `g`) and GNU long names (`L`, `K`),
/// and requires the end-of-archive marker: a stream that stops before it (inside a member, or between two) is
/// an error naming the offset, never a shorter archive.
final class TarStreamReader {
    private enum State {
        case header
        case data(remaining: Int64, padding: Int)
        case metadata(flag: UInt8, remaining: Int, padding: Int)
        case skip(remaining: Int64)
        case ended
    }

    /// Largest pax header or GNU long name we accept.
    static let maximumMetadataLength = 1 << 20
    /// Most bytes of pax records kept at once, for global headers (which last to the end of the stream) and for
    /// the extended headers before one member, each: repeated keys replace earlier values, and an archive whose
    /// headers would keep more is refused, so a stream of headers cannot grow memory.
    static let maximumKeptPaxBytes = 1 << 20
    /// Largest member size accepted (4 EiB): no file system holds more, and the padding after it cannot overflow.
    static let maximumMemberSize: Int64 = 1 << 62

    private let consumer: any TarMemberConsumer
    private var state = State.header
    private var headerBlock = [UInt8](repeating: 0, count: TarMemberHeader.blockSize)
    private var headerFilled = 0
    private var metadata: [UInt8] = []
    private var localPax = PaxRecords()
    private var globalPax = PaxRecords()
    private var longName: [UInt8]?
    private var longLink: [UInt8]?
    private var zeroBlocks = 0
    private var currentName = ""
    private var currentSize: Int64 = 0
    private var currentRemaining: Int64 = 0

    /// Bytes of tar stream consumed so far.
    private(set) var offset: Int64 = 0
    /// Members handed to the consumer.
    private(set) var memberCount = 0
    /// Whether the end-of-archive marker has been read.
    var reachedEnd: Bool { if case .ended = state { true } else { false } }

    init(consumer: any TarMemberConsumer) {
        self.consumer = consumer
    }

    /// Parses the next piece of the stream.
    ///
    /// - Throws: ``BackupStreamError`` for a malformed stream, or whatever the consumer throws.
    func consume(_ bytes: UnsafeRawBufferPointer) throws {
        var position = 0
        while position < bytes.count {
            let available = bytes.count - position
            switch state {
            case .header:
                let take = min(available, TarMemberHeader.blockSize - headerFilled)
                headerBlock.withUnsafeMutableBytes { header in
                    header.baseAddress!.advanced(by: headerFilled).copyMemory(
                        from: bytes.baseAddress!.advanced(by: position), byteCount: take)
                }
                headerFilled += take
                position += take
                offset += Int64(take)
                if headerFilled == TarMemberHeader.blockSize {
                    headerFilled = 0
                    try processHeader(at: offset - Int64(TarMemberHeader.blockSize))
                }
            case .data(let remaining, let padding):
                let take = Int(min(Int64(available), remaining))
                try consumer.memberData(UnsafeRawBufferPointer(rebasing: bytes[position..<position + take]))
                position += take
                offset += Int64(take)
                currentRemaining = remaining - Int64(take)
                if currentRemaining == 0 {
                    try consumer.endMember()
                    state = padding > 0 ? .skip(remaining: Int64(padding)) : .header
                } else {
                    state = .data(remaining: currentRemaining, padding: padding)
                }
            case .metadata(let flag, let remaining, let padding):
                let take = min(available, remaining)
                metadata += bytes[position..<position + take]
                position += take
                offset += Int64(take)
                if take == remaining {
                    try processMetadata(flag: flag)
                    state = padding > 0 ? .skip(remaining: Int64(padding)) : .header
                } else {
                    state = .metadata(flag: flag, remaining: remaining - take, padding: padding)
                }
            case .skip(let remaining):
                let take = Int(min(Int64(available), remaining))
                position += take
                offset += Int64(take)
                state = take == remaining ? .header : .skip(remaining: remaining - Int64(take))
            case .ended:
                // Whatever follows the end-of-archive marker (tar pads to 10 KiB records) is not read.
                offset += Int64(available)
                position = bytes.count
            }
        }
    }

    /// Checks that the stream ended where a tar stream may end.
    ///
    /// - Throws: ``BackupStreamError/truncatedArchive(offset:detail:)`` when it stopped inside a header or a
    ///   member, or without the end-of-archive marker.
    func finish() throws(BackupStreamError) {
        switch state {
        case .ended:
            return
        case .header where headerFilled == 0 && zeroBlocks == 1:
            return  // a single zero block at the very end: nothing is missing
        case .header where headerFilled == 0:
            throw .truncatedArchive(
                offset: offset,
                detail: memberCount == 0
                    ? "the stream holds no tar header" : "no end-of-archive marker after \(memberCount) members")
        case .header:
            throw .truncatedArchive(offset: offset, detail: "the stream ends inside a 512-byte header")
        case .data:
            throw .truncatedArchive(
                offset: offset,
                detail: "the stream ends inside member \"\(currentName)\" "
                    + "(\(currentSize - currentRemaining) of \(currentSize) bytes)")
        case .metadata, .skip:
            throw .truncatedArchive(offset: offset, detail: "the stream ends inside a member's padding or headers")
        }
    }

    private func processHeader(at headerOffset: Int64) throws {
        let decoded: TarMemberHeader?
        do throws(TarFormatError) {
            decoded = try headerBlock.withUnsafeBytes { block in
                Result { () throws(TarFormatError) in try TarMemberHeader.decode(block) }
            }.get()
        } catch {
            let hint = memberCount == 0 ? " (the stream is not a tar archive, or was not decompressed/decrypted)" : ""
            throw BackupStreamError.corruptArchive(offset: headerOffset, reason: error.reason + hint)
        }
        guard var header = decoded else {
            zeroBlocks += 1
            if zeroBlocks == 2 { state = .ended }
            return
        }
        guard zeroBlocks == 0 else {
            throw BackupStreamError.corruptArchive(
                offset: headerOffset, reason: "a header follows a lone zero block (damaged archive)")
        }
        guard (0...Self.maximumMemberSize).contains(header.size) else {
            throw BackupStreamError.corruptArchive(
                offset: headerOffset, reason: "member size \(header.size) is out of range (0 to 2^62 bytes)")
        }
        switch header.kind {
        case .other(let flag) where [UInt8(ascii: "x"), UInt8(ascii: "g"), UInt8(ascii: "L"), UInt8(ascii: "K")].contains(flag):
            guard header.size <= Self.maximumMetadataLength else {
                throw BackupStreamError.corruptArchive(
                    offset: headerOffset, reason: "extended header of \(header.size) bytes is larger than 1 MiB")
            }
            metadata = []
            if header.size == 0 {
                try processMetadata(flag: flag)
            } else {
                state = .metadata(
                    flag: flag, remaining: Int(header.size), padding: TarMemberHeader.padding(for: header.size))
            }
            return
        default:
            break
        }
        do throws(TarFormatError) {
            try header.apply(globalPax)
            try header.apply(localPax)
        } catch {
            throw BackupStreamError.corruptArchive(offset: headerOffset, reason: error.reason)
        }
        guard header.size <= Self.maximumMemberSize else {
            throw BackupStreamError.corruptArchive(
                offset: headerOffset, reason: "member size \(header.size) is out of range (at most 2^62 bytes)")
        }
        // After the pax records: a pax `size` replaces the ustar field, and the padding follows the real size.
        let padding = TarMemberHeader.padding(for: header.size)
        if let longName { header.name = longName }
        if let longLink { header.linkName = longLink }
        localPax = PaxRecords()
        longName = nil
        longLink = nil

        memberCount += 1
        currentName = header.displayName
        currentSize = header.size
        currentRemaining = header.size
        try consumer.beginMember(header, offset: headerOffset)
        if header.kind == .regular, header.size > 0 {
            state = .data(remaining: header.size, padding: padding)
        } else {
            // Other members carry no data we restore; skip whatever their size field announces.
            try consumer.endMember()
            let skip = header.kind == .regular || header.kind == .hardlink ? 0 : header.size + Int64(padding)
            state = skip > 0 ? .skip(remaining: skip) : .header
        }
    }

    private func processMetadata(flag: UInt8) throws {
        let headerOffset = offset - Int64(metadata.count)
        switch flag {
        case UInt8(ascii: "L"), UInt8(ascii: "K"):
            let value = Array(metadata.prefix { $0 != 0 })
            if flag == UInt8(ascii: "L") { longName = value } else { longLink = value }
        default:
            let records: PaxRecords
            do throws(PaxFormatError) {
                records = try PaxRecords.parse(metadata)
            } catch {
                throw BackupStreamError.corruptArchive(offset: headerOffset, reason: error.reason)
            }
            let global = flag == UInt8(ascii: "g")
            if global { globalPax.merge(records) } else { localPax.merge(records) }
            let kept = global ? globalPax.byteCount : localPax.byteCount
            guard kept <= Self.maximumKeptPaxBytes else {
                throw BackupStreamError.corruptArchive(
                    offset: headerOffset,
                    reason: "\(global ? "global pax headers" : "the extended headers of one member") would keep "
                        + "\(kept) bytes of records, more than the limit of 1 MiB")
            }
        }
        metadata = []
    }
}
