/// Why no Swift storage URL could be found for a request.
public enum SwiftEndpointError: Error, Equatable, CustomStringConvertible {
    /// `swift_url` is set but the request context has no tenant id.
    case missingTenant
    /// No `swift_url`, and the request context has no service catalog.
    case emptyCatalog
    /// The service catalog is not what Keystone produces.
    case invalidCatalog(String)
    /// The catalog has no service of this type.
    case noService(type: String)
    /// The service has no endpoint of this type in this region.
    case noEndpoint(type: String, endpointType: String, region: String?, regionsSeen: [String])

    public var description: String {
        switch self {
        case .missingTenant: "swift_url is set but the request context has no tenant id"
        case .emptyCatalog: "swift_url is not set and the request context has no service catalog"
        case .invalidCatalog(let reason): "invalid service catalog: \(reason)"
        case .noService(let type): "the service catalog has no \(type) service"
        case .noEndpoint(let type, let endpointType, let region, let regionsSeen):
            "the \(type) service has no \(endpointType) endpoint"
                + (region.map { " in region \($0)" } ?? "")
                + (regionsSeen.isEmpty ? "" : " (regions: \(Array(Set(regionsSeen)).sorted().joined(separator: ", ")))")
        }
    }
}
