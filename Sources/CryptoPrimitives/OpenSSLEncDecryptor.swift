/// Decrypts the body of an `openssl enc -aes-256-cbc -salt` stream once its 16-byte header has been read.
///
/// ```swift
/// let salt = try OpenSSLEncDecryptor.salt(fromHeader: first16Bytes)
/// let decryptor = try OpenSSLEncDecryptor(password: pass, salt: salt, digest: .sha256)
/// var plain = try decryptor.update(body)
/// plain += try decryptor.finish()     // checks the padding
/// ```
/// Used by one thread at a time.
public final class OpenSSLEncDecryptor {
    private let cipher: AES256CBCCipher

    /// Whether `header` (16 bytes) starts with `Salted__`.
    public static func isSaltedHeader(_ header: some Collection<UInt8>) -> Bool {
        header.count >= OpenSSLEncEncryptor.headerLength && header.prefix(8).elementsEqual(OpenSSLEncEncryptor.magic)
    }

    /// The salt of a 16-byte `Salted__` header, or `nil` when `header` is not one.
    public static func salt(fromHeader header: some Collection<UInt8>) -> [UInt8]? {
        guard isSaltedHeader(header) else { return nil }
        return Array(header.dropFirst(8).prefix(8))
    }

    /// - Throws: ``CryptoError`` if the salt is not 8 bytes or OpenSSL fails.
    public init(password: [UInt8], salt: [UInt8], digest: KeyDerivationDigest) throws(CryptoError) {
        let material = try AES256CBCKeyMaterial.derive(password: password, salt: salt, digest: digest)
        cipher = try AES256CBCCipher(.decrypt, keyMaterial: material)
    }

    /// Decrypts `input`, holding back the last block until ``finish()``.
    ///
    /// - Throws: ``CryptoError`` if OpenSSL fails.
    public func update(_ input: UnsafeRawBufferPointer) throws(CryptoError) -> [UInt8] {
        try cipher.update(input)
    }

    /// Checks and strips the padding of the last block.
    ///
    /// - Throws: ``CryptoError`` with reason `badDecrypt` for a wrong key or digest, or a truncated or corrupted
    ///   stream.
    public func finish() throws(CryptoError) -> [UInt8] {
        try cipher.finish()
    }
}

@available(*, unavailable, message: "an EVP cipher context must not be used by two threads at once")
extension OpenSSLEncDecryptor: Sendable {}
