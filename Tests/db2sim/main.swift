// db2sim: the DB2 stand-in for tests and the demo. It acts by the name it is run as (db2, db2start, db2stop,
// db2set, db2ckbkp, db2sysc); under its own name it installs an instance home or writes fault rules.
import DB2Simulator
import Foundation

exit(DB2Simulator.main(arguments: CommandLine.arguments, environment: ProcessInfo.processInfo.environment))
