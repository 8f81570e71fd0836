import FoundationEssentials

/// One place configuration is read from, in the order given (later sources override earlier ones), as
/// oslo.config's `--config-file` and `--config-dir` arguments.
public enum ConfigSource: Sendable, Equatable {
    /// A file (`--config-file`). It must exist.
    case file(String)
    /// Every `*.conf` file of a directory, in name order (`--config-dir`; Trove's guest images use
    /// `--config-dir=/etc/trove/conf.d`). Hidden files are skipped. The directory must exist.
    case directory(String)
    /// Text held in memory, named `name` in errors and reports (tests, generated configuration).
    case text(name: String, contents: String)

    /// Reads and parses the source into files, in override order.
    ///
    /// Blocking: call it off Swift's cooperative pool (the `async` ``AgentConfiguration/load(sources:logger:)`` does).
    ///
    /// - Throws: ``ConfigError`` `.unreadableFile` when a file or directory is missing, unreadable or not UTF-8;
    ///   `.malformedFile` when a file is not valid INI.
    func readFiles() throws(ConfigError) -> [INIFile] {
        switch self {
        case let .text(name, contents):
            return [try INIFile(path: name, text: contents)]
        case let .file(path):
            return [try INIFile(path: path, text: Self.readText(path))]
        case let .directory(path):
            var isDirectory = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory else {
                throw ConfigError(.unreadableFile, file: path, line: nil, message: "configuration directory not found")
            }
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: path)
            } catch {
                throw ConfigError(
                    .unreadableFile, file: path, line: nil, message: "cannot list configuration directory")
            }
            var files: [INIFile] = []
            for name in names.sorted() where name.hasSuffix(".conf") && !name.hasPrefix(".") {
                let filePath = path.hasSuffix("/") ? path + name : path + "/" + name
                files.append(try INIFile(path: filePath, text: Self.readText(filePath)))
            }
            return files
        }
    }

    private static func readText(_ path: String) throws(ConfigError) -> String {
        var isDirectory = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ConfigError(.unreadableFile, file: path, line: nil, message: "configuration file not found")
        }
        guard !isDirectory else {
            throw ConfigError(
                .unreadableFile, file: path, line: nil,
                message: "is a directory, not a configuration file (use a config directory for that)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(
                .unreadableFile, file: path, line: nil, message: "cannot read configuration file (permission denied?)")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw ConfigError(.unreadableFile, file: path, line: nil, message: "configuration file is not UTF-8 text")
        }
        return text
    }
}
