import AgentSupport
import CryptoPrimitives
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging

/// The operator commands `trove-db2-agent stream pack|unpack`: a backup stream to standard output, or from
/// standard input, with a progress line on standard error when it is a terminal.
public enum StandardStreams {
    /// Packs `directory` to standard output; with `stageTimes`, then prints where the time went (see
    /// ``PackStageTimes``) on standard error.
    ///
    /// - Throws: what ``BackupPacker/pack(directory:into:progress:)`` throws.
    public static func pack(directory: URL, options: BackupPackOptions, stageTimes: Bool = false, logger: Logger)
        async throws -> PackSummary
    {
        let progress = TerminalProgress(verb: "packed")
        let summary = try await BackupPacker(options: options, logger: logger).pack(
            directory: directory, into: FileDescriptorByteSink(fileDescriptor: STDOUT_FILENO)
        ) { progress.update(bytes: $0.archiveBytes, written: $0.outputBytes) }
        progress.finish(bytes: summary.archiveBytes, written: summary.outputBytes)
        if stageTimes {
            let lines = ["pack stage times (\(summary.archiveBytes) bytes of tar in \(summary.elapsed))"]
                + summary.stages.lines.map { "  " + $0 }
            TextOutput.write(lines.joined(separator: "\n") + "\n")
        }
        return summary
    }

    /// Unpacks standard input into `target`.
    ///
    /// - Throws: what ``BackupUnpacker/unpack(from:into:progress:)`` throws.
    public static func unpack(into target: URL, options: BackupUnpackOptions, logger: Logger) async throws
        -> UnpackSummary
    {
        let progress = TerminalProgress(verb: "read")
        let summary = try await BackupUnpacker(options: options, logger: logger).unpack(
            from: FileDescriptorByteSource(fileDescriptor: STDIN_FILENO), into: target
        ) { progress.update(bytes: $0.inputBytes) }
        progress.finish(bytes: summary.inputBytes)
        return summary
    }

    /// The digest named `md5` or `sha256`.
    ///
    /// - Throws: ``BackupStreamError/invalidOptions(_:)`` for another name.
    public static func digest(named name: String) throws -> KeyDerivationDigest {
        guard let digest = KeyDerivationDigest(rawValue: name) else {
            throw BackupStreamError.invalidOptions("unknown digest \"\(name)\" (md5 or sha256)")
        }
        return digest
    }

    /// The digest selection named `md5`, `sha256` or `auto`.
    ///
    /// - Throws: ``BackupStreamError/invalidOptions(_:)`` for another name.
    public static func digestSelection(named name: String) throws -> BackupUnpackOptions.DigestSelection {
        name == "auto" ? .automatic : .digest(try digest(named: name))
    }
}
