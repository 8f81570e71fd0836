import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// A pre-authenticated Swift account: its storage URL and the token for it (Trove's `preauthurl` and
/// `preauthtoken`: the end user's token from the request context).
public struct SwiftEndpoint: Sendable, Equatable, CustomStringConvertible {
    /// The account URL, e.g. `http://swift:8080/v1/AUTH_<tenant>` (no trailing slash).
    public let storageURL: String
    /// The token sent as `X-Auth-Token`.
    public let token: Secret<String>

    public init(storageURL: String, token: Secret<String>) {
        var url = storageURL
        while url.hasSuffix("/") { url.removeLast() }
        self.storageURL = url
        self.token = token
    }

    public var description: String { "\(storageURL) (token ***)" }

    /// Finds the storage URL as Trove does: `swiftURL` + `tenantID` when `swift_url` is configured, otherwise the
    /// endpoint of type `serviceType` in the request context's service catalog.
    ///
    /// The catalog is the context's `service_catalog` as JSON: a list of services in the Keystone v2 shape
    /// (`[{"type", "endpoints": [{"publicURL", "internalURL", "adminURL", "region"}]}]`) or the v3 shape
    /// (`[{"type", "endpoints": [{"interface": "public", "url", "region" | "region_id"}]}]`); a
    /// `{"catalog": [...]}` or `{"serviceCatalog": [...]}` wrapper is accepted too. The first matching endpoint wins.
    ///
    /// - Parameters:
    ///   - swiftURL: Trove's `swift_url` ("URL ending in `AUTH_`"), or `nil`.
    ///   - tenantID: the context's tenant (project) id, appended to `swiftURL`.
    ///   - endpointType: Trove's `swift_endpoint_type`: `publicURL`, `internalURL` or `adminURL` (v3 interface
    ///     `public`, `internal`, `admin`).
    ///   - region: Trove's `os_region_name`; `nil` accepts any region.
    /// - Throws: ``SwiftEndpointError`` naming what is missing.
    public static func resolve(
        swiftURL: String?,
        tenantID: String?,
        serviceCatalog: Data?,
        serviceType: String = "object-store",
        endpointType: String = "publicURL",
        region: String? = "RegionOne",
        token: Secret<String>
    ) throws(SwiftEndpointError) -> SwiftEndpoint {
        if let swiftURL, !swiftURL.isEmpty {
            guard let tenantID, !tenantID.isEmpty else { throw .missingTenant }
            return SwiftEndpoint(storageURL: swiftURL + tenantID, token: token)
        }
        guard let serviceCatalog, !serviceCatalog.isEmpty else { throw .emptyCatalog }
        let url = try catalogEndpoint(
            serviceCatalog, serviceType: serviceType, endpointType: endpointType, region: region)
        return SwiftEndpoint(storageURL: url, token: token)
    }

    private static func catalogEndpoint(
        _ data: Data, serviceType: String, endpointType: String, region: String?
    ) throws(SwiftEndpointError) -> String {
        let json: JSONValue
        do {
            json = try JSONParser.parse(Array(data))
        } catch {
            throw .invalidCatalog("not JSON: \(error)")
        }
        guard var services = json.arrayValue ?? (json["catalog"] ?? json["serviceCatalog"])?.arrayValue else {
            throw .invalidCatalog("expected a list of services")
        }
        services = services.filter { $0["type"]?.stringValue == serviceType }
        guard !services.isEmpty else { throw .noService(type: serviceType) }

        let interface = endpointType.hasSuffix("URL") ? String(endpointType.dropLast(3)) : endpointType
        var regionsSeen: [String] = []
        for service in services {
            for endpoint in service["endpoints"]?.arrayValue ?? [] {
                let endpointRegion = (endpoint["region"] ?? endpoint["region_id"])?.stringValue
                if let endpointRegion { regionsSeen.append(endpointRegion) }
                if let region, endpointRegion != region { continue }
                if let url = endpoint[endpointType]?.stringValue, !url.isEmpty { return url }  // v2
                if endpoint["interface"]?.stringValue == interface, let url = endpoint["url"]?.stringValue, !url.isEmpty {
                    return url  // v3
                }
            }
        }
        throw .noEndpoint(type: serviceType, endpointType: endpointType, region: region, regionsSeen: regionsSeen)
    }
}
