#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// Delivers process signals as an `AsyncStream`, so shutdown is an ordinary
/// event in the process's main task rather than work done in a handler.
package enum SignalStream {
    /// Ignores the signals' default actions and streams their arrivals.
    package static func make(_ signals: [Int32]) -> AsyncStream<Int32> {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        let queue = DispatchQueue(label: "signals")
        var sources: [any DispatchSourceSignal] = []
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            sources.append(source)
        }
        // The sources live as long as the stream is consumed.
        let keepAlive = SourceBox(sources)
        continuation.onTermination = { _ in keepAlive.cancel() }
        return stream
    }

    /// Broken pipes are reported as `EPIPE` by `send`, never as a signal that kills us.
    package static func ignoreBrokenPipes() {
        signal(SIGPIPE, SIG_IGN)
    }
}

/// Holds dispatch sources until the stream ends.
private final class SourceBox: @unchecked Sendable {
    // Invariant for @unchecked Sendable: `sources` is written once, in init.
    private let sources: [any DispatchSourceSignal]
    init(_ sources: [any DispatchSourceSignal]) { self.sources = sources }
    func cancel() { sources.forEach { $0.cancel() } }
}
