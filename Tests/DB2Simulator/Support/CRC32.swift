import Foundation

/// CRC-32 (IEEE 802.3, the zlib polynomial): detects any single changed byte in a log record or a backup image.
struct CRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = (value & 1) != 0 ? (value >> 1) ^ 0xEDB8_8320 : value >> 1 }
        return value
    }

    private var state: UInt32 = 0xFFFF_FFFF

    init() {}

    /// The checksum of `bytes` alone.
    static func checksum(_ bytes: some Collection<UInt8>) -> UInt32 {
        var crc = CRC32()
        crc.update(bytes)
        return crc.value
    }

    mutating func update(_ bytes: some Collection<UInt8>) {
        let table = Self.table
        var state = self.state
        let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            for byte in buffer { state = table[Int((state ^ UInt32(byte)) & 0xFF)] ^ (state >> 8) }
        }
        if done == nil {
            for byte in bytes { state = table[Int((state ^ UInt32(byte)) & 0xFF)] ^ (state >> 8) }
        }
        self.state = state
    }

    mutating func update(_ buffer: UnsafeRawBufferPointer) {
        let table = Self.table
        var state = self.state
        for byte in buffer { state = table[Int((state ^ UInt32(byte)) & 0xFF)] ^ (state >> 8) }
        self.state = state
    }

    var value: UInt32 { state ^ 0xFFFF_FFFF }
}
