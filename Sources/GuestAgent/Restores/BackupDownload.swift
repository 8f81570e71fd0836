import AgentSupport
import BackupStream
import FoundationEssentials
import Logging
import ObjectStorage

/// One stored backup brought back into a directory: downloaded (its checksum checked first, several segments at
/// once, each segment's MD5 checked before a byte of it is used), decrypted, inflated and unpacked, writing no
/// more than the file system can spare. What a restore does with every backup it needs, and what `verify` does
/// with every backup of a chain.
struct BackupDownload: Sendable {
    let storage: any BackupStorage
    /// How the stream is unpacked (the guest's compression and key).
    let options: BackupUnpackOptions
    /// The free-space probe (statvfs; tests give their own).
    let space: @Sendable (String) -> BackupSpace?
    let logger: Logger

    /// Downloads the backup at `location` and unpacks it into `directory`, which is empty.
    ///
    /// - Parameter progress: the stored bytes read so far, called on a pipeline thread.
    /// - Throws: the store's integrity finding when it has one (a segment that does not match its manifest, a
    ///   checksum mismatch), otherwise the first error of either side, as
    ///   ``BackupOperationError/stepFailed(step:cause:)`` naming the download of `location`.
    func run(
        _ location: String, checksum: String?, into directory: String,
        progress: @escaping @Sendable (Int64) -> Void = { _ in }
    ) async throws {
        let pipe = BoundedChunkPipe(capacity: 32)
        var options = self.options
        if let available = space(directory)?.availableBytes {
            // A backup is not trusted to be what it says: it may write only what the file system can hold, and
            // never fill it (DB2's RESTORE and the databases need room too).
            let limits = Self.unpackLimits(availableBytes: available)
            options.maximumUnpackedBytes = limits.maximum
            options.minimumFreeBytes = limits.keepFree
        }
        let unpacker = BackupUnpacker(options: options, logger: logger)
        let storage = self.storage
        // Both sides run to their end: when the stream breaks, the download still says whether a segment in the
        // store no longer matches its manifest, which names the damage better than the decoder's error.
        let outcomes = await StreamParts<Void>().run(
            [
                { _ = try await storage.load(location: location, expectedChecksum: checksum, into: pipe) { _ in } },
                {
                    try await unpacker.unpack(
                        from: pipe, into: URL(fileURLWithPath: directory), progress: { progress($0.inputBytes) })
                },
            ], cancellingOthers: false
        ) { pipe.fail($0) }
        if let failure = Self.cause(loaded: outcomes[0].failure, unpacked: outcomes[1].failure) {
            throw BackupJob.rootCause(failure, step: "download and unpack of \(location)")
        }
    }

    /// What may be written where the images land, given the free space there: everything but a margin (5 %, at
    /// least 64 MiB, at most half of it), which must also stay free while it writes (other writers share the file
    /// system).
    static func unpackLimits(availableBytes: Int64) -> (maximum: Int64, keepFree: Int64) {
        let available = max(0, availableBytes)
        let margin = min(max(64 << 20, available / 20), available / 2)
        return (available - margin, margin)
    }

    /// The error that says what went wrong: a store's integrity finding (a segment that does not match its
    /// manifest, a checksum mismatch) over the decoder's, otherwise whichever side failed first on its own (the
    /// other then only saw the pipe fail).
    static func cause(loaded: (any Error)?, unpacked: (any Error)?) -> (any Error)? {
        if let loaded {
            switch loaded {
            case ObjectStorageError.segmentChecksumMismatch, ObjectStorageError.segmentSizeMismatch,
                ObjectStorageError.checksumMismatch:
                return loaded
            default: break
            }
        }
        return unpacked ?? loaded
    }
}
