import HTTPTransport
import Testing

/// What an HTTP request says about itself: a log line names the method and URL, never a header (tokens travel in
/// headers).
@Suite struct HTTPRequestTests {
    @Test func describingARequestLeavesItsHeadersOut() {
        let request = HTTPRequest(
            .put, url: "http://127.0.0.1:8080/v1/AUTH_t/c/o", headers: ["X-Auth-Token": "AUTH_tk_secret"])
        #expect(request.description == "PUT http://127.0.0.1:8080/v1/AUTH_t/c/o")
        #expect(!"\(request)".contains("AUTH_tk_secret"))
    }
}
