import HTTPTransport

/// Reads segments from files under a ``LocalStorage`` root: `<root>/<container>/<object>`, never outside it
/// (``LocalStoreFiles``).
struct LocalSegmentReader: SegmentReader {
    let files: LocalStoreFiles
    /// The manifest the segments come from, for errors.
    let manifest: String
    let chunkSize: Int

    func fetch(
        _ segment: SegmentReference,
        from offset: Int64,
        upTo end: Int64?,
        abort: TransferAbortSignal,
        into consumer: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let file = try files.openForReading(container: segment.container, name: segment.object) { [manifest] in
            ObjectStorageError.invalidManifest(object: manifest, reason: "segment " + $0)
        }
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        var position = offset
        while true {
            if abort.isAborted { throw ObjectStorageError.cancelled }
            let wanted = end.map { Int(min(Int64(buffer.count), $0 - position)) } ?? buffer.count
            if wanted <= 0 { return }
            let count = try buffer.withUnsafeMutableBytes { bytes throws(ObjectStorageError) in
                try file.read(into: UnsafeMutableRawBufferPointer(rebasing: bytes[0..<wanted]), at: position)
            }
            if count == 0 { return }
            position += Int64(count)
            try buffer.withUnsafeBytes { bytes in try consumer(UnsafeRawBufferPointer(rebasing: bytes[0..<count])) }
        }
    }
}
