internal import COpenSSL

/// A failure reported by OpenSSL, with the entries of OpenSSL's error queue that explain it.
///
/// Never carries key material: only the function that failed, a reason and OpenSSL's own error strings.
public struct CryptoError: Error, Equatable, CustomStringConvertible {
    /// What went wrong, in the terms a caller can act on.
    public enum Reason: Sendable, Equatable {
        /// The final block of a decryption had invalid padding: the key (or its digest) is wrong, or the
        /// ciphertext is corrupted or truncated.
        case badDecrypt
        /// A key, IV or salt of the wrong length was given (`expected` bytes).
        case invalidLength(what: String, expected: Int, actual: Int)
        /// Ciphertext that must be a whole number of cipher blocks was not.
        case notBlockAligned(length: Int)
        /// Any other failure of the library (allocation, an unsupported algorithm, a provider error).
        case library
    }

    /// What went wrong.
    public let reason: Reason
    /// The OpenSSL function (or the operation) that failed, e.g. `EVP_DecryptFinal_ex`.
    public let function: String
    /// OpenSSL's error queue at the time of the failure, oldest first (may be empty).
    public let openSSLErrors: [String]

    public init(reason: Reason, function: String, openSSLErrors: [String] = []) {
        self.reason = reason
        self.function = function
        self.openSSLErrors = openSSLErrors
    }

    public var description: String {
        let what =
            switch reason {
            case .badDecrypt: "bad decrypt (wrong key or digest, or corrupted data)"
            case .invalidLength(let what, let expected, let actual): "\(what) must be \(expected) bytes, got \(actual)"
            case .notBlockAligned(let length): "ciphertext length \(length) is not a multiple of the 16-byte block"
            case .library: "OpenSSL failure"
            }
        let queue = openSSLErrors.isEmpty ? "" : " [\(openSSLErrors.joined(separator: "; "))]"
        return "\(function): \(what)\(queue)"
    }

    /// Builds an error from OpenSSL's error queue, emptying the queue so that later calls start clean.
    static func drainingQueue(function: String, reason: Reason = .library) -> CryptoError {
        var entries: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            entries.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return CryptoError(reason: reason, function: function, openSSLErrors: entries)
    }
}
