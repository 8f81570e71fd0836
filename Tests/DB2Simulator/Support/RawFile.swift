import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// An open file descriptor, closed when the value goes away. Positional reads and writes only, so two handles on one
/// file never disturb each other's offsets.
struct RawFile: ~Copyable {
    let descriptor: Int32
    let path: String

    /// Opens `path` with the `open(2)` `flags`; `mode` applies when the file is created.
    ///
    /// - Throws: ``SystemCallError`` when `open` fails.
    init(path: String, flags: Int32, mode: mode_t = 0o600) throws {
        let descriptor = open(path, flags | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw SystemCallError("open", path: path) }
        self.descriptor = descriptor
        self.path = path
    }

    deinit { close(descriptor) }

    /// The file's size in bytes.
    func size() throws -> Int64 {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw SystemCallError("fstat", path: path) }
        return Int64(info.st_size)
    }

    /// Reads up to `count` bytes at `offset`; fewer only at the end of the file.
    func read(at offset: Int64, count: Int) throws -> [UInt8] {
        guard count > 0 else { return [] }
        var result = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = result.withUnsafeMutableBytes { buffer in
                pread(descriptor, buffer.baseAddress! + done, count - done, off_t(offset) + off_t(done))
            }
            if got < 0 {
                if errno == EINTR { continue }
                throw SystemCallError("read", path: path)
            }
            if got == 0 { break }
            done += got
        }
        result.removeLast(count - done)
        return result
    }

    /// Reads the whole file.
    func readAll() throws -> [UInt8] { try read(at: 0, count: Int(try size())) }

    /// Writes all of `bytes` at `offset`.
    func write(_ bytes: some Collection<UInt8>, at offset: Int64) throws {
        let array = Array(bytes)
        var done = 0
        while done < array.count {
            let put = array.withUnsafeBytes { buffer in
                pwrite(descriptor, buffer.baseAddress! + done, array.count - done, off_t(offset) + off_t(done))
            }
            if put < 0 {
                if errno == EINTR { continue }
                throw SystemCallError("write", path: path)
            }
            done += put
        }
    }

    /// Writes all of `bytes` at the current offset (for devices and append-mode files).
    func append(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let put = Glibc.write(descriptor, bytes.baseAddress! + done, bytes.count - done)
            if put < 0 {
                if errno == EINTR { continue }
                throw SystemCallError("write", path: path)
            }
            done += put
        }
    }

    /// Cuts or extends the file to `length` bytes (extension reads as zeros).
    func truncate(to length: Int64) throws {
        guard ftruncate(descriptor, off_t(length)) == 0 else { throw SystemCallError("ftruncate", path: path) }
    }

    /// Flushes the file's data to the device.
    func synchronize() throws {
        guard fsync(descriptor) == 0 else { throw SystemCallError("fsync", path: path) }
    }
}
