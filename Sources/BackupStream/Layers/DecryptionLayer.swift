import AgentSupport
import CryptoPrimitives

/// Decrypts an `openssl enc -aes-256-cbc -salt` stream chunk by chunk, choosing the key-derivation digest.
///
/// It reads the `Salted__` header, then holds back the first 64 KiB until it can judge the plaintext
/// (``StreamProbe``): with an automatic digest it tries md5, then sha256, and keeps the first whose output looks
/// like the expected stream; with a given digest it checks it the same way, so that a wrong key is reported as
/// such rather than as a corrupt gzip stream. Used by one thread.
final class DecryptionLayer {
    private enum State {
        case header([UInt8])
        case probing(salt: [UInt8], buffered: [UInt8])
        case decrypting(OpenSSLEncDecryptor)
    }

    private let password: [UInt8]
    private let selection: BackupUnpackOptions.DigestSelection
    private let compressed: Bool
    private let payload: StreamProbe.Payload
    private var state = State.header([])
    /// The digest in use, once chosen.
    private(set) var digest: KeyDerivationDigest?
    /// Bytes of the encrypted stream received so far, header included.
    private(set) var ciphertextBytes: Int64 = 0

    init(
        password: Secret<String>, selection: BackupUnpackOptions.DigestSelection, compressed: Bool,
        payload: StreamProbe.Payload = .tar
    ) {
        self.password = Array(password.revealed.utf8)
        self.selection = selection
        self.compressed = compressed
        self.payload = payload
    }

    /// Decrypts the next chunk; returns the plaintext it completes (possibly empty while the header and the
    /// first 64 KiB are gathered).
    ///
    /// - Throws: ``BackupStreamError`` (not an encrypted stream, wrong key), ``CryptoPrimitives/CryptoError``.
    func feed(_ chunk: [UInt8]) throws -> [UInt8] {
        ciphertextBytes += Int64(chunk.count)
        switch state {
        case .header(var header):
            header += chunk
            guard header.count >= OpenSSLEncEncryptor.headerLength else {
                try checkMagic(header)
                state = .header(header)
                return []
            }
            guard let salt = OpenSSLEncDecryptor.salt(fromHeader: header) else { throw notEncrypted(header) }
            state = .probing(salt: salt, buffered: [])
            ciphertextBytes -= Int64(header.count - OpenSSLEncEncryptor.headerLength)
            return try feed(Array(header[OpenSSLEncEncryptor.headerLength...]))
        case .probing(let salt, var buffered):
            buffered += chunk
            guard buffered.count >= StreamProbe.prefixLength else {
                state = .probing(salt: salt, buffered: buffered)
                return []
            }
            return try choose(salt: salt, buffered: buffered, complete: false)
        case .decrypting(let decryptor):
            return try chunk.withUnsafeBytes { try decryptor.update($0) }
        }
    }

    /// Ends the stream: checks its length and the padding of the last block.
    ///
    /// - Throws: ``BackupStreamError``: `truncatedCiphertext`, `badDecrypt`, `notEncrypted`, `wrongKey`.
    func finish() throws -> [UInt8] {
        let bodyLength = ciphertextBytes - Int64(OpenSSLEncEncryptor.headerLength)
        switch state {
        case .header(let header):
            // `feed` checked that what arrived is a prefix of "Salted__": an empty stream is not encrypted, a
            // shorter one is cut inside the header.
            if header.count < OpenSSLEncEncryptor.magic.count { throw notEncrypted(header) }
            throw BackupStreamError.truncatedCiphertext(length: ciphertextBytes)
        case .probing(let salt, let buffered):
            guard bodyLength > 0, bodyLength % 16 == 0 else {
                throw BackupStreamError.truncatedCiphertext(length: ciphertextBytes)
            }
            return try choose(salt: salt, buffered: buffered, complete: true)
        case .decrypting(let decryptor):
            guard bodyLength > 0, bodyLength % 16 == 0 else {
                throw BackupStreamError.truncatedCiphertext(length: ciphertextBytes)
            }
            do {
                return try decryptor.finish()
            } catch {
                throw BackupStreamError.badDecrypt(ciphertextOffset: ciphertextBytes - 16)
            }
        }
    }

    /// Tries the candidate digests on the buffered start of the stream and keeps the first that fits.
    private func choose(salt: [UInt8], buffered: [UInt8], complete: Bool) throws -> [UInt8] {
        let candidates: [KeyDerivationDigest] =
            switch selection {
            case .automatic: [.md5, .sha256]
            case .digest(let digest): [digest]
            }
        var rejections: [String] = []
        for candidate in candidates {
            let decryptor = try OpenSSLEncDecryptor(password: password, salt: salt, digest: candidate)
            var plaintext = try buffered.withUnsafeBytes { try decryptor.update($0) }
            if let reason = StreamProbe.rejection(of: plaintext, compressed: compressed, complete: false, payload: payload) {
                rejections.append("\(candidate): \(reason)")
                continue
            }
            digest = candidate
            state = .decrypting(decryptor)
            guard complete else { return plaintext }
            // The whole stream fits in the probe: the key fits its start, so a bad last block is damage.
            do {
                plaintext += try decryptor.finish()
            } catch {
                throw BackupStreamError.badDecrypt(ciphertextOffset: ciphertextBytes - 16)
            }
            if let reason = StreamProbe.rejection(of: plaintext, compressed: compressed, complete: true, payload: payload) {
                throw BackupStreamError.wrongKey("with the \(candidate) digest \(reason)")
            }
            return plaintext
        }
        let expected = compressed ? "a gzip stream" : payload == .tar ? "a tar stream" : "the file"
        throw BackupStreamError.wrongKey(
            "the decrypted data is not \(expected) with the "
                + candidates.map(\.rawValue).joined(separator: " or ")
                + " digest (" + rejections.joined(separator: "; ") + ")")
    }

    private func checkMagic(_ header: [UInt8]) throws {
        guard header.elementsEqual(OpenSSLEncEncryptor.magic.prefix(min(header.count, 8))) else {
            throw notEncrypted(header)
        }
    }

    private func notEncrypted(_ header: [UInt8]) -> BackupStreamError {
        .notEncrypted(found: Array(header.prefix(16)))
    }
}
