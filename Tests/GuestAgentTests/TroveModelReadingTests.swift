import AgentSupport
import DB2
@testable import GuestAgent
import OsloRPC
import Testing

/// Trove's user and override dicts as the agent reads them from RPC arguments: wrong types are refused with an
/// error naming the key and the type expected, never read as something else.
@Suite struct TroveModelReadingTests {
    /// Row 17: `create_user` with `_databases` as a string succeeded with no grants (`arrayValue ?? []`).
    @Test(arguments: ["APP1", 5, ["_name": "APP1"], true] as [JSONValue])
    func aUserWhoseDatabasesAreNotAListIsRefused(databases: JSONValue) throws {
        let error = #expect(throws: DB2Error.self) {
            try DB2TroveModels.newUser(["_name": "alice", "_password": "secret-pw", "_databases": databases])
        }
        #expect(error?.kind == .invalidRequest)
        #expect(error?.detail.contains("\"_databases\"") == true, "\(String(describing: error))")
        #expect(error?.detail.contains("list") == true, "\(String(describing: error))")
        #expect(error?.troveError.className == "BadRequest")
        #expect(error.map { !"\($0)".contains("secret-pw") } == true)
    }

    @Test func aUserWithoutDatabasesOrWithNullHasNone() throws {
        #expect(try DB2TroveModels.newUser(["_name": "alice", "_password": "pw"]).databases.isEmpty)
        #expect(try DB2TroveModels.newUser(["_name": "alice", "_password": "pw", "_databases": nil]).databases.isEmpty)
        let user = try DB2TroveModels.newUser(["_name": "alice", "_password": "pw", "_databases": [["_name": "app1"]]])
        #expect(user.databases.map(\.value) == ["APP1"])
    }

    /// Row 4: a number beyond Int64 crashed the agent (`Int64(value)` on a Double).
    @Test(arguments: [1e20, -1e20, .infinity, -.infinity, .nan, 9.3e18] as [Double])
    func anOverrideNumberOutOfRangeIsRefused(value: Double) {
        let error = #expect(throws: DB2Error.self) { try DB2TroveModels.overrides(["MON_HEAP_SZ": .double(value)]) }
        #expect(error?.kind == .invalidRequest)
        #expect(error?.detail.contains("MON_HEAP_SZ") == true, "\(String(describing: error))")
    }

    @Test func overrideNumbersInRangeAreWrittenAsDB2TakesThem() throws {
        let overrides = try DB2TroveModels.overrides([
            "a": 120, "b": .double(4096), "c": .double(0.5), "d": true, "e": "AUTOMATIC", "f": .int(.max),
        ])
        #expect(overrides.map(\.value) == ["120", "4096", "0.5", "YES", "AUTOMATIC", "9223372036854775807"])
    }
}
