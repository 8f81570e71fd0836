import Foundation

/// The texts of the messages the stand-in prints, as DB2 11.5 prints them (`{n}` marks a token). The source of each
/// text is listed in `Tests/DB2Simulator/README.md`.
enum MessageCatalogue {
    struct Template: Sendable {
        let text: String
        let sqlState: String?

        init(_ text: String, _ sqlState: String? = nil) {
            self.text = text
            self.sqlState = sqlState
        }
    }

    static let templates: [String: Template] = [
        // Command line processor.
        "DB20000I": Template("The {1} command completed successfully."),
        "DB21001E": Template("The option \"{1}\" specified after the 'db2' command or in the DB2OPTIONS variable is incorrect."),
        "DB21005E": Template("An error occurred while accessing the file \"{1}\"."),
        "DB21024I": Template("This command is asynchronous and may not be effective immediately."),
        "DB21034E": Template(
            "The command was processed as an SQL statement because it was not a valid Command Line Processor command.  During SQL processing it returned:"
        ),
        // SQL statements.
        "SQL0100W": Template(
            "No row was found for FETCH, UPDATE or DELETE; or the result of a query is an empty table.", "02000"),
        "SQL0104N": Template(
            "An unexpected token \"{1}\" was found following \"{2}\".  Expected tokens may include:  \"{3}\".",
            "42601"),
        "SQL0117N": Template(
            "The number of values assigned is not the same as the number of specified or implied columns or variables.",
            "42802"),
        "SQL0122N": Template(
            "A SELECT statement with no GROUP BY clause contains a column name or expression and a column function in the SELECT clause, or a column name or expression is contained in the SELECT clause but not in the GROUP BY clause.",
            "42803"),
        "SQL0180N": Template("The syntax of the string representation of a datetime value is incorrect.", "22007"),
        "SQL0204N": Template("\"{1}\" is an undefined name.", "42704"),
        "SQL0206N": Template("\"{1}\" is not valid in the context where it is used.", "42703"),
        "SQL0401N": Template(
            "The data types of the operands for the operation \"{1}\" are not compatible or comparable.", "42818"),
        "SQL0407N": Template("Assignment of a NULL value to a NOT NULL column \"{1}\" is not allowed.", "23502"),
        "SQL0408N": Template(
            "A value is not compatible with the data type of its assignment target. Target name is \"{1}\".", "42821"),
        "SQL0413N": Template("Overflow occurred during numeric data type conversion.", "22003"),
        "SQL0420N": Template(
            "Invalid character found in a character string argument of the function \"{1}\".", "22018"),
        "SQL0433N": Template("Value \"{1}\" is too long.", "22001"),
        "SQL0440N": Template(
            "No authorized routine named \"{1}\" of type \"{2}\" having compatible arguments was found.", "42884"),
        "SQL0554N": Template("An authorization ID cannot grant a privilege or authority to itself.", "42502"),
        "SQL0556N": Template(
            "An attempt to revoke a privilege, security label, exemption, or role from \"{1}\" was denied because \"{1}\" does not hold this privilege, security label, exemption, or role.",
            "42504"),
        "SQL0601N": Template(
            "The name of the object to be created is identical to the existing name \"{1}\" of type \"{2}\".", "42710"),
        "SQL0612N": Template("\"{1}\" is a duplicate name.", "42711"),
        "SQL0902C": Template(
            "A system error occurred. Subsequent SQL statements cannot be processed. IBM software support reason code: \"{1}\".",
            "58005"),
        "SQL0968C": Template("The file system is full.", "57011"),
        // Instance, databases, connections.
        "SQL1001N": Template("\"{1}\" is not a valid database name.", "2E000"),
        "SQL1005N": Template(
            "The database alias \"{1}\" already exists in either the local database directory or system database directory."
        ),
        "SQL1013N": Template("The database alias name or database name \"{1}\" could not be found.", "42705"),
        "SQL1024N": Template("A database connection does not exist.", "08003"),
        "SQL1025N": Template("The database manager was not stopped because databases are still active."),
        "SQL1026N": Template("The database manager is already active."),
        "SQL1032N": Template("No start database manager command was issued.", "57019"),
        "SQL1035N": Template(
            "The operation failed because the specified database cannot be connected to in the mode requested.",
            "57019"),
        "SQL1041N": Template("The maximum number of concurrently active databases has already been reached.", "57032"),
        "SQL1052N": Template("The database path \"{1}\" does not exist."),
        "SQL1057W": Template("The system database directory is empty.", "01606"),
        "SQL1063N": Template("DB2START processing was successful."),
        "SQL1064N": Template("DB2STOP processing was successful."),
        "SQL1097N": Template("The node name was not found in the node directory."),
        "SQL1116N": Template(
            "A connection to or activation of database \"{1}\" failed because the database is in BACKUP PENDING state.",
            "57019"),
        "SQL1119N": Template(
            "A connection to or activation of database \"{1}\" cannot be made because a previous restore is incomplete or still in progress.",
            "57019"),
        "SQL1117N": Template(
            "A connection to or activation of database \"{1}\" cannot be made because of ROLL-FORWARD PENDING.",
            "57019"),
        "SQL1224N": Template(
            "The database manager is not able to accept new requests, has terminated all requests in progress, or has terminated the specified request because of an error or a forced interrupt.",
            "55032"),
        "SQL1042C": Template("An unexpected system error occurred."),
        "SQL5043N": Template(
            "Support for one or more communications protocols specified in the DB2COMM environment variable failed to start successfully. However, core database manager functionality started successfully."
        ),
        "SQL1390C": Template("The environment variable DB2INSTANCE is not defined or is invalid."),
        "SQL1490W": Template(
            "Activate database is successful, however, the database has already been activated on one or more nodes."),
        "SQL1493N": Template("The application is already connected to an active database."),
        "SQL1495W": Template("Deactivate database is successful, however, there is still a connection to the database."),
        "SQL1496N": Template("Deactivate database failed because the database is not activated."),
        "SQL1611W": Template("No data was returned by Database System Monitor."),
        "SQL20157N": Template("User \"{1}\" does not have the QUIESCE_CONNECT privilege.", "08004"),
        // Configuration.
        "SQL5099N": Template(
            "The value \"{1}\" indicated by the database configuration parameter \"{2}\" is not valid, reason code \"{3}\".",
            "08004"),
        "SQL5130N": Template(
            "The value specified for the configuration parameter \"{1}\" is not in the valid range of \"{2}\" to \"{3}\"."
        ),
        "SQL1363W": Template(
            "One or more of the parameters submitted for immediate modification were not changed dynamically. For these configuration parameters, the database must be shutdown and reactivated before the configuration parameter changes become effective."
        ),
        // Backup, restore, rollforward.
        "SQL1260N": Template("Database \"{1}\" is not in ROLL-FORWARD PENDING state on member(s) \"0\"."),
        "SQL1265N": Template(
            "The archive log file \"{1}\" is not associated with the current log sequence for database \"{2}\" on member \"0\"."
        ),
        "SQL1273N": Template(
            "An operation reading the logs on database \"{1}\" cannot continue because of a missing log file \"{2}\" on database partition \"0\" and log stream \"0\"."
        ),
        "SQL1275N": Template(
            "The stoptime passed to roll-forward must be greater than or equal to \"{1}\", because database \"{2}\" on member(s) \"0\" contains information later than the specified time."
        ),
        "SQL1276N": Template(
            "Database \"{1}\" cannot be brought out of rollforward pending state until roll-forward has passed a point in time greater than or equal to \"{2}\", because member \"0\" contains information later than the specified time."
        ),
        "SQL2001N": Template("The utility was interrupted.  The output data may be incomplete."),
        "SQL2032N": Template("The \"{1}\" parameter is not valid."),
        "SQL2036N": Template("The path for the file or device \"{1}\" is not valid."),
        "SQL2413N": Template(
            "Online backup is not allowed because the database is not recoverable or a backup pending condition is in effect."
        ),
        "SQL2419N": Template("The target disk \"{1}\" has become full."),
        "SQL2426N": Template(
            "The database has not been configured to allow the incremental backup operation. Reason code = \"{1}\"."),
        "SQL2522N": Template(
            "More than one backup file matches the time stamp value provided for the backed up database image."),
        "SQL2523W": Template(
            "Warning!  Restoring to an existing database that is different from the database on the backup image, but have matching names. The target database will be overwritten by the backup version.  The Roll-forward recovery logs associated with the target database will be deleted."
        ),
        "SQL2530N": Template("The backup image is corrupted. Restore of database from this backup image is not possible."),
        "SQL2537N": Template("Roll-forward is required following the Restore."),
        "SQL2539W": Template(
            "The specified name of the backup image to restore is the same as the name of the target database.  Restoring to an existing database that is the same as the backup image database will cause the current database to be overwritten by the backup version."
        ),
        "SQL2542N": Template(
            "No match for a database image file was found based on the source database alias \"{1}\" and timestamp \"{2}\" provided."
        ),
        "SQL2571N": Template("Automatic incremental restore is unable to proceed. Reason code: \"{1}\"."),
        "SQL2572N": Template(
            "Attempted an incremental restore of an out of order image. The restore of table space \"{1}\" encountered an error because the backup image with timestamp \"{2}\" must be restored before the image that was just attempted."
        ),
        "SQL2573N": Template("An incremental backup image must be restored as part of an incremental restore operation."),
        "SQL2574N": Template(
            "A backup image being restored as part of an incremental restore operation cannot be newer than the target image."
        ),
        "SQL2576N": Template(
            "Table space \"{1}\" is being restored as part of an incremental RESTORE operation, but the RESTORE command did not specify the INCREMENTAL clause."
        ),
        "SQL2580W": Template(
            "Warning! Restoring logs to a path which contains existing log files. Attempting to overwrite an existing log file during restore will cause the restore operation to fail."
        ),
        "SQL2581N": Template(
            "Restore is unable to extract log files or restore a log directory from the backup image to the specified path.  Reason code \"{1}\"."
        ),
        "SQL4970N": Template(
            "Roll-forward recovery on database \"{1}\" cannot reach the specified stop point (end-of-log or point-in-time) on database partition(s) \"0\". Roll-forward recovery processing has halted on log file \"{2}\"."
        ),
    ]
}
