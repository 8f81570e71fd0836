import HTTPTransport

/// Reads segments from files under a ``LocalStorage`` root: `<root>/<container>/<object>`.
struct LocalSegmentReader: SegmentReader {
    let root: String
    let chunkSize: Int

    func fetch(
        _ segment: SegmentReference,
        from offset: Int64,
        abort: TransferAbortSignal,
        into consumer: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let file = try OpenFile.openForReading(at: root + "/" + segment.container + "/" + segment.object)
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        var position = offset
        while true {
            if abort.isAborted { throw ObjectStorageError.cancelled }
            let count = try buffer.withUnsafeMutableBytes { bytes throws(ObjectStorageError) in
                try file.read(into: bytes, at: position)
            }
            if count == 0 { return }
            position += Int64(count)
            try buffer.withUnsafeBytes { bytes in try consumer(UnsafeRawBufferPointer(rebasing: bytes[0..<count])) }
        }
    }
}
