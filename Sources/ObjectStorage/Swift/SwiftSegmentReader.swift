import HTTPTransport

/// Fetches segments from Swift with `GET`, a part or a resumed transfer with `Range: bytes=<offset>-<last>`.
struct SwiftSegmentReader: SegmentReader {
    let connection: SwiftConnection

    func fetch(
        _ segment: SegmentReference,
        from offset: Int64,
        upTo end: Int64?,
        abort: TransferAbortSignal,
        into consumer: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        var headers: HTTPHeaders = [:]
        // A range only when it is not the whole object: to its end from `offset`, or a part before its end.
        if let end, end != segment.size {
            headers.set("Range", "bytes=\(offset)-\(end - 1)")
        } else if offset > 0 {
            headers.set("Range", "bytes=\(offset)-")
        }
        var skip: Int64 = 0
        // Bytes still wanted, when the range ends before the object does.
        var wanted = end.map { $0 - offset }
        // The consumer only runs during `perform`, so it does not really escape.
        let response = try withoutActuallyEscaping(consumer) { consumer in
            try connection.perform(
            .get, container: segment.container, object: segment.object, headers: headers, operation: "GET segment",
                abort: abort
            ) { head in
                guard head.status == 200 || head.status == 206 else { return nil }
                // A server that ignores Range answers 200 with the whole object: skip what was already received,
                // and drop what lies past the range.
                skip = head.status == 200 ? offset : 0
                return { bytes in
                    var bytes = bytes
                    if skip > 0 {
                        let dropped = Int(min(skip, Int64(bytes.count)))
                        skip -= Int64(dropped)
                        bytes = UnsafeRawBufferPointer(rebasing: bytes[dropped...])
                        if bytes.isEmpty { return }
                    }
                    if let left = wanted {
                        bytes = UnsafeRawBufferPointer(rebasing: bytes[..<Int(min(left, Int64(bytes.count)))])
                        wanted = left - Int64(bytes.count)
                        if bytes.isEmpty { return }
                    }
                    try consumer(bytes)
                }
            }
        }
        try connection.check(
            response, accepted: [200, 206], operation: "GET segment", container: segment.container,
            object: segment.object)
    }
}
