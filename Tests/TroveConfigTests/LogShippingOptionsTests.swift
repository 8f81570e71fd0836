import Testing

@testable import TroveConfig

/// `[db2] log_shipping`, `log_ship_interval`, `log_retention_days`.
@Suite struct LogShippingOptionsTests {
    @Test func shippingIsOffByDefaultAndReadAsConfigured() throws {
        let defaults = try load(guestInfo)
        #expect(!defaults.db2.logShipping)
        #expect(defaults.db2.logShipInterval == .seconds(300))
        #expect(defaults.db2.logRetentionDays == nil)
        let set = try loadWithGuestInfo(
            "[db2]\nbackup_strategy = DB2OnlineBackup\nlog_shipping = True\nlog_ship_interval = 60\nlog_retention_days = 35\n")
        #expect(set.db2.logShipping && set.db2.logShipInterval == .seconds(60) && set.db2.logRetentionDays == 35)
    }

    @Test func shippingWithoutArchiveLoggingOrWithATooShortIntervalIsRefusedNamingTheOption() {
        let offline = loadError(guestInfo, ("agent.conf", "[db2]\nlog_shipping = True\n"))
        #expect(offline?.description.contains("log_shipping") == true, "\(String(describing: offline))")
        #expect(offline?.description.contains("DB2OnlineBackup") == true)
        let short = loadError(
            guestInfo, ("agent.conf", "[db2]\nbackup_strategy = DB2OnlineBackup\nlog_shipping = True\nlog_ship_interval = 2\n"))
        #expect(short?.description.contains("log_ship_interval") == true, "\(String(describing: short))")
    }
}
