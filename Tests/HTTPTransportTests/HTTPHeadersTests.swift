import HTTPTransport
import Testing

@Suite struct HTTPHeadersTests {
    @Test func lookupIsCaseInsensitiveAndSetReplaces() {
        var headers: HTTPHeaders = ["Content-Type": "a"]
        headers.add("X-Object-Meta-A", "1")
        #expect(headers["content-type"] == "a")
        headers.set("CONTENT-TYPE", "b")
        #expect(headers["Content-Type"] == "b")
        #expect(headers.fields.count == 2)
    }

    @Test func credentialsAreRedactedInText() {
        let headers: HTTPHeaders = [
            "X-Auth-Token": "AUTH_tk_secret", "x-auth-key": "testing", "Authorization": "Bearer s", "Range": "bytes=0-",
        ]
        let text = "\(headers)"
        #expect(!text.contains("AUTH_tk_secret"))
        #expect(!text.contains("testing"))
        #expect(!text.contains("Bearer"))
        #expect(text.contains("Range: bytes=0-"))
    }
}
