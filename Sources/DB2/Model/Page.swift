/// One page of a listing and the marker of the next page, with Trove's pagination arguments.
public struct Page<Item: Sendable>: Sendable {
    public let items: [Item]
    /// The name of the last item when more items follow it, else nil. Passed back as `marker`, it yields the next
    /// page (Trove always answered null here).
    public let nextMarker: String?

    public init(items: [Item], nextMarker: String?) {
        self.items = items
        self.nextMarker = nextMarker
    }

    /// Pages `all` (sorted by `key`): items after `marker` (or from it with `includeMarker`; by name order, so a
    /// marker that no longer exists still positions the page), at most `limit` of them.
    public static func paginate(
        _ all: [Item], key: (Item) -> String, limit: Int?, marker: String?, includeMarker: Bool
    ) -> Page<Item> {
        let sorted = all.sorted { key($0) < key($1) }
        var remaining = sorted[...]
        if let marker {
            remaining = remaining.drop { includeMarker ? key($0) < marker : key($0) <= marker }
        }
        guard let limit, limit >= 0, remaining.count > limit else { return Page(items: Array(remaining), nextMarker: nil) }
        let page = Array(remaining.prefix(limit))
        return Page(items: page, nextMarker: page.last.map(key))
    }
}
