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

    /// The database name of a schema dict (`_name`; unknown keys are ignored), or of a bare name.
    ///
    /// - Throws: ``DB2Error`` `.invalidRequest` naming `argument` and what is wrong: not an object, no `_name`, a
    ///   `_name` that is not a string, or a name DB2 would refuse.
    static func databaseName(_ value: JSONValue, argument: String) throws(DB2Error) -> DatabaseName {
        switch value {
        case .string(let name):
            return try DatabaseName(name)
        case .object(let schema):
            return try DatabaseName(try string(schema, "_name", of: "\(argument): a database"))
        default:
            throw .invalid(
                "\(argument): a database must be an object with a \"_name\", not \(value.typeName)", step: readStep)
        }
    }

    /// The database names of a list of schema dicts.
    static func databaseNames(_ values: [JSONValue], argument: String) throws(DB2Error) -> [DatabaseName] {
        try values.map { value throws(DB2Error) in try databaseName(value, argument: argument) }
    }

    /// The users of a list of user dicts.
    static func newUsers(_ values: [JSONValue]) throws(DB2Error) -> [NewDatabaseUser] {
        try values.map { value throws(DB2Error) in try newUser(value) }
    }

    /// The name of a user dict (`_name`).
    static func userName(_ value: JSONValue, argument: String) throws(DB2Error) -> UserName {
        guard case .object(let user) = value else {
            throw .invalid("\(argument): a user must be an object with a \"_name\", not \(value.typeName)", step: readStep)
        }
        return try UserName(try string(user, "_name", of: "\(argument): a user"))
    }

    /// The user of a user dict: `_name`, `_password` (secret), `_databases` (a list of schema dicts; absent or null
    /// for none).
    static func newUser(_ value: JSONValue) throws(DB2Error) -> NewDatabaseUser {
        let userName = try userName(value, argument: "users")
        let user = value.objectValue ?? [:]
        let described = "user \"\(userName)\""
        guard let password = user["_password"], !password.isNull else {
            throw .invalid("\(described) needs a \"_password\"", step: readStep)
        }
        // The password's type may be named, never its value.
        guard let text = password.stringValue, !text.isEmpty else {
            throw .invalid("\(described): \"_password\" must be a non-empty string, not \(password.typeName)", step: readStep)
        }
        var databases: [DatabaseName] = []
        switch user["_databases"] {
        case nil, .null?:
            break
        case .array(let items)?:
            for item in items { databases.append(try databaseName(item, argument: "\(described) _databases")) }
        case let other?:
            throw .invalid(
                "\(described): \"_databases\" must be a list of databases, not \(other.typeName)", step: readStep)
        }
        return NewDatabaseUser(name: userName, password: Secret(text), databases: databases)
    }

    /// Override values as DB2 takes them: strings as they are, numbers in decimal, booleans as YES/NO.
    ///
    /// - Throws: ``DB2Error`` `.invalidRequest` naming the parameter, for a value of another type, a number that is
    ///   not finite or an integral number beyond 64 bits (JSON's `1e400`, `99999999999999999999`).
    static func overrides(_ object: [String: JSONValue]) throws(DB2Error) -> [ConfigurationOverride] {
        let step = "read the overrides"
        var result: [ConfigurationOverride] = []
        for key in object.keys.sorted() {
            let value = object[key] ?? .null
            let text: String
            switch value {
            case .string(let string): text = string
            case .int(let number): text = String(number)
            case .double(let number) where !number.isFinite:
                throw .invalid("override \(key): \(number) is not a value DB2 takes", step: step)
            case .double(let number) where number == number.rounded():
                guard let integer = Int64(exactly: number) else {
                    throw .invalid(
                        "override \(key): \(number) is out of range (DB2 takes integers from -2^63 to 2^63-1)", step: step)
                }
                text = String(integer)
            case .double(let number): text = String(number)
            case .bool(let flag): text = flag ? "YES" : "NO"
            default:
                throw .invalid("override \(key) must be a string, a number or a boolean, not \(value.typeName)", step: step)
            }
            result.append(try ConfigurationOverride(parameter: key, value: text))
        }
        return result
    }

    static let readStep = "read the request"

    /// `object[key]` as a string: present and a string, or an error naming `what`, the key and the type found.
    private static func string(_ object: [String: JSONValue], _ key: String, of what: String) throws(DB2Error) -> String {
        guard let value = object[key], !value.isNull else { throw .invalid("\(what) needs a \"\(key)\"", step: readStep) }
        guard let text = value.stringValue else {
            throw .invalid("\(what): \"\(key)\" must be a string, not \(value.typeName)", step: readStep)
        }
        return text
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
