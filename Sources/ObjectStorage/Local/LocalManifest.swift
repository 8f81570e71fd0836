#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// The manifest of a ``LocalStorage`` backup: a JSON file at the backup's name, next to its segments, listing
/// them in Swift's SLO manifest shape (`path`, `etag`, `size_bytes`) with the backup's checksum and metadata.
struct LocalManifest: Codable, Equatable {
    static let formatName = "trove-db2-agent/local-manifest"

    let format: String
    let version: Int
    let object: String
    let checksum: String
    let sizeBytes: Int64
    let metadata: [String: String]
    let segments: [ManifestEntry]

    init(object: String, checksum: String, sizeBytes: Int64, metadata: [String: String], segments: [ManifestEntry]) {
        self.format = Self.formatName
        self.version = 1
        self.object = object
        self.checksum = checksum
        self.sizeBytes = sizeBytes
        self.metadata = metadata
        self.segments = segments
    }

    private enum CodingKeys: String, CodingKey {
        case format, version, object, checksum, sizeBytes = "size_bytes", metadata, segments
    }

    func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self))
    }

    /// Reads and checks the manifest open as `file`.
    ///
    /// - Throws: ``ObjectStorageError/invalidManifest(object:reason:)`` when it is not one of ours.
    static func read(from file: OpenFile) throws -> LocalManifest {
        let path = file.path
        let size = try file.size()
        guard size <= 16 * 1024 * 1024 else {
            throw ObjectStorageError.invalidManifest(object: path, reason: "\(size) bytes is too large for a manifest")
        }
        var bytes = [UInt8](repeating: 0, count: Int(size))
        var done = 0
        while done < bytes.count {
            let count = try bytes.withUnsafeMutableBytes { buffer in
                try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]), at: Int64(done))
            }
            guard count > 0 else { break }
            done += count
        }
        let manifest: LocalManifest
        do {
            manifest = try JSONDecoder().decode(LocalManifest.self, from: Data(bytes[0..<done]))
        } catch {
            throw ObjectStorageError.invalidManifest(object: path, reason: "not a trove-db2-agent manifest: \(error)")
        }
        guard manifest.format == formatName, manifest.version == 1 else {
            throw ObjectStorageError.invalidManifest(object: path, reason: "unknown format \(manifest.format) v\(manifest.version)")
        }
        return manifest
    }
}
