/// Why compressing or decompressing failed. Positions in the stream are added by the caller, which knows them.
public enum CompressionError: Error, Equatable, CustomStringConvertible {
    /// A compression level outside what the library supports.
    case invalidLevel(Int)
    /// The data does not start with the gzip magic `1f 8b` (the first bytes found are given).
    case notGzip(found: [UInt8])
    /// A gzip header that is malformed or uses a feature we do not read (a method other than deflate).
    case badGzipHeader(String)
    /// The deflate data is invalid (the library's message is given).
    case corruptData(String)
    /// The gzip trailer's CRC-32 does not match the data.
    case crcMismatch(expected: UInt32, actual: UInt32)
    /// The data decompressed to a different length than the gzip member declares.
    case lengthMismatch(expected: Int, actual: Int)
    /// The library could not allocate its state.
    case outOfMemory(String)
    /// Any other library failure: the function and its status code.
    case library(function: String, code: Int32, message: String)

    public var description: String {
        switch self {
        case .invalidLevel(let level): "invalid compression level \(level) (supported: 0-12)"
        case .notGzip(let found):
            "not a gzip stream: expected magic 1f 8b, found \(found.map { String($0, radix: 16) }.joined(separator: " "))"
        case .badGzipHeader(let reason): "bad gzip header: \(reason)"
        case .corruptData(let message): "corrupt deflate data: \(message)"
        case .crcMismatch(let expected, let actual):
            "gzip CRC-32 mismatch: trailer says \(String(expected, radix: 16)), data has \(String(actual, radix: 16))"
        case .lengthMismatch(let expected, let actual):
            "gzip length mismatch: member declares \(expected) bytes, data has \(actual)"
        case .outOfMemory(let function): "\(function): out of memory"
        case .library(let function, let code, let message): "\(function) failed (\(code)): \(message)"
        }
    }
}
