import BloomServiceKit

/// One control-socket request, `{id, cmd, args}` (see the table in `Supervisor+Control.swift`), parsed from the
/// payload frame a CLI sent. Kept apart from the socket so the parser can be fuzzed on its own.
package struct ControlRequest: Equatable, Sendable {
    /// Echoed in the answer; `null` when absent.
    package var id: JSONValue
    /// The command name.
    package var cmd: String
    /// The arguments; an empty object when absent.
    package var args: JSONValue

    /// A request from its parts.
    package init(id: JSONValue, cmd: String, args: JSONValue) {
        self.id = id
        self.cmd = cmd
        self.args = args
    }

    /// Parses a payload frame.
    /// - Returns: the request, or the failure to answer with and the id to answer it under (`null` when the
    ///   payload was not JSON).
    package static func parse(_ payload: [UInt8]) -> Result<ControlRequest, ControlRequestError> {
        let request: JSONValue
        do {
            request = try JSONValue.decode(payload)
        } catch {
            return .failure(ControlRequestError(id: .null, reason: "request is not JSON: \(error.localizedDescription)"))
        }
        let id = request["id"] ?? .null
        guard let cmd = request["cmd"]?.stringValue else {
            return .failure(ControlRequestError(id: id, reason: "request has no cmd"))
        }
        return .success(ControlRequest(id: id, cmd: cmd, args: request["args"] ?? .object([:])))
    }

    /// The request as a client sends it (compact JSON with sorted keys).
    package func encoded() -> [UInt8] {
        Array(JSONValue.object(["id": id, "cmd": .string(cmd), "args": args]).encoded().utf8)
    }
}

/// A control payload that is not a request: answered with `ok: false` under ``id``.
package struct ControlRequestError: Error, Equatable, Sendable {
    /// The request's id when it had one, else `null`.
    package var id: JSONValue
    /// The sentence sent back.
    package var reason: String
}
