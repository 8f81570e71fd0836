import Compression

/// Judges whether the first bytes of a decrypted stream look like what should follow: a gzip member that
/// inflates cleanly into something starting with a tar header, or (without compression) a tar header.
///
/// This is how a wrong key or key-derivation digest is told apart from a right one before the whole stream has
/// been read: CBC with a wrong key yields valid-looking padding now and then, but not a valid gzip member.
enum StreamProbe {
    /// What the plain (decompressed) stream holds.
    enum Payload: Sendable {
        /// A tar stream: it must start with a tar header.
        case tar
        /// A single file's bytes (``FileStreamCodec``): anything; only the gzip layer can be judged.
        case file
    }

    /// How many bytes of plaintext to judge (unless the stream is shorter).
    static let prefixLength = 64 * 1024

    /// Why `prefix` does not look like the expected stream, or `nil` when it does.
    ///
    /// - Parameters:
    ///   - prefix: the first bytes of the plaintext.
    ///   - compressed: whether a gzip stream is expected (else a tar stream).
    ///   - complete: whether `prefix` is the whole stream.
    ///   - payload: what the plain stream holds: a file's bytes are not judged, only their gzip layer.
    static func rejection(of prefix: [UInt8], compressed: Bool, complete: Bool, payload: Payload = .tar) -> String? {
        guard compressed else { return payload == .tar ? tarRejection(of: prefix, complete: complete) : nil }
        guard prefix.count >= 2, prefix[0] == 0x1f, prefix[1] == 0x8b else {
            return "it does not start with the gzip magic 1f 8b (found \(BackupStreamError.show(Array(prefix.prefix(8)))))"
        }
        var inflated: [UInt8] = []
        do {
            let inflater = try ZlibGzipInflater(outputChunkSize: 64 * 1024)
            _ = try prefix.withUnsafeBytes { input in
                try inflater.inflate(input) { output in
                    if inflated.count < TarMemberHeader.blockSize { inflated += output.prefix(TarMemberHeader.blockSize) }
                }
            }
        } catch {
            return "its gzip data does not inflate (\(error))"
        }
        guard payload == .tar else { return nil }
        return inflated.count >= TarMemberHeader.blockSize ? tarRejection(of: inflated, complete: false) : nil
    }

    private static func tarRejection(of prefix: [UInt8], complete: Bool) -> String? {
        guard prefix.count >= TarMemberHeader.blockSize else {
            return complete ? "it is too short to hold a tar header (\(prefix.count) bytes)" : nil
        }
        do throws(TarFormatError) {
            _ = try prefix.prefix(TarMemberHeader.blockSize).withUnsafeBytes { block in
                Result { () throws(TarFormatError) in try TarMemberHeader.decode(block) }
            }.get()
            return nil
        } catch {
            return "it does not start with a tar header (\(error.reason))"
        }
    }
}
