import AgentSupport
import CryptoPrimitives
#if canImport(Glibc)
import Glibc
#endif

/// The local files of a whole-object transfer: the file being stored, and the file being downloaded into.
extension OpenFile {
    /// Opens the file at `path` for reading, refusing anything but a regular file (a FIFO would block the
    /// transfer for ever, a directory cannot be sent).
    static func openRegularFile(at path: String) throws(ObjectStorageError) -> OpenFile {
        let descriptor = SystemCalls.retryingInterrupted { open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC) }
        guard descriptor >= 0 else { throw .localFile(path: path, operation: "open", errno: errno) }
        let file = OpenFile(descriptor: descriptor, path: path)
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .localFile(path: path, operation: "stat", errno: errno) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw .invalidConfiguration("\(path) is not a regular file, so it cannot be stored as an object")
        }
        return file
    }

    /// The MD5 (hex) and length of the whole file, read from its start in chunks of `chunkSize`.
    func md5AndSize(chunkSize: Int) throws -> (md5: String, size: Int64) {
        let hasher = try ObjectNaming.makeHasher()
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        var offset: Int64 = 0
        while true {
            let count = try buffer.withUnsafeMutableBytes { bytes in
                try read(into: bytes, at: offset)
            }
            if count == 0 { return (hasher.finalizeHex(), offset) }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            offset += Int64(count)
        }
    }

    /// Copies the whole file, from its start, to the start of `destination`, in chunks of `chunkSize`; returns the
    /// MD5 (hex) and length of what was copied.
    func copyHashing(to destination: OpenFile, chunkSize: Int) throws -> (md5: String, size: Int64) {
        let hasher = try ObjectNaming.makeHasher()
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        var offset: Int64 = 0
        while true {
            let count = try buffer.withUnsafeMutableBytes { bytes in
                try read(into: bytes, at: offset)
            }
            if count == 0 { return (hasher.finalizeHex(), offset) }
            try buffer.withUnsafeBytes { bytes in
                let chunk = UnsafeRawBufferPointer(rebasing: bytes[0..<count])
                hasher.update(chunk)
                try destination.write(chunk, at: offset)
            }
            offset += Int64(count)
        }
    }

    /// Empties the file (a download starting again).
    func truncate() throws(ObjectStorageError) {
        guard ftruncate(descriptor, 0) == 0 else { throw .localFile(path: path, operation: "truncate", errno: errno) }
    }
}

/// Reads an ``OpenFile`` from its start for one request body, refusing to send more than `length` bytes (a file
/// that grew since its MD5 was taken must not pass for the one hashed: Swift then sees too few or too many bytes
/// and the request fails).
///
/// `@unchecked Sendable`: `offset` is touched only by libcurl's read callback on the one thread running the
/// transfer.
final class FileBodyReader: @unchecked Sendable {
    private let file: OpenFile
    private let length: Int64
    private var offset: Int64 = 0

    init(_ file: OpenFile, length: Int64) {
        self.file = file
        self.length = length
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let wanted = Int(min(Int64(buffer.count), length - offset))
        guard wanted > 0 else { return 0 }
        let count = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<wanted]), at: offset)
        offset += Int64(count)
        return count
    }
}
