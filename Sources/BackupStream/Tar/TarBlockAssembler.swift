import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// Cuts the tar stream into fixed-size blocks (the units compressed in parallel) and hands each full block on.
///
/// File contents are read straight into the block being filled, so each byte is copied once on its way in.
/// Used by one thread.
final class TarBlockAssembler {
    let blockSize: Int
    private let emit: ([UInt8]) throws -> Void
    private var block: [UInt8]
    private var filled = 0
    /// Bytes of tar stream produced so far.
    private(set) var totalBytes: Int64 = 0

    /// - Parameter emit: receives each block, full except the last one.
    init(blockSize: Int, emit: @escaping ([UInt8]) throws -> Void) {
        self.blockSize = blockSize
        self.emit = emit
        block = [UInt8](repeating: 0, count: blockSize)
    }

    /// Appends `bytes` to the stream.
    func append(_ bytes: [UInt8]) throws {
        var position = 0
        while position < bytes.count {
            let take = min(bytes.count - position, blockSize - filled)
            block.withUnsafeMutableBufferPointer { out in
                bytes.withUnsafeBufferPointer { input in
                    (out.baseAddress! + filled).update(from: input.baseAddress! + position, count: take)
                }
            }
            filled += take
            position += take
            totalBytes += Int64(take)
            if filled == blockSize { try emitBlock() }
        }
    }

    /// Appends `count` zero bytes.
    func appendZeros(_ count: Int) throws {
        var remaining = count
        while remaining > 0 {
            let take = min(remaining, blockSize - filled)
            block.withUnsafeMutableBufferPointer { out in
                (out.baseAddress! + filled).update(repeating: 0, count: take)
            }
            filled += take
            remaining -= take
            totalBytes += Int64(take)
            if filled == blockSize { try emitBlock() }
        }
    }

    /// Reads up to `count` bytes from `fd` into the stream.
    ///
    /// - Returns: the bytes read; fewer than `count` only at end of file.
    /// - Throws: ``BackupStreamError/fileSystem(path:operation:errno:)`` for a read error, or what `emit` throws.
    func appendFile(_ fd: Int32, count: Int64, path: String) throws -> Int64 {
        var remaining = count
        while remaining > 0 {
            let want = Int(min(remaining, Int64(blockSize - filled)))
            let got = block.withUnsafeMutableBufferPointer { out in
                SystemCalls.read(fd, into: out.baseAddress! + filled, count: want)
            }
            if got < 0 { throw BackupStreamError.errno(path, "read") }
            if got == 0 { break }
            filled += got
            remaining -= Int64(got)
            totalBytes += Int64(got)
            if filled == blockSize { try emitBlock() }
        }
        return count - remaining
    }

    /// Hands on the last, partial block.
    func flush() throws {
        if filled > 0 { try emitBlock() }
    }

    /// Hands on an empty block when nothing at all was appended: an empty file still becomes one (empty) gzip
    /// member, as `gzip -c` of an empty file does, so that the stream is never zero members.
    func emitEmptyBlockIfNothingAppended() throws {
        if totalBytes == 0 { try emit([]) }
    }

    private func emitBlock() throws {
        var full = block
        if filled < blockSize { full.removeLast(blockSize - filled) }
        block = [UInt8](repeating: 0, count: blockSize)
        filled = 0
        try emit(full)
    }
}
