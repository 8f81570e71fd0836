/// The checks on the paths of Trove's volume methods (`prepare`, `mount_volume`, `unmount_volume`, `resize_fs`)
/// before anything runs: the agent creates, mounts over and gives to the instance owner whatever mount point it is
/// sent, as root, so a path that is relative, not normalised or a system directory is refused with a message that
/// names the problem.
enum VolumePaths {
    /// Directories no mount point may be, nor lie under: the system's own.
    static let systemTrees: Set<String> = [
        "/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/run", "/sbin", "/sys", "/usr",
    ]
    /// Directories no mount point may be (below them is fine: `/var/lib/db2`, `/home/db2inst1/db2inst1`), and the
    /// agent's own temporary mount point.
    static let systemDirectories: Set<String> = [
        "/", "/home", "/media", "/mnt", "/opt", "/root", "/srv", "/tmp", "/var", "/var/lib", "/var/log", "/var/tmp",
        "/mnt/volume",
    ]
    /// Longer paths are refused (the kernel's `PATH_MAX` less the terminating NUL).
    static let lengthLimit = 4095

    /// `mount_point`: absolute, normalised (no empty, `.` or `..` components, no trailing `/`), no control
    /// characters, and neither `/` nor a system directory.
    ///
    /// - Throws: ``DB2Error`` `.invalidRequest` naming the argument and the rule it breaks.
    static func checkMountPoint(_ path: String, step: String) throws(DB2Error) {
        try checkNormalisedAbsolute(path, argument: "mount_point", step: step)
        if systemDirectories.contains(path) || systemTrees.contains(where: { path == $0 || path.hasPrefix($0 + "/") }) {
            throw .invalid(
                "mount_point \"\(path)\" is a system directory; the agent mounts and hands over only a directory of "
                    + "the DB2 instance (e.g. /home/db2inst1/db2inst1)", step: step)
        }
    }

    /// `device_path`: absolute and normalised, no control characters.
    ///
    /// - Throws: ``DB2Error`` `.invalidRequest` naming the argument and the rule it breaks.
    static func checkDevice(_ path: String, step: String) throws(DB2Error) {
        try checkNormalisedAbsolute(path, argument: "device_path", step: step)
    }

    private static func checkNormalisedAbsolute(_ path: String, argument: String, step: String) throws(DB2Error) {
        guard path.utf8.count <= lengthLimit else {
            throw .invalid("\(argument) is \(path.utf8.count) bytes long, more than \(lengthLimit)", step: step)
        }
        guard !path.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalid("\(argument) \(quoted(path)) contains a control character", step: step)
        }
        guard path.hasPrefix("/") else {
            throw .invalid("\(argument) \(quoted(path)) must be an absolute path (starting with \"/\")", step: step)
        }
        let components = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        guard path == "/" || !components.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
            throw .invalid(
                "\(argument) \(quoted(path)) must be a normalised path: no \"..\", \".\", \"//\" or trailing \"/\"",
                step: step)
        }
    }

    /// The path in quotes, control characters escaped so that a message stays one line.
    private static func quoted(_ path: String) -> String {
        "\"" + path.unicodeScalars.map { $0.properties.generalCategory == .control ? $0.escaped(asASCII: true) : String($0) }
            .joined() + "\""
    }
}
