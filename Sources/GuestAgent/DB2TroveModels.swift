import AgentSupport
import DB2
import OsloRPC

/// Trove's serialized schema and user dicts (`trove.common.db.models`), read from RPC arguments and written into
/// replies, and DB2 errors as Trove's exceptions.
enum DB2TroveModels {
    /// `{"_name": X, "_collate": null, "_character_set": null}` (what Trove's DB2 guest lists).
    static func schema(_ name: DatabaseName) -> JSONValue {
        ["_name": .string(name.value), "_collate": nil, "_character_set": nil]
    }

    /// `{"_name", "_host": "%", "_password": null, "_databases": [schema...], "_is_root": false}`.
    static func user(_ user: DatabaseUser) -> JSONValue {
        [
            "_name": .string(user.name.login), "_host": "%", "_password": nil,
            "_databases": .array(user.databases.map(schema)), "_is_root": false,
        ]
    }

    /// The database name of a schema dict (`_name`; unknown keys are ignored).
    static func databaseName(_ value: JSONValue, argument: String) throws(DB2Error) -> DatabaseName {
        guard let name = value["_name"]?.stringValue ?? value.stringValue else {
            throw .invalid("\(argument): a database needs a \"_name\"", step: "read the request")
        }
        return try DatabaseName(name)
    }

    /// The user of a user dict: `_name`, `_password` (secret), `_databases`.
    static func newUser(_ value: JSONValue) throws(DB2Error) -> NewDatabaseUser {
        guard let name = value["_name"]?.stringValue else {
            throw .invalid("users: a user needs a \"_name\"", step: "read the request")
        }
        let userName = try UserName(name)
        guard let password = value["_password"]?.stringValue, !password.isEmpty else {
            throw .invalid("user \"\(name)\" needs a \"_password\"", step: "read the request")
        }
        var databases: [DatabaseName] = []
        for database in value["_databases"]?.arrayValue ?? [] {
            databases.append(try databaseName(database, argument: "user \(name) _databases"))
        }
        return NewDatabaseUser(name: userName, password: Secret(password), databases: databases)
    }

    /// Override values as DB2 takes them: strings as they are, numbers in decimal, booleans as YES/NO.
    static func overrides(_ object: [String: JSONValue]) throws(DB2Error) -> [ConfigurationOverride] {
        var result: [ConfigurationOverride] = []
        for key in object.keys.sorted() {
            let text: String
            switch object[key] ?? .null {
            case .string(let value): text = value
            case .int(let value): text = String(value)
            case .double(let value): text = value == value.rounded() ? String(Int64(value)) : String(value)
            case .bool(let value): text = value ? "YES" : "NO"
            default: throw .invalid("override \(key) must be a string, a number or a boolean", step: "read the overrides")
            }
            result.append(try ConfigurationOverride(parameter: key, value: text))
        }
        return result
    }
}

extension DB2Error {
    /// The Trove exception the control plane sees: `BadRequest` for a refused request, `NotFound` for a missing
    /// user, `GuestError` with the step, database and DB2 message otherwise.
    var troveError: TroveError {
        switch kind {
        case .invalidRequest: .badRequest(detail)
        case .notFound: .notFound(detail)
        default: .guestError(description)
        }
    }
}
