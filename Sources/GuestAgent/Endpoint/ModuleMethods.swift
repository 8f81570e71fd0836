import AgentSupport
import OsloRPC

/// Trove's guest modules (`module_list`, `module_apply`, `module_remove`), with no module driver: this agent
/// ships none (Trove's are Python plug-ins). Nothing is ever applied, so the list is empty, and applying or
/// removing a module fails as Trove's manager does for a type it has no driver for: `ModuleTypeNotFound`
/// "No driver implemented for module type 'X'", after the same checks of the module's name and contents.
public enum ModuleMethods {
    /// Each is answered from its arguments alone: the prompt lane.
    public static func methods() -> [GuestMethod] {
        [
            GuestMethod("module_list", lane: .prompt) { _, args in
                try args.allowOnly(["include_contents"])
                _ = try args.bool("include_contents", default: false)
                return { .array([]) }
            },
            GuestMethod("module_apply", lane: .prompt) { _, args in
                try args.allowOnly(["modules"])
                for entry in try args.optionalArray("modules") ?? [] {
                    let module = try Self.module(entry)
                    let contents = module["contents"] ?? .null
                    guard contents != .null, contents != "" else {
                        throw RemoteError.builtin("AttributeError", "Module contents not specified")
                    }
                    throw Self.noDriver(module)
                }
                return { .array([]) }
            },
            GuestMethod("module_remove", lane: .prompt) { _, args in
                try args.allowOnly(["module"])
                throw Self.noDriver(try Self.module(try args.required("module")))
            },
        ]
    }

    /// `{"module": {...}}` as the taskmanager sends each module, checked for a name.
    static func module(_ entry: JSONValue) throws(RemoteError) -> [String: JSONValue] {
        guard let module = entry["module"]?.objectValue else {
            throw RemoteError.builtin("TypeError", "a module must be {\"module\": {...}}, not \(entry.typeName)")
        }
        guard let name = module["name"]?.stringValue, !name.isEmpty else {
            throw RemoteError.builtin("AttributeError", "Module name not specified")
        }
        return module
    }

    static func noDriver(_ module: [String: JSONValue]) -> TroveError {
        .moduleTypeNotFound("No driver implemented for module type '\(module["type"]?.stringValue ?? "None")'")
    }
}
