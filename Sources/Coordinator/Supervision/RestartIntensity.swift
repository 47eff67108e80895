/// OTP's restart intensity: at most `maxRestarts` restarts within `window`.
///
/// ```
/// restarts:  |  |  |     |  |  |  |  |  |  |  |  ← the 11th inside 60 s: refused (the roster cools down)
///            ◀──────────── window (60 s) ────────▶
/// ```
/// Pure: fed with the time of each restart.
struct RestartIntensity: Equatable {
    let maxRestarts: Int
    let window: Duration
    private var restarts: [ContinuousClock.Instant] = []

    static let standard = RestartIntensity(maxRestarts: 10, window: .seconds(60))

    init(maxRestarts: Int, window: Duration) {
        precondition(maxRestarts >= 0 && window > .zero, "restart intensity needs a positive window")  // configuration bug
        self.maxRestarts = maxRestarts
        self.window = window
    }

    /// Records a restart at `now`; false when it would exceed the limit.
    mutating func allowRestart(at now: ContinuousClock.Instant) -> Bool {
        restarts.removeAll { $0.duration(to: now) >= window }
        guard restarts.count < maxRestarts else { return false }
        restarts.append(now)
        return true
    }
}
