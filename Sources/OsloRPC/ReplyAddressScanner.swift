#if canImport(Glibc)
import Glibc
#endif

/// Finds `_msg_id` and `_reply_q` in a body that cannot be parsed (not JSON, or over the size cap), so that a
/// caller still gets a failure instead of waiting for its timeout.
///
/// The whole body is searched where it lies, without a copy: oslo writes the reply address after `args`, so in an
/// oversized call it sits far from the start, and the body is already in memory (the size cap bounds what is
/// parsed, the broker's `max_message_size` what arrives). It looks for `"_msg_id": "<id>"` both plainly and inside
/// the JSON-encoded `oslo.message` string (`\"_msg_id\": \"<id>\"`). Only ids of letters, digits and `_-.:` up to 255
/// bytes, and `reply_…` queue names, are accepted, so a hostile body cannot make the agent publish to an arbitrary
/// queue name with odd characters.
enum ReplyAddressScanner {
    static func scan(_ body: [UInt8]) -> RPCRequest.ReplyAddress? {
        body.withUnsafeBufferPointer { bytes -> RPCRequest.ReplyAddress? in
            guard let messageID = value(of: "_msg_id", in: bytes), let queue = value(of: "_reply_q", in: bytes),
                queue.hasPrefix("reply_")
            else { return nil }
            return RPCRequest.ReplyAddress(messageID: messageID, queue: queue)
        }
    }

    private static let quotes: [[UInt8]] = [Array(#"\""#.utf8), Array(#"""#.utf8)]

    private static func value(of key: String, in bytes: UnsafeBufferPointer<UInt8>) -> String? {
        for quote in quotes {
            let pattern = quote + Array(key.utf8) + quote
            var from = 0
            while let found = firstIndex(of: pattern, in: bytes, from: from) {
                from = found + 1
                var index = found + pattern.count
                while index < bytes.count, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: ":") {
                    index += 1
                }
                guard hasPrefix(quote, in: bytes, at: index) else { continue }
                index += quote.count
                let start = index
                while index < bytes.count, index - start <= RPCRequest.maximumIdentifierBytes, isAllowed(bytes[index]) {
                    index += 1
                }
                guard index > start, index - start <= RPCRequest.maximumIdentifierBytes,
                    hasPrefix(quote, in: bytes, at: index)
                else { continue }
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            }
        }
        return nil
    }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: ":"):
            true
        default: false
        }
    }

    private static func hasPrefix(_ prefix: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        guard index + prefix.count <= bytes.count else { return false }
        for offset in prefix.indices where bytes[index + offset] != prefix[offset] { return false }
        return true
    }

    /// The offset of the first `pattern` at or after `from`: `memchr` to each candidate first byte, then a compare
    /// (the body may be hundreds of MiB; glibc's `memmem` is not exported to Swift).
    private static func firstIndex(of pattern: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard let base = bytes.baseAddress, let first = pattern.first else { return nil }
        var index = from
        while index + pattern.count <= bytes.count {
            guard let found = memchr(base + index, Int32(first), bytes.count - pattern.count + 1 - index) else {
                return nil
            }
            let candidate = base.distance(to: UnsafePointer(found.assumingMemoryBound(to: UInt8.self)))
            if hasPrefix(pattern, in: bytes, at: candidate) { return candidate }
            index = candidate + 1
        }
        return nil
    }
}
