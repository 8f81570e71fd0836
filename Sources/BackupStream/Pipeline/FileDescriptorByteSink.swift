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
        if let code = chunk.withUnsafeBytes({ SystemCalls.writeAll(fileDescriptor, $0) }) {
            throw BackupStreamError.errno(name, "write to", code)
        }
    }

    public func finish() throws {}
}
