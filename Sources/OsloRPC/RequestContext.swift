import AgentSupport

/// The caller's request context (`_context_*` keys of a message, prefix stripped): who asked, with which token,
/// and which service catalog to reach Swift with.
public struct RequestContext: Sendable, Equatable {
    /// Every key as sent.
    public var values: [String: JSONValue]

    public init(values: [String: JSONValue] = [:]) { self.values = values }

    /// Collects the `_context_<key>` entries of a message.
    public init(message: [String: JSONValue]) {
        var values: [String: JSONValue] = [:]
        for (key, value) in message where key.hasPrefix("_context_") {
            values[String(key.dropFirst("_context_".count))] = value
        }
        self.values = values
    }

    public var requestID: String? { values["request_id"]?.stringValue }
    /// The end user's token (Trove uses it for Swift): never log it.
    public var authToken: Secret<String>? { values["auth_token"]?.stringValue.map(Secret.init) }
    /// `tenant` (Newton) or `project_id` / `project` (later oslo.context).
    public var tenant: String? {
        values["tenant"]?.stringValue ?? values["project_id"]?.stringValue ?? values["project"]?.stringValue
    }
    public var serviceCatalog: JSONValue? { values["service_catalog"].flatMap { $0.isNull ? nil : $0 } }
    /// Trove's serialized end notification, present when the caller wants `notify_end`/`notify_exc_info`.
    public var troveNotification: JSONValue? { values["trove_notification"].flatMap { $0.isNull ? nil : $0 } }

    /// The flattened `_context_<key>` entries for an outgoing message.
    public func flattened() -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        for (key, value) in values { result["_context_\(key)"] = value }
        return result
    }

    /// What an empty `TroveContext()` serialises to: the agent's own messages (heartbeats) carry it.
    public static func empty(requestID: String) -> RequestContext {
        RequestContext(values: [
            "user": nil, "tenant": nil, "domain": nil, "user_domain": nil, "project_domain": nil, "is_admin": false,
            "read_only": false, "show_deleted": false, "auth_token": nil, "request_id": .string(requestID),
            "resource_uuid": nil, "roles": [], "user_identity": "- - - - -", "is_admin_project": true,
            "limit": nil, "marker": nil, "service_catalog": nil,
        ])
    }
}
