import AgentSupport
import Logging
import Synchronization
import Testing
import TestSupport

@testable import TroveConfig

/// The smallest guest_info.conf Trove injects.
let guestInfo = (name: "guest_info.conf", contents: "[DEFAULT]\nguest_id=7c1f0e2a\ndatastore_manager=db2\n")

/// Loads in-memory files named as given, earliest first.
func load(_ texts: (name: String, contents: String)..., logger: Logger? = nil) throws(ConfigError)
    -> AgentConfiguration
{
    try AgentConfiguration.parse(texts: texts, logger: logger ?? LogRecorder().logger())
}

/// Loads `guest_info.conf` plus one more file with `contents`.
func loadWithGuestInfo(_ contents: String, logger: Logger? = nil) throws(ConfigError) -> AgentConfiguration {
    try load(guestInfo, ("agent.conf", contents), logger: logger)
}

/// The error loading `texts` throws; records an issue when loading succeeds.
func loadError(_ texts: (name: String, contents: String)..., sourceLocation: SourceLocation = #_sourceLocation)
    -> ConfigError?
{
    do {
        _ = try AgentConfiguration.parse(texts: texts, logger: LogRecorder().logger())
        Issue.record("expected a ConfigError", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}
