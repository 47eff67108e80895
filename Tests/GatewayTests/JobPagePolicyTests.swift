import Foundation
import TestSupport
import Testing
@testable import Gateway

/// The job page's Content-Security-Policy allows its inline script and style by their hashes,
/// checked here against hashes the openssl command computes from the page's own bytes.
@Suite struct JobPagePolicyTests {
    private static let page = try! Data(contentsOf: repositoryRoot.appendingPathComponent("Sources/Gateway/Resources/job.html"))

    /// The text between `<tag>` and `</tag>`, found without the gateway's code.
    private static func block(_ tag: String, in page: String) throws -> String {
        let start = try #require(page.range(of: "<\(tag)>")).upperBound
        let end = try #require(page.range(of: "</\(tag)>", range: start..<page.endIndex)).lowerBound
        return String(page[start..<end])
    }

    /// `'sha256-…'` of `text` by `openssl dgst` and `base64`.
    private static func hashSource(of text: String) throws -> String {
        let path = NSTemporaryDirectory() + "csp-\(UUID().uuidString)"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        defer { unlink(path) }
        let (status, output) = try runCommand("/bin/sh", ["-c", "openssl dgst -sha256 -binary '\(path)' | base64"])
        #expect(status == 0, "\(output)")
        return "'sha256-\(output.trimmingCharacters(in: .whitespacesAndNewlines))'"
    }

    private static func policy(of documents: BuiltInDocuments) throws -> String {
        try #require(documents.jobPageHeaders.first { $0.name == "Content-Security-Policy" }?.value)
    }

    @Test func allowsExactlyTheServedScriptAndStyleByHashAndNothingInline() throws {
        let text = String(decoding: Self.page, as: UTF8.self)
        let policy = try Self.policy(of: BuiltInDocuments(openAPI: [], jobPage: Array(Self.page)))
        #expect(!policy.contains("unsafe-inline"), "\(policy)")
        #expect(policy.contains("script-src \(try Self.hashSource(of: try Self.block("script", in: text)));"), "\(policy)")
        #expect(policy.contains("style-src \(try Self.hashSource(of: try Self.block("style", in: text)));"), "\(policy)")
        #expect(policy.hasPrefix("default-src 'none'; ") && policy.contains("connect-src 'self'") && policy.contains("frame-ancestors 'none'"))
        // One block of each: a second would need a hash of its own.
        #expect(text.components(separatedBy: "<script").count == 2 && text.components(separatedBy: "<style").count == 2)
        // No hash allows a style or event-handler attribute: the page must hold none.
        #expect(text.range(of: #"\s(style|on[a-z]+)\s*="#, options: .regularExpression) == nil)
    }

    /// The hashes are of the bytes served: a page with another script gets another policy.
    @Test func anotherPageGetsTheHashesOfItsOwnBlocks() throws {
        let page = "<html><style>p{}</style><script>run()</script><script>more()</script></html>"
        let policy = try Self.policy(of: BuiltInDocuments(openAPI: [], jobPage: Array(page.utf8)))
        let scripts = "\(try Self.hashSource(of: "run()")) \(try Self.hashSource(of: "more()"))"
        #expect(policy.contains("script-src \(scripts);"), "\(policy)")
        #expect(policy.contains("style-src \(try Self.hashSource(of: "p{}"));"), "\(policy)")
        let bare = try Self.policy(of: BuiltInDocuments(openAPI: [], jobPage: Array("<p>no blocks</p>".utf8)))
        #expect(bare.contains("script-src 'none'; style-src 'none';"), "\(bare)")
    }
}
