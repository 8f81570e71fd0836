/// Random identifiers for messages and requests, from the system's random generator (`getrandom`), without
/// Foundation's `UUID()` (which opens `/dev/urandom` on every call on Linux).
public enum RandomIdentifier {
    /// 32 lowercase hex digits: an oslo `_unique_id` / `_msg_id` (uuid4().hex's shape).
    public static func hex128() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        return hex(high) + hex(low)
    }

    /// A version-4 UUID in its canonical lowercase form, e.g. for Trove's `req-<uuid>` request ids.
    public static func uuid4() -> String {
        var generator = SystemRandomNumberGenerator()
        var high = generator.next() as UInt64
        var low = generator.next() as UInt64
        high = (high & ~0xF000) | 0x4000  // version 4
        low = (low & ~(0xC000 << 48)) | (0x8000 << 48)  // RFC 4122 variant
        let text = hex(high) + hex(low)
        let characters = Array(text)
        return String(characters[0..<8]) + "-" + String(characters[8..<12]) + "-" + String(characters[12..<16]) + "-"
            + String(characters[16..<20]) + "-" + String(characters[20..<32])
    }

    /// 16 hex digits, most significant first.
    private static func hex(_ value: UInt64) -> String {
        withUnsafeBytes(of: value.bigEndian) { HexEncoding.lowercase($0) }
    }
}
