internal import CZlib

/// A streaming gzip decompressor (zlib `inflate`), for gzip members of unknown size such as those of plain
/// `gzip` or `pigz`: input arrives in chunks of any size, output leaves in chunks of at most `outputChunkSize`.
///
/// One instance decompresses one member at a time (it checks the member's header, CRC-32 and length) and is
/// ``reset()`` for the next. It owns a heap-allocated `z_stream` (zlib keeps pointers into it, so it must not
/// move) and ends it in `deinit`. Used by one thread at a time.
public final class ZlibGzipInflater {
    /// Largest output chunk handed to the `output` closure.
    public let outputChunkSize: Int
    private let stream: UnsafeMutablePointer<z_stream>
    private var scratch: [UInt8]

    /// - Throws: ``CompressionError`` if zlib cannot initialise.
    public init(outputChunkSize: Int = 256 * 1024) throws(CompressionError) {
        precondition(outputChunkSize > 0, "output chunks need room")
        self.outputChunkSize = outputChunkSize
        scratch = [UInt8](repeating: 0, count: outputChunkSize)
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // 16 + 15: a gzip wrapper (header and trailer checked) around a 32 KiB-window deflate stream.
        let status = CZlib_inflateInit2(stream, 16 + 15)
        guard status == Z_OK else {
            let error = Self.error(function: "inflateInit2", status: status, stream: stream)
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw error
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Decompresses from `input` until it is used up or the current member ends, handing output to `output`
    /// (each chunk valid only during the call).
    ///
    /// - Returns: how many input bytes were used and whether the member ended (its trailer was checked). Bytes
    ///   after the end of the member are left unused.
    /// - Throws: ``CompressionError`` for a bad header, corrupt data or a CRC/length mismatch; any error thrown
    ///   by `output`.
    public func inflate(
        _ input: UnsafeRawBufferPointer, output: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> (consumed: Int, memberEnded: Bool) {
        guard let base = input.baseAddress, !input.isEmpty else { return (0, false) }
        stream.pointee.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = UInt32(input.count)
        defer {
            stream.pointee.next_in = nil
            stream.pointee.avail_in = 0
        }
        while true {
            let (status, produced) = scratch.withUnsafeMutableBytes { out -> (Int32, Int) in
                stream.pointee.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = UInt32(out.count)
                let status = CZlib.inflate(stream, Z_NO_FLUSH)
                return (status, out.count - Int(stream.pointee.avail_out))
            }
            if produced > 0 {
                try scratch.withUnsafeBytes { try output(UnsafeRawBufferPointer(rebasing: $0.prefix(produced))) }
            }
            let consumed = input.count - Int(stream.pointee.avail_in)
            switch status {
            case Z_STREAM_END:
                return (consumed, true)
            case Z_OK:
                if stream.pointee.avail_in == 0 && produced < outputChunkSize { return (consumed, false) }
            case Z_BUF_ERROR:
                // No progress possible: all input used (more is needed) and the output flushed.
                return (consumed, false)
            default:
                throw Self.error(function: "inflate", status: status, stream: stream)
            }
        }
    }

    /// Prepares for the next gzip member.
    public func reset() {
        inflateReset(stream)
    }

    private static func error(function: String, status: Int32, stream: UnsafeMutablePointer<z_stream>)
        -> CompressionError
    {
        let message = stream.pointee.msg.map { String(cString: $0) } ?? "status \(status)"
        switch status {
        case Z_DATA_ERROR:
            if message.contains("incorrect header check") || message.contains("unknown compression method") {
                return .badGzipHeader(message)
            }
            if message.contains("incorrect data check") { return .corruptData("CRC-32 mismatch (\(message))") }
            if message.contains("incorrect length check") { return .corruptData("length mismatch (\(message))") }
            return .corruptData(message)
        case Z_MEM_ERROR: return .outOfMemory(function)
        default: return .library(function: function, code: status, message: message)
        }
    }
}

@available(*, unavailable, message: "a z_stream must not be used by two threads at once")
extension ZlibGzipInflater: Sendable {}
