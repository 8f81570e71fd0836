import Compression

/// Cuts a (decrypted) gzip stream into members and decompresses them, in order, into an
/// ``OrderedParallelQueue``.
///
/// Members written by our packer declare their sizes in the header: each is handed whole to the queue's workers
/// and inflated in parallel with libdeflate; small ones (a block of mixed pages is cut into a member per run of
/// random-looking pages) go together, up to ``batchLength`` bytes inflated, so that a hand-off is not paid per
/// page. Any other member (plain `gzip`, `pigz`) is inflated here, streaming, with zlib. Either way every member's
/// CRC-32 and length are checked, and the stream must end exactly after a member. Used by one thread (the queue's
/// producer).
final class GzipStreamDecoder {
    private let queue: OrderedParallelQueue<[UInt8]>
    private var buffer: [UInt8] = []
    private var bufferStart = 0
    /// Offset in the gzip stream of `buffer[bufferStart]`.
    private var offset: Int64 = 0
    private var inflater: ZlibGzipInflater?
    private var streamingMemberOffset: Int64 = 0
    private(set) var memberCount = 0
    /// Whole members waiting to be handed to the queue together.
    private var batch = MemberBatch()
    /// Bytes inflated at which a batch of small members is handed over.
    static let batchLength = 512 * 1024

    init(queue: OrderedParallelQueue<[UInt8]>) {
        self.queue = queue
    }

    /// Decodes the next piece of the gzip stream.
    ///
    /// - Throws: ``BackupStreamError/corruptCompressedStream(offset:reason:)``, or the queue's failure.
    func feed(_ bytes: [UInt8]) throws {
        if bufferStart == buffer.count {
            buffer = bytes
            bufferStart = 0
        } else {
            buffer.removeFirst(bufferStart)
            bufferStart = 0
            buffer += bytes
        }
        while bufferStart < buffer.count {
            if inflater != nil {
                guard try inflateStreaming() else { return }
            } else if try !startMember() {
                return
            }
        }
    }

    /// Checks that the stream ended after a whole member.
    ///
    /// - Throws: ``BackupStreamError/truncatedCompressedStream(offset:detail:)``.
    func finish() throws {
        try submitBatch()
        if inflater != nil {
            throw BackupStreamError.truncatedCompressedStream(
                offset: offset, detail: "the stream ends inside the gzip member at byte \(streamingMemberOffset)")
        }
        if bufferStart < buffer.count {
            throw BackupStreamError.truncatedCompressedStream(
                offset: offset + Int64(buffer.count - bufferStart),
                detail: "the stream ends inside the gzip member at byte \(offset)")
        }
        if memberCount == 0 {
            throw BackupStreamError.truncatedCompressedStream(offset: 0, detail: "the stream is empty")
        }
    }

    /// Starts the member at the front of the buffer; `false` when more bytes are needed.
    private func startMember() throws -> Bool {
        let available = buffer.count - bufferStart
        let header: GzipMemberHeader?
        do throws(CompressionError) {
            header = try buffer.withUnsafeBytes { raw in
                Result { () throws(CompressionError) in
                    try GzipMemberHeader.parse(UnsafeRawBufferPointer(rebasing: raw[bufferStart...]))
                }
            }.get()
        } catch {
            var reason = memberCount == 0 ? "\(error)" : "unexpected data after the last gzip member (\(error))"
            if buffer[bufferStart...].starts(with: Array("Salted__".utf8)) {
                reason += "; the stream is encrypted (openssl enc): give the key"
            }
            throw BackupStreamError.corruptCompressedStream(offset: offset, reason: reason)
        }
        guard let header else {
            if available > 1 << 20 {
                throw BackupStreamError.corruptCompressedStream(offset: offset, reason: "gzip header longer than 1 MiB")
            }
            return false
        }
        memberCount += 1
        guard let sizes = header.blockSizes, let memberLength = GzipBlockDecompressor.memberLength(of: header) else {
            // A member of unknown length: inflate it here, streaming, after the members before it.
            try submitBatch()
            let inflater = try spareInflater ?? ZlibGzipInflater()
            spareInflater = nil
            inflater.reset()
            self.inflater = inflater
            streamingMemberOffset = offset
            return true
        }
        guard available >= memberLength else {
            memberCount -= 1
            return false
        }
        batch.add(buffer[bufferStart..<bufferStart + memberLength], header: header, sizes: sizes, offset: offset)
        bufferStart += memberLength
        offset += Int64(memberLength)
        if batch.inflatedLength >= Self.batchLength { try submitBatch() }
        return true
    }

    /// Hands the waiting members to the queue's workers, as one job.
    private func submitBatch() throws {
        guard !batch.members.isEmpty else { return }
        let members = batch
        batch = MemberBatch()
        try queue.submit {
            do {
                return try ComputePools.blockDecompressors.withObject { decompressor in try members.inflate(decompressor) }
            } catch let failure as MemberBatch.Failure {
                throw BackupStreamError.corruptCompressedStream(
                    offset: failure.offset, reason: "gzip member at byte \(failure.offset): \(failure.error)")
            }
        }
    }

    /// Inflates from the buffer; `false` when no progress can be made without more input.
    private func inflateStreaming() throws -> Bool {
        guard let inflater else { return false }
        let queue = self.queue
        let result: (consumed: Int, memberEnded: Bool)
        do {
            result = try buffer.withUnsafeBytes { raw in
                try inflater.inflate(UnsafeRawBufferPointer(rebasing: raw[bufferStart...])) { output in
                    try queue.submitResult(Array(output))
                }
            }
        } catch let error as CompressionError {
            throw BackupStreamError.corruptCompressedStream(
                offset: offset, reason: "gzip member at byte \(streamingMemberOffset): \(error)")
        }
        bufferStart += result.consumed
        offset += Int64(result.consumed)
        if result.memberEnded {
            self.inflater = nil
            spareInflater = inflater
        }
        return result.consumed > 0 || result.memberEnded
    }

    /// Kept to reuse its zlib state for the next streamed member.
    private var spareInflater: ZlibGzipInflater?
}
