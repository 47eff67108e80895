#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization
import TestSupport
import Testing
import Wire
import WireRuntime
import WireTransport
@testable import Gateway

/// The HTTP shell over real loopback sockets, with limits shrunk so each one can be hit.
@Suite(.serialized) struct HTTPServerTests {
    /// The header of the one token the test server's guarded routes admit.
    private static let token = "Authorization: Bearer good\r\n"
    /// Admits the token above; refuses any other, or none, with 401 as the gateway's routes do.
    private static let admission: Router.Admission = { head in
        head.headers["authorization"] == "Bearer good"
            ? .success(Claims(subject: "u", orgId: "o", role: .admin, expiresAt: .max, notBefore: nil)) : .failure(.unauthorized("send Bearer good"))
    }
    /// Every answer of `GET /big` is this long: a client that pipelines them and never reads
    /// would grow its unsent answers without bound.
    private static let bigAnswerBytes = 32 * 1024

    private func serve(_ configure: (inout GatewayLimits) -> Void = { _ in }) throws -> (port: UInt16, loop: EventLoop) {
        let (port, loop, _) = try serveWithServer(configure)
        return (port, loop)
    }

    private func serveWithServer(
        clock: any ProcessClock = SystemClock(), _ configure: (inout GatewayLimits) -> Void = { _ in }
    ) throws -> (port: UInt16, loop: EventLoop, server: HTTPServer) {
        var limits = GatewayLimits.standard
        configure(&limits)
        var router = Router()
        router.add("GET", "/echo/{word}") { request in .json(200, JSONText.quoted(request.parameters["word"] ?? "")) }
        router.add("POST", "/size", admission: Self.admission) { request in .json(200, "\(request.body.count)") }
        router.add("GET", "/private", admission: Self.admission) { request in .json(200, JSONText.quoted(request.claims?.orgId ?? "")) }
        router.add("GET", "/big", immediate: { _ in .json(200, JSONText.quoted(String(repeating: "b", count: Self.bigAnswerBytes - 2))) }) { _ in
            .json(500, "\"not immediate\"")
        }
        router.add("GET", "/slow") { _ in
            try? await Task.sleep(for: .seconds(3))
            return .json(200, "\"slow\"")
        }
        router.addEventStream("GET", "/events") { _ in .subscribe(org: "o", token: "t", start: .head) }
        // Words starting "now" are answered on the loop thread, the others by the async handler.
        router.add("GET", "/quick/{word}", immediate: { request in
            let word = request.parameters["word"] ?? ""
            return word.hasPrefix("now") ? .json(200, JSONText.quoted("immediate \(word)")) : nil
        }) { request in
            try? await Task.sleep(for: .milliseconds(5))
            return .json(200, JSONText.quoted("handler \(request.parameters["word"] ?? "")"))
        }
        router.addStreaming("POST", "/stream", bodyLimit: 8 << 20, admission: Self.admission) { _, body in
            // Slow consumer: the server must pause reading rather than buffer the whole body.
            var total = 0
            do {
                while let piece = try await body.next() {
                    total += piece.count
                    try? await Task.sleep(for: .microseconds(50))
                }
            } catch {
                // A body cut short: its handler answers, with the status of why and what it read.
                return .json((error as? APIError)?.response.status ?? 400, "{\"read\":\(total)}")
            }
            return .json(200, "\(total)")
        }
        let loop = try EventLoop(name: "http-test")
        loop.start()
        let server = HTTPServer(
            loop: loop, limits: limits, router: router, events: EventHub(loop: loop) { _, _, _ in EventPage(events: [], head: 0) }, clock: clock,
            log: Log(process: "http-test", minimumLevel: .error))
        // The services the gateway runs them as, for the life of the test process.
        Task { await server.handlers.run() }
        Task { await server.events.fetches.run() }
        return (try server.start(host: "127.0.0.1", port: 0), loop, server)
    }

    @Test func answersTwoRequestsOnOneKeepAliveConnection() throws {
        let (port, loop) = try serve()
        defer { loop.stop() }
        let fd = try RawHTTPClient.connectTCP(port: port)
        defer { close(fd) }
        RawHTTPClient.sendAll(fd, "GET /echo/one HTTP/1.1\r\nHost: x\r\n\r\n")
        var buffer = [UInt8](repeating: 0, count: 4096)
        let first = recv(fd, &buffer, buffer.count, 0)
        #expect(String(decoding: buffer[0..<max(first, 0)], as: UTF8.self).hasSuffix("\"one\""))
        RawHTTPClient.sendAll(fd, "GET /echo/two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        let rest = String(decoding: RawHTTPClient.readUntilClosed(fd), as: UTF8.self)
        #expect(rest.hasSuffix("\"two\""))
        #expect(rest.contains("Connection: close"))
    }

    /// GETs `paths` pipelined in one write, the last with `Connection: close`; what came back until the close.
    private func pipeline(_ paths: [String]) throws -> String {
        let (port, loop) = try serve()
        defer { loop.stop() }
        let fd = try RawHTTPClient.connectTCP(port: port)
        defer { close(fd) }
        let requests = paths.indices.map { index in
            "GET \(paths[index]) HTTP/1.1\r\n\(index == paths.count - 1 ? "Connection: close\r\n" : "")\r\n"
        }
        RawHTTPClient.sendAll(fd, requests.joined())
        return String(decoding: RawHTTPClient.readUntilClosed(fd), as: UTF8.self)
    }

    /// The bodies of the responses in `text`, in order.
    private func bodies(_ text: String) -> [String] {
        text.components(separatedBy: "\r\n\r\n").dropFirst().map { $0.components(separatedBy: "HTTP/1.1").first ?? "" }
    }

    @Test func answersPipelinedRequestsInOrder() throws {
        let words = (0..<20).map { "w\($0)" }
        #expect(bodies(try pipeline(words.map { "/echo/\($0)" })) == words.map { "\"\($0)\"" })
    }

    @Test func answersImmediatelyWhereItCanAndKeepsPipelinedAnswersInOrder() throws {
        let words = ["now1", "later2", "now3", "now4", "later5"]
        #expect(bodies(try pipeline(words.map { "/quick/\($0)" }))
            == ["\"immediate now1\"", "\"handler later2\"", "\"immediate now3\"", "\"immediate now4\"", "\"handler later5\""])
    }

    @Test(arguments: ["/quick/now1", "/nope"])
    func nothingPipelinedAfterAConnectionCloseRequestIsAnswered(first: String) throws {
        let (port, loop) = try serve()
        defer { loop.stop() }
        let fd = try RawHTTPClient.connectTCP(port: port)
        defer { close(fd) }
        RawHTTPClient.sendAll(fd, "GET \(first) HTTP/1.1\r\nConnection: close\r\n\r\nGET /quick/now2 HTTP/1.1\r\n\r\n")
        let text = String(decoding: RawHTTPClient.readUntilClosed(fd), as: UTF8.self)
        #expect(text.components(separatedBy: "HTTP/1.1 ").count == 2, "\(text)")
        #expect(!text.contains("now2"))
    }

    @Test func manyPipelinedImmediateAnswersComeBackInOrder() throws {
        let count = 2_000
        #expect(bodies(try pipeline((0..<count).map { "/quick/now\($0)" })) == (0..<count).map { "\"immediate now\($0)\"" })
    }

    /// Answers given at once (here 404s, before any route runs) for a long pipeline: were each
    /// to nest one more call on the loop thread, enough of them would overflow its stack.
    @Test func aLongPipelineOfUnknownPathsIsAnsweredWithoutExhaustingTheStack() throws {
        let count = 5_000
        let text = try pipeline((0..<count).map { "/nope/\($0)" })
        #expect(text.components(separatedBy: "HTTP/1.1 404").count == count + 1)
    }

    /// Sends up to `limit` bytes without blocking until the socket takes no more; how many it took.
    private func flood(_ fd: Int32, upTo limit: Int, for duration: Duration = .seconds(2)) -> Int {
        let chunk = [UInt8](repeating: 0x78, count: 64 * 1024)
        var sent = 0
        let deadline = ContinuousClock.now + duration
        while sent < limit && ContinuousClock.now < deadline {
            let count = send(fd, chunk, chunk.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL))
            if count > 0 {
                sent += count
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                usleep(10_000)
            } else {
                break  // closed by the server
            }
        }
        return sent
    }

    @Test func anEventStreamsClientThatKeepsSendingIsClosedPastItsBudget() throws {
        let (port, loop) = try serve()
        defer { loop.stop() }
        let fd = try RawHTTPClient.connectTCP(port: port)
        defer { close(fd) }
        RawHTTPClient.sendAll(fd, "GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
        var head = [UInt8](repeating: 0, count: 4096)
        #expect(recv(fd, &head, head.count, 0) > 0)  // the stream's head: subscribed
        let sent = flood(fd, upTo: 64 << 20)
        // Closed once past the budget: far from all of the 64 MiB went in.
        #expect(sent < 32 << 20, "the gateway took \(sent) bytes from an event stream's client")
        #expect(RawHTTPClient.readUntilClosed(fd).count < 4096)
    }

    @Test func whatIsPipelinedBehindAPendingAnswerIsHeldBackNotBuffered() throws {
        let (port, loop) = try serve()
        defer { loop.stop() }
        let fd = try RawHTTPClient.connectTCP(port: port)
        defer { close(fd) }
        RawHTTPClient.sendAll(fd, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        // Bytes behind it, while its handler runs: reading pauses, so the socket buffers fill and sends stop.
        let sent = flood(fd, upTo: 256 << 20)
        #expect(sent < 64 << 20, "the gateway took \(sent) bytes while an answer was pending")
    }

    /// The handler answers a body cut short, after what arrived before the cut: the import says what it kept.
    @Test func aStreamedBodyThatStopsArrivingIsAnswered408ByItsHandlerAndClosed() throws {
        let (port, loop) = try serve { $0.bodyIdleTimeout = .milliseconds(300) }
        defer { loop.stop() }
        let fd = try RawHTTPClient.connectTCP(port: port)
        defer { close(fd) }
        // One chunk, then nothing: the client holds the connection and the handler.
        RawHTTPClient.sendAll(fd, "POST /stream HTTP/1.1\r\n\(Self.token)Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")
        let started = ContinuousClock.now
        let text = String(decoding: RawHTTPClient.readUntilClosed(fd), as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 408"), "\(text)")
        #expect(text.hasSuffix(#"{"read":3}"#), "\(text)")
        #expect(text.components(separatedBy: "HTTP/1.1 ").count == 2, "two answers: \(text)")
        #expect(started.duration(to: .now) < .seconds(5))
    }

    @Test func readsContentLengthAndChunkedBodies() throws {
        let (port, loop) = try serve()
        defer { loop.stop() }
        let plain = try RawHTTPClient.exchange(port: port, request: "POST /size HTTP/1.1\r\n\(Self.token)Content-Length: 5\r\nConnection: close\r\n\r\nhello")
        #expect(plain.body == "5")
        let chunked = try RawHTTPClient.exchange(
            port: port, request: "POST /size HTTP/1.1\r\n\(Self.token)Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n")
        #expect(chunked.body == "7")
    }

    @Test func streamsALargeChunkedBodyToAStreamingRoute() throws {
        let (port, loop) = try serve()
        defer { loop.stop() }
        let chunk = String(repeating: "x", count: 64 * 1024)
        let chunks = (0..<64).map { _ in String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n" }.joined()
        let response = try RawHTTPClient.exchange(
            port: port, request: "POST /stream HTTP/1.1\r\n\(Self.token)Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n\(chunks)0\r\n\r\n")
        #expect(response.status == 200)
        #expect(response.body == "\(64 * 64 * 1024)")
    }

    /// A chunked body that crosses its route's limit mid-way: the handler reads every chunk before
    /// the one that crossed, then answers 413 itself, while the client is still sending.
    @Test func aChunkedBodyPastItsLimitIsAnswered413ByItsHandlerAfterWhatCameBefore() throws {
        let (port, loop) = try serve()
        defer { loop.stop() }
        let chunk = String(repeating: "x", count: 1 << 20)
        let chunks = (0..<12).map { _ in String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n" }.joined()
        let response = try RawHTTPClient.exchange(
            port: port, request: "POST /stream HTTP/1.1\r\n\(Self.token)Transfer-Encoding: chunked\r\n\r\n\(chunks)0\r\n\r\n")
        #expect(response.status == 413)
        #expect(response.body == #"{"read":\#(8 << 20)}"#)
    }

    @Test func refusesAStreamingBodyOverItsRoutesLimitWith413() throws {
        let (port, loop) = try serve()
        defer { loop.stop() }
        let response = try RawHTTPClient.exchange(port: port, request: "POST /stream HTTP/1.1\r\n\(Self.token)Content-Length: \((8 << 20) + 1)\r\n\r\n")
        #expect(response.status == 413)
    }

    @Test func answersUnknownPathsWith404AndWrongMethodsWith405() throws {
        let (port, loop) = try serve()
        defer { loop.stop() }
        let missing = try RawHTTPClient.exchange(port: port, request: "GET /nope HTTP/1.1\r\nConnection: close\r\n\r\n")
        #expect(missing.status == 404)
        #expect(missing.json["error"] as? String == "Not found")
        let wrong = try RawHTTPClient.exchange(port: port, request: "DELETE /size HTTP/1.1\r\nConnection: close\r\n\r\n")
        #expect(wrong.status == 405)
        #expect(wrong.headers["allow"] == "POST")
    }

    @Test func refusesHeadersOverTheLimitWith431() throws {
        let (port, loop) = try serve()
        defer { loop.stop() }
        let huge = String(repeating: "a", count: HTTPLimits.standard.maxHeaderBytes)
        let response = try RawHTTPClient.exchange(port: port, request: "GET /echo/x HTTP/1.1\r\nX-Big: \(huge)\r\n\r\n")
        #expect(response.status == 431)
        #expect((response.json["message"] as? String)?.contains("16384") == true)
    }

    @Test func refusesTooManyHeadersWith431() throws {
        let (port, loop) = try serve()
        defer { loop.stop() }
        let headers = (0...HTTPLimits.standard.maxHeaderCount).map { "X-H\($0): v\r\n" }.joined()
        let response = try RawHTTPClient.exchange(port: port, request: "GET /echo/x HTTP/1.1\r\n\(headers)\r\n")
        #expect(response.status == 431)
    }

    @Test func refusesABodyOverTheLimitWith413BeforeReadingIt() throws {
        let (port, loop) = try serve()
        defer { loop.stop() }
        let response = try RawHTTPClient.exchange(
            port: port, request: "POST /size HTTP/1.1\r\n\(Self.token)Content-Length: \(HTTPLimits.standard.maxBodyBytes + 1)\r\n\r\n")
        #expect(response.status == 413)
    }

    @Test func answersGarbageWith400AndCloses() throws {
        let (port, loop) = try serve()
        defer { loop.stop() }
        let response = try RawHTTPClient.exchange(port: port, request: "HELLO THERE\r\n\r\n")
        #expect(response.status == 400)
        #expect(response.headers["connection"] == "close")
    }

    @Test func refusesConnectionsBeyondTheLimitWith503() throws {
        let (port, loop, server) = try serveWithServer { $0.maxConnections = 2 }
        defer { loop.stop() }
        let held = try (0..<2).map { _ in try RawHTTPClient.connectTCP(port: port) }
        defer { held.forEach { close($0) } }
        // The held connections are accepted before the next one is refused.
        #expect(eventually { onLoop(loop) { server.unsentBytesPerConnection.count } == 2 })
        let refused = try RawHTTPClient.exchange(port: port, request: "GET /echo/x HTTP/1.1\r\n\r\n")
        #expect(refused.status == 503)
        #expect(refused.headers["retry-after"] == "1")
    }

    @Test func answersARequestThatNeverCompletesWith408() throws {
        let (port, loop) = try serve { $0.requestTimeout = .milliseconds(200) }
        defer { loop.stop() }
        let fd = try RawHTTPClient.connectTCP(port: port)
        defer { close(fd) }
        RawHTTPClient.sendAll(fd, "GET /echo/slow HTTP/1.1\r\nHost: x\r\n")
        let response = try RawHTTPClient.parse(RawHTTPClient.readUntilClosed(fd))
        #expect(response.status == 408)
    }

    @Test func closesAConnectionIdlePastTheIdleTimeout() throws {
        let (port, loop) = try serve { $0.idleTimeout = .milliseconds(200) }
        defer { loop.stop() }
        let fd = try RawHTTPClient.connectTCP(port: port)
        defer { close(fd) }
        // Closed by the server: reading ends with no bytes well before the client's own time-out.
        let started = ContinuousClock.now
        #expect(RawHTTPClient.readUntilClosed(fd).isEmpty)
        #expect(started.duration(to: .now) < .seconds(RawHTTPClient.timeoutSeconds))
    }

    // MARK: - What a client that presents no token may cost

    /// The head alone, of a request that declares a body it never sends: the refusal must come
    /// without it, or a stranger could make the gateway wait for (and hold) a body it will refuse.
    @Test(arguments: [
        "POST /size HTTP/1.1\r\nContent-Length: 1000000\r\n\r\n",
        "POST /size HTTP/1.1\r\nAuthorization: Bearer bad\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST /stream HTTP/1.1\r\nContent-Length: 1000000\r\n\r\n",
    ])
    func aRouteThatNeedsATokenRefusesAMissingOrBadOneAtTheHeadAndCloses(head: String) throws {
        let (port, loop) = try serve()
        defer { loop.stop() }
        let fd = try RawHTTPClient.connectTCP(port: port)
        defer { close(fd) }
        RawHTTPClient.sendAll(fd, head)
        let started = ContinuousClock.now
        let response = try RawHTTPClient.parse(RawHTTPClient.readUntilClosed(fd))
        #expect(response.status == 401)
        #expect(response.json["error"] as? String == "Unauthorized")
        #expect(response.json["message"] as? String == "send Bearer good")
        #expect(response.headers["connection"] == "close")
        // Closed by the server (its body unread), not by the client's time-out.
        #expect(started.duration(to: .now) < .seconds(RawHTTPClient.timeoutSeconds / 2))
    }

    /// What a client sends on after an error answer that closes its connection is read and dropped
    /// only up to its linger budget: a stranger refused at the head, a tenant answered 400 for the
    /// garbage after its request. Without a budget the gateway would read and drop whatever came
    /// for 30 s on the loop thread every tenant shares (`scripts/bench flood`, docs/benchmarks.md).
    @Test(arguments: [
        "POST /size HTTP/1.1\r\nContent-Length: 1000000000\r\n\r\n",
        "GET /private HTTP/1.1\r\nAuthorization: Bearer good\r\n\r\n",
    ])
    func aClientThatSendsOnAfterItsErrorAnswerIsClosedPastItsLingerBudget(opening: String) throws {
        let (port, loop) = try serve {
            $0.unauthenticatedLingerBytes = 256 * 1024
            $0.lingerBytes = 256 * 1024
        }
        defer { loop.stop() }
        let fd = try RawHTTPClient.connectTCP(port: port)
        defer { close(fd) }
        RawHTTPClient.sendAll(fd, opening)
        let sent = flood(fd, upTo: 256 << 20, for: .seconds(5))
        // The socket buffers on both sides hold a few MiB; the gateway itself took 256 KiB.
        #expect(sent < 32 << 20, "the gateway took \(sent) bytes after its answer")
    }

    /// A refused request without a body leaves nothing unread: its connection goes on.
    @Test func aRefusedRequestWithoutABodyKeepsItsConnection() throws {
        let (port, loop) = try serve()
        defer { loop.stop() }
        let fd = try RawHTTPClient.connectTCP(port: port)
        defer { close(fd) }
        RawHTTPClient.sendAll(fd, "GET /private HTTP/1.1\r\n\r\nGET /private HTTP/1.1\r\n\(Self.token)Connection: close\r\n\r\n")
        let text = String(decoding: RawHTTPClient.readUntilClosed(fd), as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 401"), "\(text)")
        #expect(bodies(text).last == "\"o\"", "\(text)")
    }

    /// No token admits a request to a route that needs none, or to no route: its body is the
    /// stranger's small budget, refused at the head when it declares more.
    @Test(arguments: ["GET /echo/x", "POST /nope"])
    func aBodyNoTokenAdmitsIsHeldToTheStrangersBudget(request: String) throws {
        let (port, loop) = try serve { $0.unauthenticatedBodyBytes = 1000 }
        defer { loop.stop() }
        let refused = try RawHTTPClient.exchange(port: port, request: "\(request) HTTP/1.1\r\nContent-Length: 1001\r\n\r\n")
        #expect(refused.status == 413)
        #expect((refused.json["message"] as? String)?.contains("1000-byte limit") == true, "\(refused.json)")
        let small = String(repeating: "s", count: 1000)
        let taken = try RawHTTPClient.exchange(port: port, request: "\(request) HTTP/1.1\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n\(small)")
        #expect(taken.status != 413)
    }

    /// A connection that has presented no token must send its head at once; one whose token was
    /// admitted has the usual `requestTimeout`.
    @Test func aStrangersHeadMustArriveWithinItsBudgetATenantsNeedNot() throws {
        let clock = ManualClock()
        let (port, loop, server) = try serveWithServer(clock: clock) { $0.unauthenticatedHeadTimeout = .milliseconds(300) }
        defer { loop.stop() }
        let receiving = { onLoop(loop) { server.connectionsReceiving } }
        let sweep = { onLoop(loop) { server.sweep() } }
        let stranger = try RawHTTPClient.connectTCP(port: port)
        defer { close(stranger) }
        RawHTTPClient.sendAll(stranger, "GET /echo/slow HTTP/1.1\r\nHost: x\r\n")
        #expect(eventually { receiving() == 1 })
        clock.advance(by: .milliseconds(300))
        sweep()
        #expect(receiving() == 1, "a stranger's head was refused within its budget")
        clock.advance(by: .milliseconds(1))
        sweep()
        let refused = try RawHTTPClient.parse(RawHTTPClient.readUntilClosed(stranger))
        #expect(refused.status == 408)
        #expect((refused.json["message"] as? String)?.contains("request head did not arrive within 0.3 seconds") == true, "\(refused.json)")

        let tenant = try RawHTTPClient.connectTCP(port: port)
        defer { close(tenant) }
        RawHTTPClient.sendAll(tenant, "GET /private HTTP/1.1\r\n\(Self.token)\r\n")
        var buffer = [UInt8](repeating: 0, count: 4096)
        #expect(String(decoding: buffer[0..<max(recv(tenant, &buffer, buffer.count, 0), 0)], as: UTF8.self).hasPrefix("HTTP/1.1 200"))
        // Past the stranger's budget and a sweep: the tenant's half-sent head is still waited for.
        RawHTTPClient.sendAll(tenant, "GET /echo/slow HTTP/1.1\r\n")
        #expect(eventually { receiving() == 1 })
        clock.advance(by: .milliseconds(1_500))
        sweep()
        RawHTTPClient.sendAll(tenant, "Connection: close\r\n\r\n")
        let answer = try RawHTTPClient.parse(RawHTTPClient.readUntilClosed(tenant))
        #expect(answer.status == 200 && answer.body == "\"slow\"", "\(answer)")
    }

    @Test func refusesConnectionsBeyondTheLimitPerAddressWith429() throws {
        let (port, loop, server) = try serveWithServer { $0.maxConnectionsPerAddress = 2 }
        defer { loop.stop() }
        let accepted = { onLoop(loop) { server.unsentBytesPerConnection.count } }
        var held = try (0..<2).map { _ in try RawHTTPClient.connectTCP(port: port) }
        defer { held.forEach { close($0) } }
        #expect(eventually { accepted() == 2 })  // the held connections are accepted before the next one is refused
        let refused = try RawHTTPClient.exchange(port: port, request: "GET /echo/x HTTP/1.1\r\n\r\n")
        #expect(refused.status == 429)
        #expect(refused.headers["retry-after"] == "1")
        #expect((refused.json["message"] as? String)?.contains("limit of 2 connections per address") == true, "\(refused.json)")
        // A closed connection gives its place back.
        close(held.removeFirst())
        #expect(eventually { accepted() == 1 })
        let served = try RawHTTPClient.exchange(port: port, request: "GET /echo/back HTTP/1.1\r\nConnection: close\r\n\r\n")
        #expect(served.status == 200 && served.body == "\"back\"")
    }

    /// A client that pipelines requests and does not read their answers: the gateway answers
    /// until `unsentAnswerLimit` waits for it, then stops reading it, so what it holds for
    /// that client stays within the limit and one answer, and every answer arrives in the end:
    /// neither held without bound nor dropped.
    @Test func aClientThatDoesNotReadItsPipelinedAnswersHoldsAtMostTheUnsentLimit() throws {
        let (port, loop, server) = try serveWithServer()
        defer { loop.stop() }
        let fd = try RawHTTPClient.connectTCP(port: port)
        defer { close(fd) }
        let count = 1_000  // 32 MiB of answers
        RawHTTPClient.sendAll(fd, String(repeating: "GET /big HTTP/1.1\r\n\r\n", count: count - 1) + "GET /big HTTP/1.1\r\nConnection: close\r\n\r\n")
        let bound = HTTPConnection.unsentAnswerLimit + Self.bigAnswerBytes + 256  // and its head
        // Until the answers waiting for the client reach the limit (then reading it stops), and a
        // few turns of the loop beyond: more would show as growth past the bound.
        var largest = 0
        let sample = { largest = max(largest, onLoop(loop) { server.unsentBytesPerConnection.max() ?? 0 }) }
        #expect(eventually {
            sample()
            return largest >= HTTPConnection.unsentAnswerLimit
        }, "the answers waiting for the client never reached the limit")
        for _ in 0..<20 { sample() }
        #expect(largest <= bound, "\(largest) bytes of answers waited for a client that does not read")
        let text = String(decoding: RawHTTPClient.readUntilClosed(fd), as: UTF8.self)
        #expect(text.components(separatedBy: "HTTP/1.1 200").count == count + 1)
    }

    /// Runs `body` on `loop`'s thread and returns what it gave.
    private func onLoop<T: Sendable>(_ loop: EventLoop, _ body: @escaping @Sendable () -> T) -> T {
        let result = Mutex<T?>(nil)
        loop.execute { result.withLock { $0 = body() } }
        while true {
            if let value = result.withLock({ $0 }) { return value }
            usleep(1_000)
        }
    }
}
