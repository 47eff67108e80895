package import WireRuntime
#if canImport(Glibc)
import Glibc
#endif

/// What every process sets up first: broken pipes as errors rather than
/// deaths, SIGTERM/SIGINT as a stream, a started event loop, and the clock
/// its loops read and wait on.
package struct ProcessRuntime: Sendable {
    package let loop: EventLoop
    /// Arrivals of SIGTERM or SIGINT; the process stops at the first (`ServiceGroup`).
    package let stopSignals: AsyncStream<Int32>
    package let clock: any ProcessClock

    package init(loopName: String, clock: any ProcessClock = SystemClock()) throws {
        self.clock = clock
        SignalStream.ignoreBrokenPipes()
        stopSignals = SignalStream.make([SIGTERM, SIGINT])
        loop = try EventLoop(name: loopName)
        loop.start()
    }

    /// Makes every file and socket this process creates from here on private
    /// to its user (mode 0600, directories 0700): the data directory holds
    /// every tenant's contacts. Call first, before anything is opened.
    package static func keepNewFilesPrivate() {
        umask(0o077)
    }
}
