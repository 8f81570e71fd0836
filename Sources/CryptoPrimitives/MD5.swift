import AgentSupport
internal import COpenSSL

/// A streaming MD5 digest over OpenSSL's EVP interface: the checksum OpenStack Swift uses as an object's ETag.
///
/// ```swift
/// let hasher = try MD5Hasher()
/// hasher.update(chunk)
/// let etag = hasher.finalizeHex()   // "5d41402abc4b2a76b9719d911017c592"
/// ```
///
/// MD5 is used here only to match Swift's ETags (integrity against accidents, not against an adversary).
/// A hasher is single-use and confined to one thread at a time: it is deliberately not `Sendable`.
public final class MD5Hasher {
    /// Why a digest could not be set up.
    public struct Failure: Error, Equatable, CustomStringConvertible {
        /// The OpenSSL function that failed.
        public let function: String
        /// OpenSSL's error queue at the time, oldest first (may be empty).
        public let openSSLErrors: [String]

        public var description: String {
            let queue = openSSLErrors.isEmpty ? "" : " [\(openSSLErrors.joined(separator: "; "))]"
            return "MD5 unavailable: \(function) failed\(queue) (is OpenSSL in FIPS-only mode?)"
        }
    }

    private let context: OpaquePointer
    private var finalized = false

    /// Starts a new digest.
    ///
    /// - Throws: ``Failure`` when OpenSSL cannot provide MD5 (allocation failure, or a FIPS-only configuration).
    public init() throws(Failure) {
        guard let context = EVP_MD_CTX_new() else { throw Self.failure("EVP_MD_CTX_new") }
        guard EVP_DigestInit_ex(context, EVP_md5(), nil) == 1 else {
            EVP_MD_CTX_free(context)
            throw Self.failure("EVP_DigestInit_ex(md5)")
        }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Adds `bytes` to the digest.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        precondition(!finalized, "MD5Hasher.update after finalizeHex")
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        // EVP_DigestUpdate cannot fail for MD5 once initialised; a failure would be a broken OpenSSL.
        let status = EVP_DigestUpdate(context, base, bytes.count)
        precondition(status == 1, "EVP_DigestUpdate(md5) failed")
    }

    /// Adds `bytes` to the digest.
    public func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Adds `bytes` to the digest.
    public func update(_ bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Ends the digest and returns it as 32 lower-case hex digits. Call it once.
    public func finalizeHex() -> String {
        precondition(!finalized, "MD5Hasher.finalizeHex called twice")
        finalized = true
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let status = EVP_DigestFinal_ex(context, &digest, &length)
        precondition(status == 1 && length == 16, "EVP_DigestFinal_ex(md5) failed")
        return HexEncoding.lowercase(digest.prefix(Int(length)))
    }

    /// The MD5 of `bytes` as 32 lower-case hex digits.
    ///
    /// - Throws: ``Failure`` when OpenSSL cannot provide MD5.
    public static func hexDigest(of bytes: some Collection<UInt8>) throws(Failure) -> String {
        let hasher = try MD5Hasher()
        hasher.update(Array(bytes))
        return hasher.finalizeHex()
    }

    private static func failure(_ function: String) -> Failure {
        var entries: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            entries.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return Failure(function: function, openSSLErrors: entries)
    }
}

@available(*, unavailable, message: "an MD5Hasher is confined to one thread at a time")
extension MD5Hasher: Sendable {}
