internal import COpenSSL

/// A 32-byte AES-256 key and a 16-byte CBC IV. Every textual form hides the bytes.
public struct AES256CBCKeyMaterial: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// AES-256 key length in bytes.
    public static let keyLength = 32
    /// AES block and CBC IV length in bytes.
    public static let ivLength = 16

    public let key: [UInt8]
    public let iv: [UInt8]

    /// - Throws: ``CryptoError`` with reason `invalidLength` when the key is not 32 bytes or the IV not 16.
    public init(key: [UInt8], iv: [UInt8]) throws(CryptoError) {
        guard key.count == Self.keyLength else {
            throw CryptoError(
                reason: .invalidLength(what: "AES-256 key", expected: Self.keyLength, actual: key.count),
                function: "AES256CBCKeyMaterial")
        }
        guard iv.count == Self.ivLength else {
            throw CryptoError(
                reason: .invalidLength(what: "CBC IV", expected: Self.ivLength, actual: iv.count),
                function: "AES256CBCKeyMaterial")
        }
        self.key = key
        self.iv = iv
    }

    /// Derives key and IV from a password exactly as `openssl enc -aes-256-cbc -salt -md <digest>` does:
    /// `EVP_BytesToKey` with one iteration over the password and the 8-byte salt.
    ///
    /// - Parameters:
    ///   - password: the password bytes (what follows `pass:` on openssl's command line).
    ///   - salt: the 8 bytes that follow `Salted__` in the stream.
    ///   - digest: the key-derivation digest (`-md`).
    /// - Throws: ``CryptoError`` when the salt is not 8 bytes or OpenSSL fails.
    public static func derive(password: [UInt8], salt: [UInt8], digest: KeyDerivationDigest) throws(CryptoError)
        -> AES256CBCKeyMaterial
    {
        guard salt.count == 8 else {
            throw CryptoError(
                reason: .invalidLength(what: "openssl enc salt", expected: 8, actual: salt.count),
                function: "EVP_BytesToKey")
        }
        var key = [UInt8](repeating: 0, count: keyLength)
        var iv = [UInt8](repeating: 0, count: ivLength)
        let produced = password.withUnsafeBufferPointer { pass in
            EVP_BytesToKey(
                EVP_aes_256_cbc(), digest.evpDigest, salt, pass.baseAddress, Int32(pass.count), 1, &key, &iv)
        }
        guard produced == keyLength else { throw CryptoError.drainingQueue(function: "EVP_BytesToKey") }
        return try AES256CBCKeyMaterial(key: key, iv: iv)
    }

    public var description: String { "AES256CBCKeyMaterial(***)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: []) }
}
