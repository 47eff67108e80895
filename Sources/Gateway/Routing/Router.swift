/// Matches a method and path to a handler; `{name}` segments capture.
///
/// Pure: resolving a request needs no socket, so the routing table is tested directly.
struct Router: Sendable {
    typealias Handler = @Sendable (HTTPRequest) async -> HTTPResponse

    enum Resolution {
        case found(Handler, parameters: [String: String])
        case notFound
        case methodNotAllowed(allowed: [String])
    }

    private struct Route: Sendable {
        let method: String
        let segments: [Substring]
        let handler: Handler
    }

    private var routes: [Route] = []

    /// Adds a route; `pattern` is a path such as `/api/contacts/bulk-job/{jobId}`.
    mutating func add(_ method: String, _ pattern: String, _ handler: @escaping Handler) {
        routes.append(Route(method: method, segments: pattern.split(separator: "/", omittingEmptySubsequences: false), handler: handler))
    }

    func resolve(method: String, path: String) -> Resolution {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        var allowed: [String] = []
        for route in routes {
            guard let parameters = Self.match(route.segments, segments) else { continue }
            if route.method == method { return .found(route.handler, parameters: parameters) }
            allowed.append(route.method)
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed)
    }

    private static func match(_ pattern: [Substring], _ path: [Substring]) -> [String: String]? {
        guard pattern.count == path.count else { return nil }
        var parameters: [String: String] = [:]
        for (expected, actual) in zip(pattern, path) {
            if expected.first == "{" && expected.last == "}" {
                guard !actual.isEmpty else { return nil }
                parameters[String(expected.dropFirst().dropLast())] = String(actual)
            } else if expected != actual {
                return nil
            }
        }
        return parameters
    }
}

/// A whole request as a handler sees it: the head, the body, and the path's captures.
struct HTTPRequest: Sendable {
    var head: HTTPRequestHead
    var body: [UInt8]
    var parameters: [String: String] = [:]
}
