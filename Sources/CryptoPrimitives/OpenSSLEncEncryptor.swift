/// Encrypts a stream in the format of `openssl enc -aes-256-cbc -salt -md <digest> -pass pass:<password>`:
/// `Salted__`, an 8-byte random salt, then AES-256-CBC ciphertext with PKCS#7 padding, key and IV derived by
/// `EVP_BytesToKey` (one iteration).
///
/// The first ``update(_:)`` output starts with the 16-byte header; ``finish()`` returns the padded last block.
/// Used by one thread at a time.
public final class OpenSSLEncEncryptor {
    /// The 8 magic bytes every salted `openssl enc` stream starts with.
    public static let magic: [UInt8] = Array("Salted__".utf8)
    /// Length of the header: magic and salt.
    public static let headerLength = 16

    private let cipher: AES256CBCCipher
    private var header: [UInt8]?

    /// - Parameters:
    ///   - password: the password bytes (the `pass:` value).
    ///   - digest: the key-derivation digest (`-md`).
    ///   - salt: 8 bytes; random when `nil` (tests pass a fixed salt to compare with `openssl enc -S`).
    /// - Throws: ``CryptoError`` if the salt is not 8 bytes or OpenSSL fails.
    public init(password: [UInt8], digest: KeyDerivationDigest, salt givenSalt: [UInt8]? = nil) throws(CryptoError) {
        let salt: [UInt8]
        if let given = givenSalt { salt = given } else { salt = try SecureRandom.bytes(count: 8) }
        let material = try AES256CBCKeyMaterial.derive(password: password, salt: salt, digest: digest)
        cipher = try AES256CBCCipher(.encrypt, keyMaterial: material)
        header = Self.magic + salt
    }

    /// Encrypts `input`; the first call's output is prefixed with the header.
    ///
    /// - Throws: ``CryptoError`` if OpenSSL fails.
    public func update(_ input: UnsafeRawBufferPointer) throws(CryptoError) -> [UInt8] {
        let body = try cipher.update(input)
        guard let prefix = header else { return body }
        header = nil
        return prefix + body
    }

    /// Returns the last, padded block (and the header if nothing was encrypted before).
    ///
    /// - Throws: ``CryptoError`` if OpenSSL fails.
    public func finish() throws(CryptoError) -> [UInt8] {
        let tail = try cipher.finish()
        guard let prefix = header else { return tail }
        header = nil
        return prefix + tail
    }
}

@available(*, unavailable, message: "an EVP cipher context must not be used by two threads at once")
extension OpenSSLEncEncryptor: Sendable {}
