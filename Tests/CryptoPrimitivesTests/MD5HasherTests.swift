import CryptoPrimitives
import Testing

@Suite struct MD5HasherTests {
    @Test func knownDigests() throws {
        #expect(try MD5Hasher.hexDigest(of: [UInt8]()) == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(try MD5Hasher.hexDigest(of: Array("hello".utf8)) == "5d41402abc4b2a76b9719d911017c592")
        #expect(
            try MD5Hasher.hexDigest(of: Array("The quick brown fox jumps over the lazy dog".utf8))
                == "9e107d9d372bb6826bd81d3542a419d6")
    }

    @Test func streamingEqualsOneShot() throws {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<1_000_003).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let hasher = try MD5Hasher()
        var offset = 0
        for size in [1, 63, 64, 65, 4096, 100_000] where offset < bytes.count {
            hasher.update(bytes[offset..<min(offset + size, bytes.count)])
            offset += size
        }
        hasher.update(Array(bytes[offset...]))
        #expect(hasher.finalizeHex() == (try MD5Hasher.hexDigest(of: bytes)))
    }
}
