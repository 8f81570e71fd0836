#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import HTTPTransport

/// Stores segments as files of one directory: each is written to a hidden temporary file as the stream arrives,
/// then fsynced and renamed into place once complete.
struct LocalSegmentWriter: SegmentWriter {
    /// The container directory.
    let directory: String

    func makeSpool(segmentName: String) throws -> SegmentSpool {
        try SegmentSpool.temporary(at: LocalStorage.temporaryPath(in: directory, for: segmentName), segmentName: segmentName)
    }

    func storeSegment(_ spool: SegmentSpool, attempt: Int, abort: TransferAbortSignal) throws -> String {
        let sealed = try spool.waitUntilSealed()
        try spool.commit(to: directory + "/" + spool.segmentName)
        return sealed.md5
    }

    func deleteObject(_ name: String) throws {
        try LocalStorage.removeFile(directory + "/" + name)
    }
}
