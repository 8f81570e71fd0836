import AgentSupport
import Foundation
import ObjectStorage
import Testing

/// Storage URL resolution as Trove does it: `swift_url` + tenant, else the catalog's object-store endpoint.
@Suite struct SwiftEndpointTests {
    let token = Secret("tok-secret-123")

    func resolve(_ catalog: String?, swiftURL: String? = nil, tenant: String? = "t1", endpointType: String = "publicURL",
                 region: String? = "RegionOne") throws -> String {
        try SwiftEndpoint.resolve(
            swiftURL: swiftURL, tenantID: tenant, serviceCatalog: catalog.map { Data($0.utf8) },
            endpointType: endpointType, region: region, token: token
        ).storageURL
    }

    @Test func swiftURLPlusTenantWinsOverTheCatalog() throws {
        let url = try resolve(#"[{"type":"object-store","endpoints":[{"publicURL":"http://c/v1/AUTH_x"}]}]"#,
                              swiftURL: "http://swift:8080/v1/AUTH_", tenant: "abc123")
        #expect(url == "http://swift:8080/v1/AUTH_abc123")
    }

    @Test func swiftURLWithoutTenantIsAnError() {
        #expect(throws: SwiftEndpointError.missingTenant) {
            try resolve(nil, swiftURL: "http://swift:8080/v1/AUTH_", tenant: nil)
        }
    }

    @Test func keystoneV2CatalogInTheConfiguredRegion() throws {
        let catalog = """
            [{"type":"compute","endpoints":[{"publicURL":"http://nova","region":"RegionOne"}]},
             {"type":"object-store","name":"swift","endpoints":[
                {"publicURL":"http://other/v1/AUTH_t1","internalURL":"http://other-int","region":"RegionTwo"},
                {"publicURL":"http://swift/v1/AUTH_t1/","internalURL":"http://swift-int/v1/AUTH_t1","region":"RegionOne"}]}]
            """
        #expect(try resolve(catalog) == "http://swift/v1/AUTH_t1")
        #expect(try resolve(catalog, endpointType: "internalURL") == "http://swift-int/v1/AUTH_t1")
        #expect(try resolve(catalog, region: "RegionTwo") == "http://other/v1/AUTH_t1")
        #expect(try resolve(catalog, region: nil) == "http://other/v1/AUTH_t1")
    }

    @Test func keystoneV3CatalogWithInterfacesAndRegionIDs() throws {
        let catalog = """
            {"catalog":[{"type":"object-store","id":"x","endpoints":[
                {"interface":"admin","url":"http://admin/v1","region_id":"RegionOne"},
                {"interface":"internal","url":"http://int/v1/AUTH_p","region":"RegionOne"},
                {"interface":"public","url":"http://pub/v1/AUTH_p","region_id":"RegionOne","region":"RegionOne"}]}]}
            """
        #expect(try resolve(catalog) == "http://pub/v1/AUTH_p")
        #expect(try resolve(catalog, endpointType: "internalURL") == "http://int/v1/AUTH_p")
        #expect(try resolve(catalog, endpointType: "adminURL") == "http://admin/v1")
    }

    @Test func missingServiceOrRegionNamesWhatIsMissing() {
        let catalog = #"[{"type":"object-store","endpoints":[{"publicURL":"http://a","region":"RegionTwo"}]}]"#
        #expect(throws: SwiftEndpointError.noService(type: "object-store")) {
            try resolve(#"[{"type":"compute","endpoints":[]}]"#)
        }
        do {
            _ = try resolve(catalog)
            Issue.record("resolved an endpoint in the wrong region")
        } catch {
            #expect("\(error)".contains("in region RegionOne"))
            #expect("\(error)".contains("regions: RegionTwo"))
        }
        #expect(throws: SwiftEndpointError.emptyCatalog) { try resolve(nil) }
        #expect(throws: SwiftEndpointError.emptyCatalog) { try resolve("") }
        #expect(throws: SwiftEndpointError.self) { try resolve("{not json") }
    }

    @Test func theTokenNeverPrints() throws {
        let endpoint = SwiftEndpoint(storageURL: "http://s/v1/AUTH_t/", token: token)
        #expect(endpoint.storageURL == "http://s/v1/AUTH_t")
        #expect(!"\(endpoint)".contains("tok-secret-123"))
        #expect(!String(reflecting: endpoint).contains("tok-secret-123"))
    }
}
