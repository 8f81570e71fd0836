import Foundation

/// Where an instance's files are: `<home>/sqllib/bin` (the tools), `<home>/sqllib/adm/db2sysc`, `<home>/sqllib/db2profile`
/// and the stand-in's own state under `<home>/sqllib/db2sim`.
struct InstanceLayout: Sendable {
    /// The environment variable naming the state directory (set by `db2profile`).
    static let stateVariable = "DB2SIM_STATE_DIR"

    let home: String
    let instanceName: String

    var sqllib: String { "\(home)/sqllib" }
    var binDirectory: String { "\(sqllib)/bin" }
    var admDirectory: String { "\(sqllib)/adm" }
    var profile: String { "\(sqllib)/db2profile" }
    var serverExecutable: String { "\(admDirectory)/db2sysc" }
    var stateDirectory: String { "\(sqllib)/db2sim" }
    var stateFile: String { "\(stateDirectory)/instance.json" }
    var lockFile: String { "\(stateDirectory)/instance.lock" }
    var faultFile: String { "\(stateDirectory)/faults.json" }
    var faultLockFile: String { "\(stateDirectory)/faults.lock" }
    /// The stand-in's "DB2 install" (`DB2DIR`, `/opt/ibm/db2/V11.5` on a real system): `instance/db2iauto`.
    var installDirectory: String { "\(stateDirectory)/V11.5" }

    /// The local database directory for databases created on `path` (DFTDBPATH): `<path>/<instance>/NODE0000`.
    func nodeDirectory(onPath path: String) -> String { "\(path)/\(instanceName)/NODE0000" }

    /// The layout named by the environment: `DB2SIM_STATE_DIR` (or `INSTHOME`) and `DB2INSTANCE`.
    ///
    /// - Throws: ``DB2Failure`` SQL1390C when the environment names no instance of the stand-in.
    static func fromEnvironment(_ environment: [String: String]) throws -> InstanceLayout {
        var state = environment[stateVariable]
        if state == nil, let home = environment["INSTHOME"] { state = "\(home)/sqllib/db2sim" }
        guard let state, let instance = environment["DB2INSTANCE"], !instance.isEmpty,
            FileSystem.isDirectory(state)
        else { throw DB2Failure(DB2Message("SQL1390C")) }
        var home = state
        for _ in 0..<2 { home = String(home[..<(home.lastIndex(of: "/") ?? home.startIndex)]) }
        return InstanceLayout(home: home.isEmpty ? "/" : home, instanceName: instance)
    }
}
