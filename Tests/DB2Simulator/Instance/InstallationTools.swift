import Foundation

/// The tools of the DB2 install rather than the instance: `db2level` (which install the instance uses) and
/// `<DB2DIR>/instance/db2iauto` (start the instance when the system boots).
enum InstallationTools {
    /// `db2level`: the release and where the product is installed, as Db2 11.5 prints it [out].
    static func level(_ layout: InstanceLayout) -> String {
        """
        DB21085I  This instance or install (instance name, where applicable:
        "\(layout.instanceName)") uses "64" bits and Db2 code release "SQL11058" with level
        identifier "0609010F".
        Informational tokens are "DB2 v11.5.8.0", "s2209201700", "DYN2209201700AMD64",
        and Fix Pack "0".
        Product is installed at "\(layout.installDirectory)".

        """
    }

    /// `db2iauto -on|-off <instance>`: records DB2AUTOSTART (YES/NO) in the instance's registry, which is what
    /// decides whether the instance starts at boot (IBM, *db2iauto - Autostart instance command*,
    /// https://www.ibm.com/docs/en/db2/11.5?topic=commands-db2iauto-autostart-instance). The instance is the one the
    /// environment names, and must be the one given.
    ///
    /// - Returns: the output and the exit code (1 for a usage error or another instance) [mem: texts].
    static func autostart(_ arguments: [String], environment: [String: String]) -> (String, Int32) {
        let usage = "Usage: db2iauto -on|-off InstName\n"
        guard arguments.count == 2, ["-on", "-off"].contains(arguments[0]) else { return (usage, 1) }
        do {
            let layout = try InstanceLayout.fromEnvironment(environment)
            guard arguments[1] == layout.instanceName else {
                return ("DBI1070I  Program db2iauto completed with errors.\nThe instance \(arguments[1]) does not exist.\n", 1)
            }
            try InstanceStore(layout: layout).update { state in
                state.instanceRegistry["DB2AUTOSTART"] = arguments[0] == "-on" ? "YES" : "NO"
            }
            return ("", 0)
        } catch let failure as DB2Failure {
            return ("\(failure)\n", 1)
        } catch {
            return ("\(DB2Message("SQL0902C", "\(error)"))\n", 1)
        }
    }
}
