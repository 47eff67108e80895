/// Work started where nothing can await (the event loop's thread: an HTTP handler, an event
/// page to fetch), run as child tasks of one owned loop instead of tasks nobody owns.
///
/// `run` is a service of the process: when the shutdown reaches it, the work in flight is
/// cancelled and awaited. Work added before `run` starts waits for it.
package final class ChildTasks: Sendable {
    private let work = AsyncStream.makeStream(of: (@Sendable () async -> Void).self)

    package init() {}

    /// Starts `job` as a child of `run`, from any thread; false once `run` has ended (the
    /// process is stopping), and then the caller lets go of what `job` would have run.
    @discardableResult
    package func add(_ job: @escaping @Sendable () async -> Void) -> Bool {
        if case .terminated = work.continuation.yield(job) { return false }
        return true
    }

    /// Runs each job added, side by side, until cancelled; returns once those running have ended.
    package func run() async {
        await withDiscardingTaskGroup { group in
            for await job in work.stream {
                group.addTask { await job() }
            }
        }
        work.continuation.finish()
    }
}
