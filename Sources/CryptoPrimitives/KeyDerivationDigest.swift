internal import COpenSSL

/// The message digest `openssl enc` uses to derive its key and IV from a password (`-md`).
///
/// OpenSSL 1.0.x defaulted to MD5 (Newton-era Trove guests), OpenSSL 1.1.0 and later default to SHA-256. A stream
/// made with one cannot be decrypted with the other.
public enum KeyDerivationDigest: String, Sendable, CaseIterable, CustomStringConvertible {
    case md5
    case sha256

    public var description: String { rawValue }

    /// The OpenSSL digest object (static, owned by OpenSSL).
    var evpDigest: OpaquePointer? {
        switch self {
        case .md5: EVP_md5()
        case .sha256: EVP_sha256()
        }
    }
}
