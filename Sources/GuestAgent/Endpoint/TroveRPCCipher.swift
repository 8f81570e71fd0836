import AgentSupport
import CryptoPrimitives
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import OsloRPC

/// Trove's per-instance RPC encryption (`trove/common/crypto_utils.py`, Ocata–Ussuri): AES-256-CBC with the 32 ASCII
/// bytes of `md5(instance_rpc_encr_key).hexdigest()` as the key, a random 16-byte IV in front, PKCS#7-style padding,
/// base64 text; the plaintext is the JSON of the value.
public struct TroveRPCCipher: Sendable {
    private let key: [UInt8]

    public init(instanceKey: Secret<String>) throws {
        let hasher = try MD5Hasher()
        hasher.update(Array(instanceKey.revealed.utf8))
        key = Array(hasher.finalizeHex().utf8)
    }

    /// base64(IV + AES(JSON(value))).
    public func encrypt(_ value: JSONValue) -> String {
        // Encryption of a buffer with a 32-byte key and a fresh IV cannot fail short of OpenSSL being broken.
        let sealed = (try? AES256CBC.seal(JSONWriter.bytes(value), key: key)) ?? []
        return Data(sealed).base64EncodedString()
    }

    /// The value inside `text`, or nil when it is not such a ciphertext (or not for this key).
    public func decrypt(_ text: String) -> JSONValue? {
        guard let data = Data(base64Encoded: text), data.count >= 32, data.count % 16 == 0,
            let plain = try? AES256CBC.open(Array(data), key: key)
        else { return nil }
        return try? JSONParser.parse(plain)
    }
}
