import Testing
import TestSupport

/// The backup and restore suites, run one test at a time: each test starts DB2 instances, agents and Swift
/// traffic, and all of them at once on a small machine would starve the suites running beside them.
@Suite(.serialized, .needsServices) enum BackupIntegration {}
