import AgentSupport
import Testing

@testable import TroveConfig

/// `transport_url` as oslo.messaging parses it.
@Suite struct TransportURLTests {
    @Test func severalHostsEachWithCredentialsAndPort() throws {
        let url = try TransportURL.parse("rabbit://user:pass@h1:5672,user2:pass2@h2:5673/vhost?ssl=1")
        #expect(url.scheme == .rabbit)
        #expect(url.hosts.map(\.hostname) == ["h1", "h2"])
        #expect(url.hosts.map(\.port) == [5672, 5673])
        #expect(url.hosts.map(\.username) == ["user", "user2"])
        #expect(url.hosts.map { $0.password?.revealed } == ["pass", "pass2"])
        #expect(url.virtualHost == "vhost")
        #expect(url.query.map(\.name) == ["ssl"])
        #expect(url.query.map(\.value) == ["1"])
    }

    @Test func userPasswordAndVirtualHostArePercentDecoded() throws {
        let url = try TransportURL.parse("amqp://tr%40ve:p%3Ass%2Cw%2Frd%25@broker/%2Fprod%20vh")
        #expect(url.scheme == .amqp)
        #expect(url.hosts[0].username == "tr@ve")
        #expect(url.hosts[0].password?.revealed == "p:ss,w/rd%")
        #expect(url.virtualHost == "/prod vh")
    }

    @Test func passwordMayHoldColonsAndAtSignsUnescaped() throws {
        let url = try TransportURL.parse("rabbit://user:pa:ss@word@host:5672/")
        #expect(url.hosts[0].username == "user")
        #expect(url.hosts[0].password?.revealed == "pa:ss@word")
        #expect(url.hosts[0].hostname == "host")
    }

    @Test func ipv6HostsWithAndWithoutPort() throws {
        let url = try TransportURL.parse("rabbit://u:p@[::1]:5672,u:p@[fe80::2],u:p@2001:db8::7/")
        #expect(url.hosts.map(\.hostname) == ["::1", "fe80::2", "2001:db8::7"])
        #expect(url.hosts.map(\.port) == [5672, nil, nil])
    }

    @Test func pathAndQueryVariants() throws {
        #expect(try TransportURL.parse("rabbit://h").virtualHost == nil)
        #expect(try TransportURL.parse("rabbit://h/").virtualHost == "")
        #expect(try TransportURL.parse("rabbit://h/%2F").virtualHost == "/")
        let query = try TransportURL.parse("rabbit://h/?a=1&a=2&b=&c=x+y&d").query
        #expect(query.map(\.name) == ["a", "c"])
        #expect(query.map(\.value) == ["1,2", "x y"])
        #expect(try TransportURL.parse("rabbit://h1,,h2/").hosts.count == 2, "empty entries are skipped as oslo does")
    }

    @Test(arguments: [
        ("kafka://h:9092/", "scheme \"kafka\" is not supported"),
        ("zmq://h/", "scheme \"zmq\" is not supported"),
        ("broker.example:5672", "scheme \"broker.example\" is not supported"),
        ("//h:5672/", "no scheme"),
        ("rabbit://", "names no broker host"),
        ("rabbit:///vhost", "names no broker host"),
        ("rabbit://user:pass@/vhost", "host 1: the host name is missing"),
        ("rabbit://h1:5672,user:pass@:5672/", "host 2: the host name is missing"),
        ("rabbit://h:port/", "host 1: the port is not a number in 1–65535"),
        ("rabbit://h:0/", "the port is not a number in 1–65535"),
        ("rabbit://[::1/", "not closed"),
    ])
    func unusableURLsAreClearErrors(text: String, message: String) {
        #expect {
            try TransportURL.parse(text)
        } throws: { error in
            (error as? TransportURLError)?.message.contains(message) == true
        }
    }

    @Test func anUnescapedSlashInAPasswordDoesNotLeakIntoTheError() throws {
        do {
            _ = try TransportURL.parse("rabbit://trove:se/cret99@10.0.0.1:5672/")
            Issue.record("expected an error")
        } catch {
            #expect(!error.message.contains("se"))
            #expect(!error.message.contains("cret99"))
        }
    }

    @Test func maskingHidesEveryPasswordAndKeepsTheRest() {
        let masked = TransportURL.masked("rabbit://user:pass@h1:5672,user2:p%40ss2@[::1]:5673/vh?ssl=1")
        #expect(masked == "rabbit://user:***@h1:5672,user2:***@[::1]:5673/vh?ssl=1")
        #expect(TransportURL.masked("rabbit://u:se/cret@h/") == "rabbit://***@h/")
        #expect(TransportURL.masked("rabbit://h:5672/") == "rabbit://h:5672/")
    }
}
