import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// A ``AgentSupport/ByteSource`` that reads a file descriptor to its end (standard input for `stream unpack`).
///
/// Reads block; call it from a pipeline thread. The descriptor is not closed.
public final class FileDescriptorByteSource: ByteSource {
    public let fileDescriptor: Int32
    private let name: String
    private let chunkSize: Int

    /// - Parameters:
    ///   - fileDescriptor: an open descriptor (0 for standard input).
    ///   - name: how errors name it.
    ///   - chunkSize: the most bytes one chunk holds.
    public init(fileDescriptor: Int32, name: String = "standard input", chunkSize: Int = 1 << 20) {
        self.fileDescriptor = fileDescriptor
        self.name = name
        self.chunkSize = chunkSize
    }

    /// - Throws: ``BackupStreamError/fileSystem(path:operation:errno:)``.
    public func nextChunk() throws -> [UInt8]? {
        var failure: Int32 = 0
        let chunk = [UInt8](unsafeUninitializedCapacity: chunkSize) { buffer, count in
            let got = SystemCalls.read(fileDescriptor, into: buffer.baseAddress!, count: buffer.count)
            if got < 0 { failure = errno }
            count = max(got, 0)
        }
        if failure != 0 { throw BackupStreamError.errno(name, "read from", failure) }
        return chunk.isEmpty ? nil : chunk
    }
}
