import CryptoPrimitives
import Foundation
import Testing
import TestSupport

@Suite struct CryptoPrimitivesTests {
    /// `openssl enc -P` prints the key and IV that EVP_BytesToKey derives: ours must be the same.
    @Test(arguments: KeyDerivationDigest.allCases)
    func keyDerivationMatchesOpenSSL(digest: KeyDerivationDigest) async throws {
        let salt: [UInt8] = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef]
        let output = try await shellOutput(
            "openssl enc -aes-256-cbc -md \(digest) -pass pass:hunter2 -S 0123456789abcdef -P 2>/dev/null")
        let fields = Dictionary(
            uniqueKeysWithValues: output.split(separator: "\n").compactMap { line -> (String, String)? in
                let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                return parts.count == 2 ? (parts[0], parts[1]) : nil
            })
        let material = try AES256CBCKeyMaterial.derive(password: Array("hunter2".utf8), salt: salt, digest: digest)
        #expect(hex(material.key) == fields["key"]?.lowercased())
        #expect(hex(material.iv) == fields["iv"]?.lowercased())
        #expect(!"\(material)".contains(hex(material.key)), "key material must not print")
    }

    /// Raw CBC with a given key and IV equals `openssl enc -K -iv`, and decrypts back.
    @Test func oneShotCBCMatchesOpenSSL() async throws {
        let key = [UInt8](repeating: 0x42, count: 32)
        let iv = [UInt8](0..<16)
        let plaintext = Array("{\"method\": \"prepare\", \"args\": {}}".utf8)
        let ciphertext = try AES256CBC.encrypt(plaintext: plaintext, key: key, iv: iv)
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("cbc-\(UUID().uuidString)")
        try Data(plaintext).write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }
        let expected = try await shellOutput(
            "openssl enc -aes-256-cbc -K \(hex(key)) -iv \(hex(iv)) < \(input.path) | od -An -tx1 | tr -d ' \\n'")
        #expect(hex(ciphertext) == expected)
        #expect(ciphertext.count == 48, "PKCS#7 always pads: 35 bytes become 3 blocks")
        #expect(try AES256CBC.decrypt(ciphertext: ciphertext, key: key, iv: iv) == plaintext)
    }

    /// Trove's secure-RPC form: IV prepended, random each time, and it opens again.
    @Test func sealPrependsARandomIV() async throws {
        let key = Array("0123456789abcdef0123456789abcdef".utf8)
        let first = try AES256CBC.seal(Array("null".utf8), key: key)
        let second = try AES256CBC.seal(Array("null".utf8), key: key)
        #expect(first.count == 32)
        #expect(first.prefix(16) != second.prefix(16))
        #expect(try AES256CBC.open(first, key: key) == Array("null".utf8))
    }

    @Test func wrongKeyOrTruncationIsATypedError() async throws {
        let key = [UInt8](repeating: 1, count: 32)
        let iv = [UInt8](repeating: 2, count: 16)
        let ciphertext = try AES256CBC.encrypt(plaintext: Array(repeating: 7, count: 100), key: key, iv: iv)
        #expect(throws: CryptoError.self) {
            try AES256CBC.decrypt(ciphertext: ciphertext, key: [UInt8](repeating: 9, count: 32), iv: iv)
        }
        do {
            _ = try AES256CBC.decrypt(ciphertext: Array(ciphertext.dropLast(3)), key: key, iv: iv)
            Issue.record("a truncated ciphertext decrypted")
        } catch {
            #expect(error.reason == .notBlockAligned(length: 109))
        }
        #expect(throws: CryptoError(reason: .invalidLength(what: "AES-256 key", expected: 32, actual: 5), function: "AES256CBCKeyMaterial")) {
            try AES256CBC.encrypt(plaintext: [1], key: [1, 2, 3, 4, 5], iv: iv)
        }
    }

    /// Our streaming `openssl enc` encryptor's output decrypts with the real tool, for any chunking.
    @Test(arguments: KeyDerivationDigest.allCases)
    func streamingEncryptorIsOpenSSLCompatible(digest: KeyDerivationDigest) async throws {
        let encryptor = try OpenSSLEncEncryptor(password: Array("pw".utf8), digest: digest)
        let plaintext = [UInt8]((0..<100_003).map { UInt8(truncatingIfNeeded: $0 * 31) })
        var output: [UInt8] = []
        var position = 0
        for size in [1, 15, 16, 17, 4096, 100_000] where position < plaintext.count {
            let end = min(plaintext.count, position + size)
            output += try plaintext[position..<end].withUnsafeBytes { try encryptor.update($0) }
            position = end
        }
        output += try encryptor.finish()
        #expect(output.starts(with: Array("Salted__".utf8)))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("enc-\(UUID().uuidString)")
        try Data(output).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let decrypted = try await shellOutput("openssl enc -d -aes-256-cbc -md \(digest) -pass pass:pw < \(file.path) 2>/dev/null | od -An -tx1 | tr -d ' \\n'")
        #expect(decrypted == hex(plaintext))
    }

    private func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// What a shell command (openssl, the reference) printed; it must succeed.
    private func shellOutput(_ command: String) async throws -> String {
        let result = try await ProcessRunner.run("/bin/bash", ["-o", "pipefail", "-c", command])
        guard result.succeeded else { throw ShellFailure(command: command, status: result.status, error: result.stderr) }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    struct ShellFailure: Error, CustomStringConvertible {
        let command: String
        let status: Int32
        let error: String
        var description: String { "`\(command)` exited \(status): \(error)" }
    }
}
