/// One-shot AES-256-CBC with PKCS#7 padding, for small messages (Trove's secure-RPC serializer).
///
/// Trove's `crypto_utils.encrypt_data` uses a 32-byte key (the ASCII of `md5(key).hexdigest()`), 16 random IV
/// bytes prepended to the ciphertext, PKCS#7 padding, then base64; ``seal(_:key:)`` and ``open(_:key:)`` do
/// the binary part of that (the caller derives the key and base64-encodes).
public enum AES256CBC {
    /// Encrypts `plaintext` with `key` and `iv`; the result is a whole number of 16-byte blocks (1–16 bytes of
    /// padding are always added).
    ///
    /// - Throws: ``CryptoError`` when the key is not 32 bytes, the IV not 16, or OpenSSL fails.
    public static func encrypt(plaintext: [UInt8], key: [UInt8], iv: [UInt8]) throws(CryptoError) -> [UInt8] {
        let cipher = try AES256CBCCipher(.encrypt, keyMaterial: AES256CBCKeyMaterial(key: key, iv: iv))
        return try cipher.update(plaintext) + cipher.finish()
    }

    /// Decrypts `ciphertext` and strips its padding.
    ///
    /// - Throws: ``CryptoError``: `notBlockAligned` for a ciphertext that is empty or not a multiple of 16 bytes,
    ///   `badDecrypt` for invalid padding (wrong key, corrupted data), `invalidLength` for a bad key or IV.
    public static func decrypt(ciphertext: [UInt8], key: [UInt8], iv: [UInt8]) throws(CryptoError) -> [UInt8] {
        let material = try AES256CBCKeyMaterial(key: key, iv: iv)
        guard !ciphertext.isEmpty, ciphertext.count % AES256CBCKeyMaterial.ivLength == 0 else {
            throw CryptoError(reason: .notBlockAligned(length: ciphertext.count), function: "AES256CBC.decrypt")
        }
        let cipher = try AES256CBCCipher(.decrypt, keyMaterial: material)
        return try cipher.update(ciphertext) + cipher.finish()
    }

    /// Encrypts with 16 fresh random IV bytes and returns `IV ‖ ciphertext`.
    ///
    /// - Throws: ``CryptoError`` when the key is not 32 bytes or OpenSSL fails.
    public static func seal(_ plaintext: [UInt8], key: [UInt8]) throws(CryptoError) -> [UInt8] {
        let iv = try SecureRandom.bytes(count: AES256CBCKeyMaterial.ivLength)
        return try iv + encrypt(plaintext: plaintext, key: key, iv: iv)
    }

    /// Decrypts `IV ‖ ciphertext` as made by ``seal(_:key:)`` (or by Trove's `encrypt_data`, before base64).
    ///
    /// - Throws: ``CryptoError``: `notBlockAligned` when the message is shorter than an IV and one block or not
    ///   block-aligned, `badDecrypt` for invalid padding.
    public static func open(_ sealed: [UInt8], key: [UInt8]) throws(CryptoError) -> [UInt8] {
        let ivLength = AES256CBCKeyMaterial.ivLength
        guard sealed.count >= 2 * ivLength else {
            throw CryptoError(reason: .notBlockAligned(length: max(0, sealed.count - ivLength)), function: "AES256CBC.open")
        }
        return try decrypt(ciphertext: Array(sealed[ivLength...]), key: key, iv: Array(sealed[..<ivLength]))
    }
}
