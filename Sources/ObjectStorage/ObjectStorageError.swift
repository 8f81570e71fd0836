#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import HTTPTransport

/// Why a save, load or delete failed. Every case names the object (or segment) concerned; none carries a token.
public enum ObjectStorageError: Error, CustomStringConvertible {
    /// 401: Swift refused the token (it expired, or is invalid for this account).
    case tokenRejected(SwiftFailure)
    /// 403: the token is valid but not allowed to do this.
    case forbidden(SwiftFailure)
    /// 404: the object or container does not exist.
    case notFound(SwiftFailure)
    /// 413: the object (or a segment) exceeds Swift's size limit.
    case tooLarge(SwiftFailure)
    /// 422: Swift computed a different MD5 than the one sent with the object.
    case etagRejected(SwiftFailure)
    /// 507: the Swift cluster is out of space.
    case insufficientStorage(SwiftFailure)
    /// Any other 5xx.
    case serverError(SwiftFailure)
    /// Any other unexpected status.
    case unexpectedStatus(SwiftFailure)
    /// No HTTP response: connection refused or lost, timeout, abort.
    case transport(operation: String, object: String, HTTPTransportError)
    /// The stored object's checksum is not the one expected (Trove's `SwiftDownloadIntegrityError`), or a
    /// manifest's checksum does not match its segment list.
    case checksumMismatch(object: String, expected: String, actual: String)
    /// A segment's content does not match the MD5 recorded for it (on download), or the store reported a
    /// different MD5 than the one computed while sending it (on upload).
    case segmentChecksumMismatch(segment: String, expected: String, actual: String)
    /// A segment's length does not match its manifest entry.
    case segmentSizeMismatch(segment: String, expected: Int64, actual: Int64)
    /// A manifest could not be read or is not one this agent understands.
    case invalidManifest(object: String, reason: String)
    /// A location that does not name a backup of this store.
    case invalidLocation(String, reason: String)
    /// An object or container name Swift would refuse or misread.
    case invalidName(String, reason: String)
    /// A bad ``StorageConfiguration`` field or metadata entry.
    case invalidConfiguration(String)
    /// The backup would need more than `limit` segments of `segmentSize` bytes (Swift's SLO limit).
    case tooManySegments(object: String, limit: Int, segmentSize: Int64)
    /// A local file operation failed (`errno` from the system call).
    case localFile(path: String, operation: String, errno: Int32)
    /// An upload failed (`cause`), and these objects it had written could not be deleted: remove them with
    /// ``BackupStorage/deletePartialUpload(objectName:)`` once the store is reachable again.
    case uploadAbandoned(object: String, cause: any Error, leftBehind: [String])
    /// MD5 is unavailable in this OpenSSL (FIPS-only mode).
    case checksumUnavailable(String)
    /// The operation was cancelled.
    case cancelled

    public var description: String {
        switch self {
        case .tokenRejected(let failure):
            "Swift rejected the auth token (expired or invalid): \(failure)"
        case .forbidden(let failure): "Swift refused access: \(failure)"
        case .notFound(let failure): "not found in Swift: \(failure)"
        case .tooLarge(let failure): "too large for Swift: \(failure)"
        case .etagRejected(let failure): "Swift received different bytes than were sent (ETag mismatch): \(failure)"
        case .insufficientStorage(let failure): "Swift is out of space: \(failure)"
        case .serverError(let failure): "Swift server error: \(failure)"
        case .unexpectedStatus(let failure): "unexpected Swift response: \(failure)"
        case .transport(let operation, let object, let error): "\(operation) \(object): \(error)"
        case .checksumMismatch(let object, let expected, let actual):
            "checksum mismatch for \(object): expected \(expected), stored \(actual)"
        case .segmentChecksumMismatch(let segment, let expected, let actual):
            "segment \(segment) is corrupt: MD5 \(actual), expected \(expected)"
        case .segmentSizeMismatch(let segment, let expected, let actual):
            "segment \(segment) has \(actual) bytes, expected \(expected)"
        case .invalidManifest(let object, let reason): "invalid manifest \(object): \(reason)"
        case .invalidLocation(let location, let reason): "invalid backup location \(location): \(reason)"
        case .invalidName(let name, let reason): "invalid object name \(name.debugDescription): \(reason)"
        case .invalidConfiguration(let reason): "invalid storage configuration: \(reason)"
        case .tooManySegments(let object, let limit, let segmentSize):
            "\(object) needs more than \(limit) segments of \(segmentSize) bytes: raise backup_segment_max_size"
        case .localFile(let path, let operation, let errno):
            "\(operation) \(path): \(String(cString: strerror(errno))) (errno \(errno))"
        case .uploadAbandoned(let object, let cause, let leftBehind):
            "upload of \(object) failed (\(cause)); could not delete \(leftBehind.count) object(s) it wrote: "
                + leftBehind.joined(separator: ", ")
        case .checksumUnavailable(let reason): reason
        case .cancelled: "cancelled"
        }
    }

    /// Whether the same request may succeed if tried again.
    public var isTransient: Bool {
        switch self {
        case .serverError, .etagRejected, .segmentChecksumMismatch: true
        case .unexpectedStatus(let failure): failure.status == 408 || failure.status == 429
        case .transport(_, _, let error): error.isTransient
        default: false
        }
    }

    /// Whether this says the object is not there: Swift's 404, or a local store's missing file (`ENOENT`).
    public var isNotFound: Bool {
        switch self {
        case .notFound: true
        case .localFile(_, _, let code): code == ENOENT
        default: false
        }
    }

    /// The typed error for an HTTP error status.
    static func http(_ failure: SwiftFailure) -> ObjectStorageError {
        switch failure.status {
        case 401: .tokenRejected(failure)
        case 403: .forbidden(failure)
        case 404: .notFound(failure)
        case 413: .tooLarge(failure)
        case 422: .etagRejected(failure)
        case 507: .insufficientStorage(failure)
        case 500..<600: .serverError(failure)
        default: .unexpectedStatus(failure)
        }
    }
}
