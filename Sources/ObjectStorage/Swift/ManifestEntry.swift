#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// One segment of a large-object manifest, in either of Swift's shapes: the one sent with
/// `PUT ?multipart-manifest=put` (`path`, `etag`, `size_bytes`, also what ``LocalStorage`` writes) and the one
/// returned by `GET ?multipart-manifest=get` (`name`, `hash`, `bytes`).
struct ManifestEntry: Codable, Sendable, Equatable {
    /// `/<container>/<object>`.
    let path: String
    let etag: String?
    let sizeBytes: Int64?

    init(path: String, etag: String?, sizeBytes: Int64?) {
        self.path = path
        self.etag = etag
        self.sizeBytes = sizeBytes
    }

    private enum CodingKeys: String, CodingKey {
        case path, etag, sizeBytes = "size_bytes", name, hash, bytes, range, subSLO = "sub_slo"
    }

    init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        guard let path = try values.decodeIfPresent(String.self, forKey: .path)
            ?? values.decodeIfPresent(String.self, forKey: .name)
        else {
            throw DecodingError.keyNotFound(
                CodingKeys.path, .init(codingPath: values.codingPath, debugDescription: "no path or name"))
        }
        if try values.decodeIfPresent(String.self, forKey: .range) != nil {
            throw DecodingError.dataCorruptedError(
                forKey: .range, in: values, debugDescription: "segment ranges are not supported")
        }
        if try values.decodeIfPresent(Bool.self, forKey: .subSLO) == true {
            throw DecodingError.dataCorruptedError(
                forKey: .subSLO, in: values, debugDescription: "nested manifests are not supported")
        }
        self.path = path
        self.etag = try values.decodeIfPresent(String.self, forKey: .etag)
            ?? values.decodeIfPresent(String.self, forKey: .hash)
        self.sizeBytes = try values.decodeIfPresent(Int64.self, forKey: .sizeBytes)
            ?? values.decodeIfPresent(Int64.self, forKey: .bytes)
    }

    func encode(to encoder: any Encoder) throws {
        var values = encoder.container(keyedBy: CodingKeys.self)
        try values.encode(path, forKey: .path)
        try values.encodeIfPresent(etag, forKey: .etag)
        try values.encodeIfPresent(sizeBytes, forKey: .sizeBytes)
    }

    /// The entry for a stored segment in `container`.
    init(container: String, segment: StoredSegment) {
        self.init(path: "/\(container)/\(segment.name)", etag: segment.md5, sizeBytes: segment.size)
    }

    /// The segment this entry points at, checked: a path of the form `/<container>/<object>` in the backup's store
    /// (no component of it empty, `.` or `..`, even percent-encoded: see ``ObjectNaming/componentProblem(_:)``),
    /// a 32-digit MD5.
    ///
    /// Any container is allowed, in the same store (Swift: the same account, which the request URL fixes): Trove
    /// writes segments next to their manifest, but `swift upload --segment-size` puts them in `<container>_segments`,
    /// and a container of the tenant's own account gives the tenant's token nothing it does not already have.
    func reference(manifest: String) throws(ObjectStorageError) -> SegmentReference {
        let trimmed = path.hasPrefix("/") ? path.dropFirst() : path[...]
        guard let slash = trimmed.firstIndex(of: "/"), slash != trimmed.startIndex,
            trimmed.index(after: slash) != trimmed.endIndex
        else {
            throw .invalidManifest(object: manifest, reason: "segment path \(path.debugDescription) is not /container/object")
        }
        let components = [trimmed[..<slash]] + trimmed[trimmed.index(after: slash)...].split(
            separator: "/", omittingEmptySubsequences: false)
        for component in components {
            if let problem = ObjectNaming.componentProblem(component) {
                throw .invalidManifest(
                    object: manifest,
                    reason: "segment path \(path.debugDescription) has a component that is \(problem): "
                        + "segments must stay in the backup's store (its Swift account or local directory)")
            }
        }
        let md5 = etag.map(ObjectNaming.normalizedETag)
        if let md5, !ObjectNaming.isMD5(md5) {
            throw .invalidManifest(object: manifest, reason: "segment \(path) has no MD5 etag (\(md5))")
        }
        if let sizeBytes, sizeBytes < 0 {
            throw .invalidManifest(object: manifest, reason: "segment \(path) has a negative size")
        }
        return SegmentReference(
            container: String(trimmed[..<slash]), object: String(trimmed[trimmed.index(after: slash)...]), md5: md5,
            size: sizeBytes)
    }

    /// Decodes a manifest body (a JSON list of entries).
    static func decodeList(_ bytes: [UInt8], manifest: String) throws(ObjectStorageError) -> [ManifestEntry] {
        do {
            return try JSONDecoder().decode([ManifestEntry].self, from: Data(bytes))
        } catch {
            throw .invalidManifest(object: manifest, reason: "\(error)")
        }
    }
}
