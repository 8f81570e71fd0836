import AgentSupport
import OsloRPC

/// Trove's `SecureSerializer` on the guest's RPC server: arguments arrive as ciphertexts, the context as
/// `{"context": <ciphertext>}`, and the result goes back encrypted (a `None` result too).
///
/// As in Trove, a value that does not decrypt is taken as it is, so an unencrypted control plane still works.
/// Unlike Trove, an encrypted context that does not decrypt with our key is refused with a clear error (Trove
/// would run the request with an unreadable context and fail somewhere later).
public struct TroveSecureSerializer: RPCSerializer {
    let cipher: TroveRPCCipher

    public init(cipher: TroveRPCCipher) { self.cipher = cipher }

    public func deserializeEntity(_ value: JSONValue) -> JSONValue {
        guard case .string(let text) = value, let plain = cipher.decrypt(text) else { return value }
        return plain
    }

    public func deserializeContext(_ context: RequestContext) throws(RemoteError) -> RequestContext {
        guard let sealed = context.values["context"] else { return context }
        guard case .string(let text) = sealed, case .object(let values)? = cipher.decrypt(text) else {
            throw RemoteError.builtin(
                "ValueError",
                "the request context could not be decrypted: the control plane encrypted it with another key than "
                    + "this guest's instance_rpc_encr_key")
        }
        return RequestContext(values: values)
    }

    public func serializeEntity(_ value: JSONValue) -> JSONValue { .string(cipher.encrypt(value)) }

    public func serializeContext(_ context: RequestContext) -> RequestContext {
        RequestContext(values: ["context": .string(cipher.encrypt(.object(context.values)))])
    }
}

/// Trove's `ConductorGuestSerializer`, for what the guest sends the conductor: each argument becomes the JSON string
/// of `{"entity": <ciphertext>, "csz-instance-id": <guest_id>}`, the context `{"context": <ciphertext>,
/// "csz-instance-id": <guest_id>}`, so the conductor can look up the instance's key.
public struct TroveConductorSerializer: RPCSerializer {
    let cipher: TroveRPCCipher
    let guestID: String

    public init(cipher: TroveRPCCipher, guestID: String) {
        self.cipher = cipher
        self.guestID = guestID
    }

    public func deserializeEntity(_ value: JSONValue) -> JSONValue { value }
    public func deserializeContext(_ context: RequestContext) throws(RemoteError) -> RequestContext { context }

    public func serializeEntity(_ value: JSONValue) -> JSONValue {
        .string(JSONWriter.string(["entity": .string(cipher.encrypt(value)), "csz-instance-id": .string(guestID)]))
    }

    public func serializeContext(_ context: RequestContext) -> RequestContext {
        RequestContext(values: [
            "context": .string(cipher.encrypt(.object(context.values))), "csz-instance-id": .string(guestID),
        ])
    }
}
