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
    /// Judges a request by its head alone, before any of its body is read: the claims of the token
    /// the route needs, or the answer (401, 403) that refuses it. Routes without one need no token.
    typealias Admission = @Sendable (HTTPRequestHead) -> Result<Claims, APIError>

    enum Endpoint: Sendable {
        case buffered(Handler, immediate: ImmediateHandler?)
        case streaming(StreamingHandler)
        case eventStream(EventStreamHandler)
    }

    enum Resolution {
        /// `pattern` is the route's (`/api/contacts/{id}`): what metrics label a request with, never its path.
        /// `admission` is nil for a route that needs no token.
        case found(Endpoint, parameters: [String: String], bodyLimit: Int?, pattern: String, admission: Admission?)
        case notFound
        case methodNotAllowed(allowed: [String])
    }

    private struct Route: Sendable {
        let method: String
        let pattern: String
        let segments: [Substring]
        let endpoint: Endpoint
        let bodyLimit: Int?
        let admission: Admission?
    }

    private var routes: [Route] = []

    /// Adds a route; `pattern` is a path such as `/api/contacts/bulk-job/{jobId}`.
    /// A literal path wins over a pattern that would capture it.
    ///
    /// Every route names the query parameters it takes (`query`, none by default): any other
    /// is a 400 before the handler runs, since one that is misspelt (`?dryrun=true` on a
    /// delete) would otherwise be ignored and do what the caller did not ask.
    ///
    /// A route with an `admission` needs a token: the connection asks it at the head, and
    /// the handlers see the claims it gave in `HTTPRequest.claims`.
    mutating func add(
        _ method: String, _ pattern: String, query: [String] = [], admission: Admission? = nil, immediate: ImmediateHandler? = nil,
        _ handler: @escaping Handler
    ) {
        let checked: Handler = { request in
            if let refusal = Self.refusal(of: request, allowing: query) { return refusal }
            return await handler(request)
        }
        var checkedImmediate: ImmediateHandler?
        if let immediate {
            checkedImmediate = { request in Self.refusal(of: request, allowing: query) ?? immediate(request) }
        }
        add(method, pattern, .buffered(checked, immediate: checkedImmediate), bodyLimit: nil, admission: admission)
    }

    /// Adds a route whose body streams to the handler, up to `bodyLimit` bytes.
    mutating func addStreaming(
        _ method: String, _ pattern: String, query: [String] = [], bodyLimit: Int, admission: Admission? = nil, _ handler: @escaping StreamingHandler
    ) {
        let checked: StreamingHandler = { request, body in
            if let refusal = Self.refusal(of: request, allowing: query) { return refusal }
            return await handler(request, body)
        }
        add(method, pattern, .streaming(checked), bodyLimit: bodyLimit, admission: admission)
    }

    /// Adds a Server-Sent Events route: the response stays open and carries events.
    mutating func addEventStream(
        _ method: String, _ pattern: String, query: [String] = [], admission: Admission? = nil, _ handler: @escaping EventStreamHandler
    ) {
        let checked: EventStreamHandler = { request in
            if let refusal = Self.refusal(of: request, allowing: query) { return .refuse(refusal) }
            return handler(request)
        }
        add(method, pattern, .eventStream(checked), bodyLimit: nil, admission: admission)
    }

    /// The 400 for a query parameter the route does not take; nil when every one is allowed.
    private static func refusal(of request: HTTPRequest, allowing allowed: [String]) -> HTTPResponse? {
        do throws(APIError) {
            try QueryString(request.head.query).check(allowed: allowed)
            return nil
        } catch {
            return error.response
        }
    }

    private mutating func add(_ method: String, _ pattern: String, _ endpoint: Endpoint, bodyLimit: Int?, admission: Admission?) {
        routes.append(Route(
            method: method, pattern: pattern, segments: pattern.split(separator: "/", omittingEmptySubsequences: false), endpoint: endpoint,
            bodyLimit: bodyLimit, admission: admission))
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
            return .found(route.endpoint, parameters: parameters, bodyLimit: route.bodyLimit, pattern: route.pattern, admission: route.admission)
        }
        return .methodNotAllowed(allowed: specific.map(\.0.method))
    }

    /// Every route as method and pattern, in the order they were added: what `docs/openapi.yaml` must document.
    var table: [(method: String, pattern: String)] { routes.map { ($0.method, $0.pattern) } }

    /// The body limit of the request `head` starts: its route's, or `standard` for a route that
    /// sets none. A request no token admits (its route needs none, or there is no such route) may
    /// send at most `withoutToken`: its sender is unknown, and none of those routes reads a body.
    func bodyLimit(for head: HTTPRequestHead, standard: Int, withoutToken: Int) -> Int {
        guard case .found(_, _, let limit, _, let admission) = resolve(method: head.method, path: head.path) else { return min(standard, withoutToken) }
        return admission == nil ? min(limit ?? standard, withoutToken) : limit ?? standard
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

/// Whether an event-stream request becomes a subscription (to `org`'s events, for
/// `token`, whose streams are counted, from `start`) or is answered like any other request.
enum EventStreamStart: Sendable {
    case subscribe(org: String, token: String, start: EventCursor.Start)
    case refuse(HTTPResponse)
}

/// A whole request as a handler sees it: the head, the body, the path's captures, and the
/// claims of its token when its route needs one (set at the head by the route's admission).
struct HTTPRequest: Sendable {
    var head: HTTPRequestHead
    var body: [UInt8]
    var parameters: [String: String] = [:]
    var claims: Claims?
}
