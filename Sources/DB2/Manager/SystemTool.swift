#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// Programs of the operating system the manager runs by absolute path (found in the usual system directories, never
/// through a caller's PATH).
enum SystemTool {
    static let directories = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]

    /// The absolute path of `name`.
    ///
    /// - Throws: ``DB2Error`` `.environment` when it is not installed.
    static func path(_ name: String, step: String) throws(DB2Error) -> String {
        for directory in directories where ExecutableFile.exists(at: "\(directory)/\(name)") {
            return "\(directory)/\(name)"
        }
        throw DB2Error(.environment, step: step, detail: "\(name) is not installed (looked in \(directories.joined(separator: ", ")))")
    }

    /// A plain environment for system tools.
    static let environment = ["PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C"]
}
