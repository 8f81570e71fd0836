internal import COpenSSL

/// A streaming AES-256-CBC encryption or decryption with PKCS#7 padding (OpenSSL's EVP interface).
///
/// Feed any number of ``update(_:)`` calls of any sizes, then ``finish()`` exactly once:
///
/// ```swift
/// let cipher = try AES256CBCCipher(.encrypt, keyMaterial: material)
/// var out = try cipher.update(part1)
/// out += try cipher.update(part2)
/// out += try cipher.finish()      // the padded last block
/// ```
///
/// Decryption holds back the last block until ``finish()``, which checks and strips the padding.
/// An instance is used by one thread at a time; it owns its `EVP_CIPHER_CTX` and frees it in `deinit`.
public final class AES256CBCCipher {
    /// Whether the cipher encrypts or decrypts.
    public enum Operation: Sendable {
        case encrypt
        case decrypt
    }

    public let operation: Operation
    private let context: OpaquePointer
    private var finished = false

    /// - Throws: ``CryptoError`` if OpenSSL cannot set up the cipher.
    public init(_ operation: Operation, keyMaterial: AES256CBCKeyMaterial) throws(CryptoError) {
        guard let context = EVP_CIPHER_CTX_new() else {
            throw CryptoError.drainingQueue(function: "EVP_CIPHER_CTX_new")
        }
        self.context = context
        self.operation = operation
        let encrypt: Int32 = operation == .encrypt ? 1 : 0
        guard EVP_CipherInit_ex(context, EVP_aes_256_cbc(), nil, keyMaterial.key, keyMaterial.iv, encrypt) == 1
        else {
            EVP_CIPHER_CTX_free(context)
            throw CryptoError.drainingQueue(function: "EVP_CipherInit_ex")
        }
    }

    deinit { EVP_CIPHER_CTX_free(context) }

    /// Processes `input` and returns the output it completes (possibly empty: CBC works in 16-byte blocks).
    ///
    /// - Throws: ``CryptoError`` if OpenSSL fails.
    public func update(_ input: UnsafeRawBufferPointer) throws(CryptoError) -> [UInt8] {
        precondition(!finished, "update after finish")
        if input.isEmpty { return [] }
        precondition(input.count < Int(Int32.max) - AES256CBCKeyMaterial.ivLength, "EVP takes an Int32 length")
        var failed = false
        let output = [UInt8](unsafeUninitializedCapacity: input.count + AES256CBCKeyMaterial.ivLength) { buffer, count in
            var written: Int32 = 0
            failed = EVP_CipherUpdate(
                context, buffer.baseAddress!, &written, input.baseAddress!.assumingMemoryBound(to: UInt8.self),
                Int32(input.count)) != 1
            count = failed ? 0 : Int(written)
        }
        guard !failed else { throw CryptoError.drainingQueue(function: "EVP_CipherUpdate") }
        return output
    }

    /// Processes the bytes of `input`; see ``update(_:)-(UnsafeRawBufferPointer)``.
    public func update(_ input: [UInt8]) throws(CryptoError) -> [UInt8] {
        try input.withUnsafeBytes { raw in Result { () throws(CryptoError) in try update(raw) } }.get()
    }

    /// Ends the stream: encryption returns the padded last block; decryption checks the padding of the last
    /// block and returns its plaintext.
    ///
    /// - Throws: ``CryptoError`` with reason `badDecrypt` when decryption finds invalid padding (wrong key or
    ///   digest, corrupted or truncated ciphertext); reason `notBlockAligned` is not used here (OpenSSL reports a
    ///   partial last block as `badDecrypt` too).
    public func finish() throws(CryptoError) -> [UInt8] {
        precondition(!finished, "finish called twice")
        finished = true
        var output = [UInt8](repeating: 0, count: AES256CBCKeyMaterial.ivLength)
        var written: Int32 = 0
        guard EVP_CipherFinal_ex(context, &output, &written) == 1 else {
            throw CryptoError.drainingQueue(
                function: "EVP_CipherFinal_ex", reason: operation == .decrypt ? .badDecrypt : .library)
        }
        output.removeLast(output.count - Int(written))
        return output
    }
}

@available(*, unavailable, message: "an EVP cipher context must not be used by two threads at once")
extension AES256CBCCipher: Sendable {}
