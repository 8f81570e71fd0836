/// File names as raw bytes (Linux names need not be UTF-8), handed to C calls as NUL-terminated strings.
enum FileNameBytes {
    /// Calls `body` with `name` as a NUL-terminated C string (valid only during the call).
    static func withCString<T>(_ name: [UInt8], _ body: (UnsafePointer<CChar>) throws -> T) rethrows -> T {
        try (name + [0]).withUnsafeBufferPointer {
            try body(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self))
        }
    }
}
