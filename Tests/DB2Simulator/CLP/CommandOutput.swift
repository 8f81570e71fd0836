import Foundation

/// What one command printed and the CLP return code it leads to (0 ok, 1 no rows, 2 warning, 4 error, 8 CLP system
/// error).
struct CommandOutput: Equatable {
    var text: String
    var returnCode: Int32

    init(text: String = "", returnCode: Int32 = 0) {
        self.text = text
        self.returnCode = returnCode
    }

    /// One message on a line of its own, with the return code its severity gives.
    static func message(_ message: DB2Message) -> CommandOutput {
        CommandOutput(text: "\(message)\n", returnCode: message.returnCode)
    }

    /// Messages in order; the return code is the highest of theirs.
    static func messages(_ messages: [DB2Message]) -> CommandOutput {
        CommandOutput(
            text: messages.map { "\($0)\n" }.joined(), returnCode: messages.map(\.returnCode).max() ?? 0)
    }
}
