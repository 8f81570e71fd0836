/// One archive member's metadata, as read from or written to a tar stream (ustar fields, completed by pax
/// extended headers or GNU long-name entries).
///
/// Names are raw bytes: Linux file names need not be UTF-8, and tar carries them unchanged.
struct TarMemberHeader: Equatable {
    enum Kind: Equatable {
        case regular
        case directory
        case symlink
        case hardlink
        /// Any other type flag (device, FIFO, GNU sparse or volume entries...), kept for the error message.
        case other(UInt8)
    }

    var name: [UInt8]
    var kind: Kind
    var mode: UInt32
    var uid: Int
    var gid: Int
    var size: Int64
    var mtime: Timestamp
    var linkName: [UInt8] = []
    var userName: [UInt8] = []
    var groupName: [UInt8] = []

    /// Seconds and nanoseconds since the epoch (seconds may be negative; nanoseconds are in 0..<1e9).
    struct Timestamp: Equatable {
        var seconds: Int64
        var nanoseconds: Int32 = 0
    }

    static let blockSize = 512

    /// The ustar type flag of a member kind.
    var typeFlag: UInt8 {
        switch kind {
        case .regular: UInt8(ascii: "0")
        case .hardlink: UInt8(ascii: "1")
        case .symlink: UInt8(ascii: "2")
        case .directory: UInt8(ascii: "5")
        case .other(let flag): flag
        }
    }

    /// A printable form of the name for messages.
    var displayName: String { String(decoding: name, as: UTF8.self) }

    /// What kind of member a type flag denotes, in words (for errors).
    static func describe(typeFlag flag: UInt8) -> String {
        switch flag {
        case UInt8(ascii: "3"): "character device"
        case UInt8(ascii: "4"): "block device"
        case UInt8(ascii: "6"): "FIFO"
        case UInt8(ascii: "S"): "GNU sparse file"
        case UInt8(ascii: "D"): "GNU incremental dump directory"
        case UInt8(ascii: "M"): "GNU multi-volume continuation"
        case UInt8(ascii: "V"): "volume label"
        default: "type '\(String(decoding: [flag], as: UTF8.self))'"
        }
    }
}
