import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// Reads the backup key (Trove's `backup_aes_cbc_key`) from a file: the first line, without its line ending.
public enum BackupKeyFile {
    /// Reads the key on the blocking thread pool (for async callers).
    ///
    /// - Throws: what ``read(from:)`` throws.
    public static func load(from url: URL) async throws -> Secret<String> {
        try await BlockingThreadPool.shared.run { try read(from: url) }
    }

    /// - Throws: ``BackupStreamError`` when the file cannot be read or its first line is empty. The key itself
    ///   never appears in an error.
    public static func read(from url: URL) throws -> Secret<String> {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw BackupStreamError.fileSystem(
                path: url.path, operation: "read key file",
                errno: SystemErrorCode.of(error))
        }
        var line = data.prefix { $0 != 0x0a }
        if line.last == 0x0d { line.removeLast() }
        guard !line.isEmpty else { throw BackupStreamError.invalidOptions("the key file \(url.path) has an empty first line") }
        return Secret(String(decoding: line, as: UTF8.self))
    }
}
