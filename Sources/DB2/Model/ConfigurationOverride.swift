/// One DBM configuration parameter and value to apply with `UPDATE DATABASE MANAGER CONFIGURATION USING`.
///
/// The name must be a DB2 parameter name (letters, digits, `_`); the value one token (a number, a keyword, a path
/// without blanks) optionally followed by `AUTOMATIC` or `MANUAL`, so that nothing but the value reaches the CLP.
public struct ConfigurationOverride: Sendable, Equatable {
    public let parameter: String
    public let value: String

    /// - Throws: ``DB2Error`` `.invalidRequest` naming the parameter and what is wrong.
    public init(parameter: String, value: String) throws(DB2Error) {
        let step = "check the configuration override"
        let name = parameter.uppercased()
        guard !name.isEmpty, name.count <= 32,
            name.allSatisfy({ ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" })
        else { throw .invalid("\"\(parameter)\" is not a DB2 configuration parameter name", step: step) }
        let words = value.split(separator: " ").map(String.init)
        guard let first = words.first, words.count <= 2,
            first.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.:/-+@#$".contains($0)) }),
            words.count == 1 || ["AUTOMATIC", "MANUAL"].contains(words[1].uppercased())
        else {
            throw .invalid(
                "value \"\(value)\" of \(name) is not a single value (optionally followed by AUTOMATIC)", step: step)
        }
        self.parameter = name
        self.value = words.joined(separator: " ")
    }
}
