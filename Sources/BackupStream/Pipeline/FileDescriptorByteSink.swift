import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

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
