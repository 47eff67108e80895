#if canImport(Glibc)
import Glibc
#endif
import CLinux
import Foundation
import Synchronization
import WireRuntime

/// Something registered with an `EventLoop` for readiness of one descriptor.
///
/// Handlers are confined to their loop's thread: `ready` is only ever called there.
package protocol LoopHandler: AnyObject {
    func ready(readable: Bool, writable: Bool, hangup: Bool)
}

/// An epoll loop on one dedicated thread.
///
/// Blocking waits stay off Swift's cooperative pool (two threads on this
/// machine): the loop thread does all socket I/O and hands decoded values to
/// actors. Other threads reach it with `execute`, which wakes it via an eventfd.
package final class EventLoop: @unchecked Sendable {
    // Invariant for @unchecked Sendable: `registrations`, `timers`, `nextToken`
    // and `running` are touched only on the loop thread (checked by
    // `assertInLoop`); `submitted` is guarded by its Mutex; the descriptors are
    // immutable after init.
    private let epollFD: Int32
    private let wakeFD: Int32
    private let name: String
    /// Work handed in from other threads; nil once the loop has stopped, so
    /// late work is dropped instead of waking a closed (maybe reused) descriptor.
    private let submitted = Mutex<[@Sendable () -> Void]?>([])
    private let loopThreadID = Mutex<pthread_t?>(nil)
    private var registrations: [Int32: (token: UInt32, handler: any LoopHandler)] = [:]
    private var timers: [(deadline: ContinuousClock.Instant, work: () -> Void)] = []
    private var nextToken: UInt32 = 0
    private var running = true
    /// Scratch space every channel on this loop reads into; loop thread only.
    package let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)

    package init(name: String) throws {
        self.name = name
        epollFD = try systemCallBlocking("epoll_create1", name) { epoll_create1(Int32(EPOLL_CLOEXEC)) }
        wakeFD = try systemCallBlocking("eventfd", name) { eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC)) }
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = UInt64(UInt32(bitPattern: wakeFD))
        try systemCallBlocking("epoll_ctl(ADD eventfd)", name) { epoll_ctl(epollFD, EPOLL_CTL_ADD, wakeFD, &event) }
    }

    /// Starts the loop's thread; returns at once.
    package func start() {
        let thread = Thread { [self] in
            loopThreadID.withLock { $0 = pthread_self() }
            run()
        }
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
        // Wait until the thread knows itself, so `inLoop` is right from here on.
        while loopThreadID.withLock({ $0 == nil }) { sched_yield() }
    }

    /// Stops the loop after the work already submitted; handlers are dropped.
    package func stop() {
        execute { [self] in running = false }
    }

    package var inLoop: Bool {
        loopThreadID.withLock { id in id.map { pthread_equal($0, pthread_self()) != 0 } ?? false }
    }

    package func assertInLoop(_ function: StaticString = #function) {
        precondition(inLoop, "\(function) must run on the \(name) loop thread")  // our bug
    }

    /// Runs `work` on the loop thread, in submission order.
    package func execute(_ work: @escaping @Sendable () -> Void) {
        submitted.withLock { queue in
            guard queue != nil else { return }
            queue!.append(work)  // checked non-nil just above
            // Woken under the lock, so the loop cannot close the eventfd in between.
            if queue!.count == 1 { wake() }
        }
    }

    // MARK: - Loop-thread API

    /// Watches `fd` for readability.
    package func register(_ fd: Int32, handler: any LoopHandler) throws {
        assertInLoop()
        nextToken &+= 1
        registrations[fd] = (nextToken, handler)
        var event = epollEvent(fd: fd, token: nextToken, readable: true, writable: false)
        try systemCallBlocking("epoll_ctl(ADD)", "fd \(fd)") { epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event) }
    }

    /// Changes what `fd` is watched for: a writer waits for EPOLLOUT, a paused reader drops EPOLLIN.
    package func setInterest(_ fd: Int32, readable: Bool, writable: Bool) {
        assertInLoop()
        guard let registration = registrations[fd] else { return }
        var event = epollEvent(fd: fd, token: registration.token, readable: readable, writable: writable)
        _ = try? systemCall("epoll_ctl(MOD)", "fd \(fd)") { epoll_ctl(epollFD, EPOLL_CTL_MOD, fd, &event) }
    }

    /// Forgets `fd`; call before closing it.
    package func deregister(_ fd: Int32) {
        assertInLoop()
        guard registrations.removeValue(forKey: fd) != nil else { return }
        _ = try? systemCall("epoll_ctl(DEL)", "fd \(fd)") { epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, nil) }
    }

    /// Runs `work` on the loop thread once `delay` has passed.
    package func schedule(after delay: Duration, _ work: @escaping () -> Void) {
        assertInLoop()
        timers.append((ContinuousClock.now + delay, work))
    }

    // MARK: - The loop

    private func epollEvent(fd: Int32, token: UInt32, readable: Bool, writable: Bool) -> epoll_event {
        var event = epoll_event()
        event.events = (readable ? EPOLLIN.rawValue | EPOLLRDHUP.rawValue : 0) | (writable ? EPOLLOUT.rawValue : 0)
        // The token tells a stale event for a reused descriptor number from a fresh one.
        event.data.u64 = UInt64(token) << 32 | UInt64(UInt32(bitPattern: fd))
        return event
    }

    private func run() {
        let capacity = 256
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
        defer {
            events.deallocate()
            readBuffer.deallocate()
            submitted.withLock { queue in
                queue = nil
                close(wakeFD)
            }
            registrations.removeAll()
            timers.removeAll()
            close(epollFD)
        }
        while running {
            let count = epoll_wait(epollFD, events, Int32(capacity), nextTimeoutMilliseconds())
            if count < 0 {
                if errno == EINTR { continue }
                preconditionFailure("epoll_wait on \(name): \(String(cString: strerror(errno)))")  // only our bugs get here
            }
            for index in 0..<Int(count) {
                dispatch(events[index])
            }
            runDueTimers()
            runSubmitted()
        }
    }

    private func dispatch(_ event: epoll_event) {
        let fd = Int32(bitPattern: UInt32(truncatingIfNeeded: event.data.u64))
        if fd == wakeFD {
            var counter: UInt64 = 0
            _ = read(wakeFD, &counter, 8)
            return
        }
        let token = UInt32(truncatingIfNeeded: event.data.u64 >> 32)
        guard let registration = registrations[fd], registration.token == token else { return }
        let flags = event.events
        registration.handler.ready(
            readable: flags & EPOLLIN.rawValue != 0,
            writable: flags & EPOLLOUT.rawValue != 0,
            hangup: flags & (EPOLLHUP.rawValue | EPOLLERR.rawValue | EPOLLRDHUP.rawValue) != 0
        )
    }

    private func runSubmitted() {
        let work = submitted.withLock { queue in
            defer { queue?.removeAll(keepingCapacity: true) }
            return queue ?? []
        }
        for item in work { item() }
    }

    private func runDueTimers() {
        guard !timers.isEmpty else { return }
        let now = ContinuousClock.now
        var due: [() -> Void] = []
        timers.removeAll { timer in
            guard timer.deadline <= now else { return false }
            due.append(timer.work)
            return true
        }
        for work in due { work() }
    }

    private func nextTimeoutMilliseconds() -> Int32 {
        if submitted.withLock({ $0?.isEmpty == false }) { return 0 }
        guard let earliest = timers.map(\.deadline).min() else { return -1 }
        let remaining = ContinuousClock.now.duration(to: earliest)
        if remaining <= .zero { return 0 }
        let (seconds, attoseconds) = remaining.components
        return Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
    }

    private func wake() {
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }
}
