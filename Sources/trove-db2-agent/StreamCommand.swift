import AgentSupport
import ArgumentParser
import BackupStream
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging

/// `trove-db2-agent stream pack|unpack`: the backup stream by hand, for manual recovery on a guest and for the
/// benchmarks. Options only; the work is in `BackupStream`.
struct StreamCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream",
        abstract: "Pack a directory into a Trove backup stream, or unpack one.",
        subcommands: [Pack.self, Unpack.self])

    struct Common: ParsableArguments {
        @Option(name: .customLong("key-file"), help: "A file whose first line is the key (backup_aes_cbc_key).")
        var keyFile: String?

        @Flag(name: .customLong("no-compress"), help: "The stream is not gzip-compressed.")
        var noCompress = false

        @Flag(name: .customLong("no-encrypt"), help: "The stream is not encrypted.")
        var noEncrypt = false

        @Option(help: "Compression or decompression threads (default: one per core).")
        var threads: Int = ProcessInfo.processInfo.activeProcessorCount

        @Flag(help: "Log what happens on standard error.")
        var verbose = false

        func key() async throws -> Secret<String>? {
            if noEncrypt { return nil }
            guard let keyFile else { throw ValidationError("give --key-file, or --no-encrypt for a plain stream") }
            return try await BackupKeyFile.load(from: URL(fileURLWithPath: keyFile))
        }

        var logger: Logger {
            var logger = Logger(label: "trove-db2-agent.stream") { StreamLogHandler.standardError(label: $0) }
            logger.logLevel = verbose ? .debug : .warning
            return logger
        }
    }

    struct Pack: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write DIR as a backup stream to standard output.")

        @Argument(help: "The directory to pack (its absolute path names the members, as `tar cPf` does).")
        var directory: String

        @OptionGroup var common: Common

        @Option(help: "Key-derivation digest: md5 (OpenSSL 1.0) or sha256 (OpenSSL >= 1.1).")
        var digest = "sha256"

        @Option(help: "Compression level 1-12 (backup_compression_level).")
        var level = 6

        @Flag(name: .customLong("stage-times"), help: "Print each stage's CPU and waiting time on standard error.")
        var stageTimes = false

        func run() async throws {
            signal(SIGPIPE, SIG_IGN)
            let options = BackupPackOptions(
                compress: !common.noCompress, compressionLevel: level, encryptionKey: try await common.key(),
                digest: try StandardStreams.digest(named: digest), parallelism: common.threads)
            _ = try await StandardStreams.pack(
                directory: URL(fileURLWithPath: directory), options: options, stageTimes: stageTimes,
                logger: common.logger)
        }
    }

    struct Unpack: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Restore a backup stream from standard input.")

        @Option(help: "The directory that takes the archive root's place (created if missing).")
        var into: String

        @OptionGroup var common: Common

        @Option(help: "Key-derivation digest: md5, sha256 or auto (md5, then sha256).")
        var digest = "auto"

        func run() async throws {
            let options = BackupUnpackOptions(
                compressed: !common.noCompress, decryptionKey: try await common.key(),
                digest: try StandardStreams.digestSelection(named: digest), parallelism: common.threads)
            _ = try await StandardStreams.unpack(
                into: URL(fileURLWithPath: into), options: options, logger: common.logger)
        }
    }
}
