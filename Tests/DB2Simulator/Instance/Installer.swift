import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `db2sim install --home DIR [--instance NAME]`: lays out an instance home the way a DB2 guest has one.
enum Installer {
    /// The tools in `sqllib/bin`, each a link to the stand-in's executable.
    static let tools = ["db2", "db2start", "db2stop", "db2set", "db2ckbkp", "db2level"]

    /// Creates (or refreshes) the links and `db2profile`; keeps the state of an instance installed before.
    ///
    /// - Returns: the lines to print.
    /// - Throws: ``SystemCallError`` when a directory, link or file cannot be written.
    static func install(home rawHome: String, instanceName: String) throws -> [String] {
        try FileSystem.createDirectory(rawHome)
        guard let resolved = realpath(rawHome, nil) else { throw SystemCallError("realpath", path: rawHome) }
        let home = String(cString: resolved)
        free(resolved)
        let layout = InstanceLayout(home: home, instanceName: instanceName)
        let executable = try currentExecutable()
        for directory in [layout.binDirectory, layout.admDirectory, layout.stateDirectory, "\(layout.sqllib)/db2dump"] {
            try FileSystem.createDirectory(directory)
        }
        for tool in tools { try link(executable, at: "\(layout.binDirectory)/\(tool)") }
        try link(executable, at: layout.serverExecutable)
        try FileSystem.createDirectory("\(layout.installDirectory)/instance")
        try link(executable, at: "\(layout.installDirectory)/instance/db2iauto")
        try FileSystem.writeAtomically(Array(profile(layout).utf8), to: layout.profile)
        chmod(layout.profile, 0o755)
        let store = InstanceStore(layout: layout)
        if !FileSystem.exists(layout.stateFile) {
            try store.save(InstanceState(instanceName: instanceName, home: home))
        } else {
            try withFileLock(layout.lockFile, .exclusive) {
                var state = try store.load()
                guard state.instanceName == instanceName else {
                    throw InstallError.otherInstance(existing: state.instanceName, home: home)
                }
                state.home = home
                try store.save(state)
            }
        }
        return [
            "Instance \(instanceName) is set up in \(home).",
            "Load its environment with: . \(layout.profile)",
        ]
    }

    enum InstallError: Error, CustomStringConvertible {
        case otherInstance(existing: String, home: String)

        var description: String {
            switch self {
            case .otherInstance(let existing, let home): "\(home) already holds instance \(existing)"
            }
        }
    }

    /// The POSIX sh script that sets the instance's environment: PATH, DB2INSTANCE, INSTHOME, DB2SIM_STATE_DIR, and
    /// at its end sources `sqllib/userprofile` when it exists, the owner's own settings (IBM, *Linux and UNIX
    /// environment variable settings*: "the corresponding user script, which is called at the end of the
    /// db2profile", https://www.ibm.com/support/knowledgecenter/SSEPGG_10.5.0/com.ibm.db2.luw.apdv.gs.doc/doc/c0006321.html).
    static func profile(_ layout: InstanceLayout) -> String {
        let bin = shellQuoted(layout.binDirectory)
        let adm = shellQuoted(layout.admDirectory)
        return """
            # DB2 instance environment for \(layout.instanceName) (written by db2sim install).
            # Source it from a POSIX shell: . \(layout.profile)
            DB2INSTANCE=\(shellQuoted(layout.instanceName))
            export DB2INSTANCE
            INSTHOME=\(shellQuoted(layout.home))
            export INSTHOME
            \(InstanceLayout.stateVariable)=\(shellQuoted(layout.stateDirectory))
            export \(InstanceLayout.stateVariable)
            case ":${PATH}:" in
                *:\(bin):*) ;;
                *) PATH=\(bin):\(adm)${PATH:+:${PATH}} ;;
            esac
            export PATH
            if [ -f \(shellQuoted(layout.sqllib + "/userprofile")) ]; then
                . \(shellQuoted(layout.sqllib + "/userprofile"))
            fi

            """
    }

    /// `value` in single quotes for sh (a quote inside becomes `'\''`).
    static func shellQuoted(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    private static func link(_ target: String, at path: String) throws {
        unlink(path)
        guard symlink(target, path) == 0 else { throw SystemCallError("symlink", path: path) }
    }

    private static func currentExecutable() throws -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { throw SystemCallError("readlink", path: "/proc/self/exe") }
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
