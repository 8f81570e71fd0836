import Foundation

/// A fresh directory under the system's temporary directory, removed when the test is done with it.
///
/// ```swift
/// try withTemporaryDirectory { dir in ... }
/// ```
public func withTemporaryDirectory<T>(
    prefix: String = "trove-db2-agent-test",
    _ body: (URL) async throws -> T
) async throws -> T {
    let dir = try makeTemporaryDirectory(prefix: prefix)
    defer { try? FileManager.default.removeItem(at: dir) }
    return try await body(dir)
}

/// Creates a fresh directory under the system's temporary directory; the caller removes it.
public func makeTemporaryDirectory(prefix: String = "trove-db2-agent-test") throws -> URL {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))", isDirectory: true)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}
