import AgentSupport
import DB2
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import OsloRPC

extension DB2Methods {
    // MARK: - Users

    var userMethods: [GuestMethod] {
        [
            GuestMethod("create_user") { request, args in
                try args.allowOnly(["users"])
                let values = try args.array("users")
                let users = try Self.reading { () throws(DB2Error) in try DB2TroveModels.newUsers(values) }
                return {
                    try await notifier.around(request) {
                        try await Self.db2 { () throws(DB2Error) in try await manager.createUsers(users) }
                    }
                    return .null
                }
            },
            GuestMethod("delete_user") { request, args in
                try args.allowOnly(["user"])
                let value = try args.required("user")
                let name = try Self.reading { () throws(DB2Error) in try DB2TroveModels.userName(value, argument: "user") }
                return {
                    try await notifier.around(request) {
                        try await Self.db2 { () throws(DB2Error) in try await manager.deleteUser(name) }
                    }
                    return .null
                }
            },
            GuestMethod("get_user", lane: .reads) { _, args in
                try args.allowOnly(["username", "hostname"])
                let name = try Self.userName(try args.string("username"))
                _ = try args.optionalString("hostname")
                return {
                    try await Self.db2 { () throws(DB2Error) in DB2TroveModels.user(try await manager.user(named: name)) }
                }
            },
            GuestMethod("list_users", lane: .reads) { _, args in
                try args.allowOnly(["limit", "marker", "include_marker"])
                let limit = try Self.limit(args)
                let marker = try args.optionalString("marker").map(Self.userName(fromMarker:))
                let includeMarker = try args.bool("include_marker", default: false)
                return {
                    let page = try await Self.db2 { () throws(DB2Error) in
                        try await manager.listUsers(limit: limit, marker: marker, includeMarker: includeMarker)
                    }
                    return [.array(page.items.map(DB2TroveModels.user)), page.nextMarker.map(JSONValue.string) ?? .null]
                }
            },
            GuestMethod("list_access", lane: .reads) { _, args in
                try args.allowOnly(["username", "hostname"])
                let name = try Self.userName(try args.string("username"))
                _ = try args.optionalString("hostname")
                return {
                    try await Self.db2 { () throws(DB2Error) in
                        .array(try await manager.access(of: name).map(DB2TroveModels.schema))
                    }
                }
            },
            GuestMethod("grant_access") { _, args in
                try args.allowOnly(["username", "hostname", "databases"])
                let name = try Self.userName(try args.string("username"))
                _ = try args.optionalString("hostname")
                let names = try Self.databaseNames(try args.array("databases"), argument: "databases")
                return {
                    try await Self.db2 { () throws(DB2Error) in try await manager.grantAccess(to: name, on: names) }
                    return .null
                }
            },
            GuestMethod("revoke_access") { _, args in
                try args.allowOnly(["username", "hostname", "database"])
                let name = try Self.userName(try args.string("username"))
                _ = try args.optionalString("hostname")
                let value = try args.required("database")
                let database = try Self.reading { () throws(DB2Error) in
                    try DB2TroveModels.databaseName(value, argument: "database")
                }
                return {
                    try await Self.db2 { () throws(DB2Error) in try await manager.revokeAccess(from: name, on: database) }
                    return .null
                }
            },
        ]
    }

    /// The user name of a `list_users` marker. Trove's API pages users by `<name>@<host>` (`User.create`'s
    /// duplicate check asks for `marker="<name>@%"`, `include_marker=True`); DB2 users all have host `%` and a user
    /// name holds no `@`, so the name is what comes before it.
    static func userName(fromMarker marker: String) -> String {
        marker.firstIndex(of: "@").map { String(marker[..<$0]) } ?? marker
    }
}
