#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import HTTPTransport

/// Stores segments as Swift objects: a `PUT` streaming the segment's spool as it fills (chunked, like
/// python-swiftclient), or, on a retry after the segment is complete, with `Content-Length` and the MD5 as
/// `ETag` so that Swift itself rejects a corrupted body.
struct SwiftSegmentWriter: SegmentWriter {
    let connection: SwiftConnection
    let container: String
    let spoolDirectory: String

    func makeSpool(segmentName: String) throws -> SegmentSpool {
        try SegmentSpool.anonymous(in: spoolDirectory, segmentName: segmentName)
    }

    func storeSegment(_ spool: SegmentSpool, attempt: Int, abort: TransferAbortSignal) throws -> String {
        let reader = SpoolReader(spool)
        var headers: HTTPHeaders = [:]
        let body: HTTPRequestBody
        if let sealed = spool.sealed {
            headers.set("ETag", sealed.md5)
            body = .stream(length: sealed.length) { buffer in try reader.read(into: buffer) }
        } else {
            body = .stream(length: nil) { buffer in try reader.read(into: buffer) }
        }
        let response = try connection.perform(
            .put, container: container, object: spool.segmentName, headers: headers, body: body,
            operation: "PUT segment", abort: abort)
        try connection.check(
            response, accepted: [201], operation: "PUT segment", container: container, object: spool.segmentName)
        guard let etag = response.headers["Etag"] else {
            throw ObjectStorageError.invalidManifest(
                object: SwiftConnection.displayName(container, spool.segmentName), reason: "Swift returned no ETag")
        }
        return ObjectNaming.normalizedETag(etag)
    }

    func deleteObject(_ name: String) throws {
        try connection.deleteObject(container: container, object: name, abort: nil)
    }

    /// Reads a spool from its start for one transfer.
    ///
    /// `@unchecked Sendable`: `offset` is touched only by libcurl's read callback on the one thread running the
    /// transfer.
    private final class SpoolReader: @unchecked Sendable {
        private let spool: SegmentSpool
        private var offset: Int64 = 0

        init(_ spool: SegmentSpool) { self.spool = spool }

        func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            let count = try spool.read(at: offset, into: buffer)
            offset += Int64(count)
            return count
        }
    }
}
