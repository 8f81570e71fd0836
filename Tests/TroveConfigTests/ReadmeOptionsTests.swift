import Foundation
import Testing
import TroveConfig

@Suite struct ReadmeOptionsTests {
    @Test func theReadmeDocumentsEveryOptionExactlyAsTheCodeDefinesIt() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let begin = try #require(text.range(of: "<!-- options:begin -->\n"))
        let end = try #require(text.range(of: "<!-- options:end -->"))
        let section = String(text[begin.upperBound..<end.lowerBound])
        #expect(section == OptionTable.markdownReference(), "run scripts/update-readme")
    }
}
