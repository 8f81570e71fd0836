import AgentSupport
import Foundation

/// A ``AgentSupport/ByteSink`` that writes to a file descriptor (standard output for `stream pack`).
///
/// Writes block (that is the back-pressure); call it from a pipeline thread. The descriptor is not closed.
public final class FileDescriptorByteSink: ByteSink {
    public let fileDescriptor: Int32
    private let name: String

    /// - Parameters:
    ///   - fileDescriptor: an open descriptor (1 for standard output).
    ///   - name: how errors name it.
    public init(fileDescriptor: Int32, name: String = "standard output") {
        self.fileDescriptor = fileDescriptor
        self.name = name
    }

    /// - Throws: ``BackupStreamError/fileSystem(path:operation:errno:)`` (EPIPE when the reader went away).
    public func write(_ chunk: [UInt8]) throws {
        try chunk.withUnsafeBytes { bytes in
            var position = 0
            while position < bytes.count {
                let written = Glibc.write(fileDescriptor, bytes.baseAddress! + position, bytes.count - position)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw BackupStreamError.errno(name, "write to")
                }
                position += written
            }
        }
    }

    public func finish() throws {}
}

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
            while true {
                let got = read(fileDescriptor, buffer.baseAddress!, buffer.count)
                if got < 0 && errno == EINTR { continue }
                if got < 0 { failure = errno }
                count = max(got, 0)
                return
            }
        }
        if failure != 0 { throw BackupStreamError.errno(name, "read from", failure) }
        return chunk.isEmpty ? nil : chunk
    }
}
