/// Matches a method and path to a handler; `{name}` segments capture.
///
/// Pure: resolving a request needs no socket, so the routing table is tested directly.
struct Router: Sendable {
    /// Takes the whole body, buffered up to the route's limit.
    typealias Handler = @Sendable (HTTPRequest) async -> HTTPResponse
    /// Takes the body piece by piece as it arrives (imports).
    typealias StreamingHandler = @Sendable (HTTPRequest, RequestBody) async -> HTTPResponse

    /// Decides, on the loop thread, whether a request may subscribe to events.
    typealias EventStreamHandler = @Sendable (HTTPRequest) -> EventStreamStart
    /// Answers on the loop thread when it can do so at once from memory, sparing the
    /// request two thread hops; nil hands it to the route's `Handler`.
    typealias ImmediateHandler = @Sendable (HTTPRequest) -> HTTPResponse?

    enum Endpoint: Sendable {
        case buffered(Handler, immediate: ImmediateHandler?)
        case streaming(StreamingHandler)
        case eventStream(EventStreamHandler)
    }

    enum Resolution {
        case found(Endpoint, parameters: [String: String], bodyLimit: Int?)
        case notFound
        case methodNotAllowed(allowed: [String])
    }

    private struct Route: Sendable {
        let method: String
        let segments: [Substring]
        let endpoint: Endpoint
        let bodyLimit: Int?
    }

    private var routes: [Route] = []

    /// Adds a route; `pattern` is a path such as `/api/contacts/bulk-job/{jobId}`.
    /// A literal path wins over a pattern that would capture it.
    mutating func add(_ method: String, _ pattern: String, immediate: ImmediateHandler? = nil, _ handler: @escaping Handler) {
        add(method, pattern, .buffered(handler, immediate: immediate), bodyLimit: nil)
    }

    /// Adds a route whose body streams to the handler, up to `bodyLimit` bytes.
    mutating func addStreaming(_ method: String, _ pattern: String, bodyLimit: Int, _ handler: @escaping StreamingHandler) {
        add(method, pattern, .streaming(handler), bodyLimit: bodyLimit)
    }

    /// Adds a Server-Sent Events route: the response stays open and carries events.
    mutating func addEventStream(_ method: String, _ pattern: String, _ handler: @escaping EventStreamHandler) {
        add(method, pattern, .eventStream(handler), bodyLimit: nil)
    }

    private mutating func add(_ method: String, _ pattern: String, _ endpoint: Endpoint, bodyLimit: Int?) {
        routes.append(Route(method: method, segments: pattern.split(separator: "/", omittingEmptySubsequences: false), endpoint: endpoint, bodyLimit: bodyLimit))
    }

    /// The route for `method` among the most specific routes matching `path` (those with the
    /// fewest captures), so `GET /api/contacts/query-bulk-delete` is a 405 naming DELETE rather
    /// than a read of a contact with that id.
    func resolve(method: String, path: String) -> Resolution {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        let matches = routes.compactMap { route in Self.match(route.segments, segments).map { (route, $0) } }
        guard let fewest = matches.map(\.1.count).min() else { return .notFound }
        let specific = matches.filter { $0.1.count == fewest }
        if let (route, parameters) = specific.first(where: { $0.0.method == method }) {
            return .found(route.endpoint, parameters: parameters, bodyLimit: route.bodyLimit)
        }
        return .methodNotAllowed(allowed: specific.map(\.0.method))
    }

    /// The body limit of the route `head` resolves to, or nil for the default.
    func bodyLimit(for head: HTTPRequestHead) -> Int? {
        guard case .found(_, _, let limit) = resolve(method: head.method, path: head.path) else { return nil }
        return limit
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

/// Whether an event-stream request becomes a subscription (to `org`'s events,
/// replaying after `lastEventId`) or is answered like any other request.
enum EventStreamStart: Sendable {
    case subscribe(org: String, lastEventId: String?)
    case refuse(HTTPResponse)
}

/// A whole request as a handler sees it: the head, the body, and the path's captures.
struct HTTPRequest: Sendable {
    var head: HTTPRequestHead
    var body: [UInt8]
    var parameters: [String: String] = [:]
}
