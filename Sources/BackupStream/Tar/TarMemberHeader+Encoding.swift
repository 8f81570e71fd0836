extension TarMemberHeader {
    /// Largest value of an 11-digit octal field (size, mtime): 8 GiB - 1.
    static let maxOctal11: Int64 = 0o77777777777
    /// Largest value of a 7-digit octal field (mode, uid, gid).
    static let maxOctal7 = 0o7777777

    /// The header blocks of this member in POSIX pax format (what `tar --format=posix` writes): a pax extended
    /// header when a value does not fit its ustar field (names over 100 bytes, sizes of 8 GiB and more, sub-second
    /// or out-of-range mtimes, large ids, long user names), then the ustar header. A multiple of 512 bytes.
    func encoded() -> [UInt8] {
        var pax = PaxRecords()
        if name.count > 100 { pax.append("path", name) }
        if linkName.count > 100 { pax.append("linkpath", linkName) }
        if size > Self.maxOctal11 { pax.append("size", String(size)) }
        if mtime.nanoseconds != 0 || mtime.seconds < 0 || mtime.seconds > Self.maxOctal11 {
            pax.append("mtime", Self.paxTime(mtime))
        }
        if uid > Self.maxOctal7 { pax.append("uid", String(uid)) }
        if gid > Self.maxOctal7 { pax.append("gid", String(gid)) }
        if userName.count > 32 { pax.append("uname", userName) }
        if groupName.count > 32 { pax.append("gname", groupName) }
        if !pax.isEmpty, [name, linkName, userName, groupName].contains(where: { !Self.isValidUTF8($0) }) {
            pax.append("hdrcharset", "BINARY")
        }

        var blocks: [UInt8] = []
        if !pax.isEmpty {
            let data = pax.encoded()
            let paxHeader = TarMemberHeader(
                name: Self.paxHeaderName(for: name), kind: .other(UInt8(ascii: "x")), mode: 0o644, uid: 0, gid: 0,
                size: Int64(data.count), mtime: Timestamp(seconds: min(max(mtime.seconds, 0), Self.maxOctal11)))
            blocks += paxHeader.ustarBlock()
            blocks += data
            blocks += [UInt8](repeating: 0, count: Self.padding(for: Int64(data.count)))
        }
        blocks += ustarBlock()
        return blocks
    }

    /// Zero bytes that follow `size` bytes of member data to complete its last 512-byte block.
    static func padding(for size: Int64) -> Int {
        Int((Int64(blockSize) - size % Int64(blockSize)) % Int64(blockSize))
    }

    /// The 512-byte ustar header; values that do not fit are truncated or zeroed (the pax header has them).
    private func ustarBlock() -> [UInt8] {
        var block = [UInt8](repeating: 0, count: Self.blockSize)
        func put(_ bytes: some Collection<UInt8>, at offset: Int, width: Int) {
            for (index, byte) in bytes.prefix(width).enumerated() { block[offset + index] = byte }
        }
        func putOctal(_ value: Int64, at offset: Int, width: Int) {
            let digits = String(value, radix: 8)
            let padded = String(repeating: "0", count: max(0, width - 1 - digits.utf8.count)) + digits
            put(Array(padded.utf8), at: offset, width: width - 1)
        }
        put(name, at: 0, width: 100)
        putOctal(Int64(mode & 0o7777), at: 100, width: 8)
        putOctal(Int64(uid <= Self.maxOctal7 ? uid : 0), at: 108, width: 8)
        putOctal(Int64(gid <= Self.maxOctal7 ? gid : 0), at: 116, width: 8)
        putOctal(size <= Self.maxOctal11 ? size : 0, at: 124, width: 12)
        putOctal(min(max(mtime.seconds, 0), Self.maxOctal11), at: 136, width: 12)
        block[156] = typeFlag
        put(linkName, at: 157, width: 100)
        put(Array("ustar\0".utf8), at: 257, width: 6)
        put(Array("00".utf8), at: 263, width: 2)
        put(userName, at: 265, width: 32)
        put(groupName, at: 297, width: 32)
        putOctal(0, at: 329, width: 8)
        putOctal(0, at: 337, width: 8)
        // The checksum is computed with its own field as eight spaces, then written as six octal digits, NUL, space.
        put(Array("        ".utf8), at: 148, width: 8)
        let checksum = block.reduce(0) { $0 + Int64($1) }
        putOctal(checksum, at: 148, width: 7)
        block[154] = 0
        block[155] = 0x20
        return block
    }

    /// pax decimal time: `seconds[.fraction]`, the fraction without trailing zeros; negative times count back
    /// from the epoch (`-1.5` is 1.5 s before it).
    static func paxTime(_ time: Timestamp) -> String {
        var seconds = time.seconds
        var nanoseconds = Int64(time.nanoseconds)
        var sign = ""
        if seconds < 0 {
            sign = "-"
            if nanoseconds > 0 {
                seconds += 1
                nanoseconds = 1_000_000_000 - nanoseconds
            }
            seconds = -seconds
        }
        guard nanoseconds > 0 else { return sign + String(seconds) }
        var fraction = String(nanoseconds)
        fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(sign)\(seconds).\(fraction)"
    }

    /// GNU tar names pax headers `<dir>/PaxHeaders/<base>`; readers ignore the name.
    private static func paxHeaderName(for name: [UInt8]) -> [UInt8] {
        var trimmed = name[...]
        while trimmed.last == 0x2f { trimmed.removeLast() }
        let slash = trimmed.lastIndex(of: 0x2f)
        let directory: [UInt8] = slash.map { Array(trimmed[..<$0]) + [0x2f] } ?? []
        let base: [UInt8] = Array(slash.map { trimmed[($0 + 1)...] } ?? trimmed)
        let full = directory + Array("PaxHeaders/".utf8) + base
        return full.count <= 100 ? full : Array("PaxHeaders/".utf8) + Array(base.prefix(89))
    }

    private static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        String(validating: bytes, as: UTF8.self) != nil
    }
}
