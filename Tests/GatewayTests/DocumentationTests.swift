import Foundation
import TestSupport
import Testing

/// The README and `docs/` stand on their own: every path they name is in the repository, none
/// points outside it, and every `$ref` of `docs/openapi.yaml` names a component it defines.
@Suite struct DocumentationTests {
    private static let root = repositoryRoot.path

    private static func text(_ path: String) throws -> String {
        try String(contentsOfFile: "\(root)/\(path)", encoding: .utf8)
    }

    private static var documents: [String] {
        let docs = (try? FileManager.default.contentsOfDirectory(atPath: "\(root)/docs")) ?? []
        return ["README.md"] + docs.filter { $0.hasSuffix(".md") || $0.hasSuffix(".yaml") }.sorted().map { "docs/\($0)" }
    }

    private static func matches(_ pattern: String, in text: String) throws -> [String] {
        let expression = try NSRegularExpression(pattern: pattern)
        return expression.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { match in
            Range(match.range(at: 1), in: text).map { String(text[$0]) }
        }
    }

    @Test(arguments: documents)
    func everyPathADocumentNamesIsInTheRepository(_ document: String) throws {
        let text = try Self.text(document)
        #expect(!text.contains("../"), "\(document) points outside the repository")
        #expect(!text.contains("shared/"), "\(document) names a file outside the repository")
        let named = try Self.matches(#"`((?:docs|scripts|Sources|Tests|\.ci)/[A-Za-z0-9_./+-]*[A-Za-z0-9_])`"#, in: text)
        // A component in capitals (`Tests/Fuzz/Corpus/TARGET`) is a placeholder, not a name.
        for path in Set(named) where !path.split(separator: "/").contains(where: { $0.allSatisfy { $0.isUppercase } }) {
            #expect(FileManager.default.fileExists(atPath: "\(Self.root)/\(path)"), "\(document) names \(path), which is not in the repository")
        }
    }

    @Test func everyReferenceOfTheOpenAPIDocumentResolves() throws {
        let yaml = try Self.text("docs/openapi.yaml")
        let references = try Self.matches(#"\$ref: '#/components/(\w+/\w+)'"#, in: yaml)
        #expect(!references.isEmpty)
        for reference in Set(references) {
            let parts = reference.split(separator: "/")
            let section = yaml.range(of: "\n  \(parts[0]):\n").map { yaml[$0.upperBound...] } ?? ""
            #expect(section.contains("\n    \(parts[1]):\n") || section.hasPrefix("    \(parts[1]):\n"), "docs/openapi.yaml refers to \(reference), which it does not define")
        }
        #expect(yaml.contains("\n    ImportLine:\n"), "the import's description names the ImportLine schema: it must be defined")
    }
}
