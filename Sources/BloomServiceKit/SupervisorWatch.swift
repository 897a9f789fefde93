import BloomBus

/// A child's second watch on its supervisor, beside the parent-death signal: the supervisor heartbeats on the bus
/// every second, and a child that has heard it and then hears nothing from it for `silence` seconds, while the bus
/// still delivers other heartbeats, treats it as gone
/// (a supervisor that is alive but no longer serving, or one across a `tcp://` bus where no parent-death signal
/// exists). Pure value: the link feeds it heartbeats and the time.
public struct SupervisorWatch: Equatable, Sendable {
    /// The service name the supervisor heartbeats under.
    public static let supervisorName = "bloom-supervisor"
    /// Silence after which the supervisor counts as gone, unless `BLOOM_SUPERVISOR_SILENCE_S` says otherwise.
    public static let defaultSilence = 10.0

    /// The supervisor's pid (from `BLOOM_SUPERVISOR_PID`): heartbeats of another supervisor do not count.
    public let supervisorPID: UInt32
    /// Seconds of silence tolerated.
    public let silence: Double
    /// When the supervisor was last heard, `nil` before the first heartbeat.
    public private(set) var lastHeard: Double?
    /// When any heartbeat (the child's own echo included) last came through the bus, `nil` before the first.
    public private(set) var busLastDelivered: Double?
    /// Whether the bus is another host's (tcp): its silence may be the link's, not the supervisor's.
    public var busIsRemote = false
    private var reported = false

    /// A watch on the supervisor with pid `supervisorPID`.
    public init(supervisorPID: UInt32, silence: Double = SupervisorWatch.defaultSilence) {
        self.supervisorPID = supervisorPID
        self.silence = silence
    }

    /// The watch a supervised process needs, from its environment; `nil` when no supervisor started it.
    public static func from(environment: [String: String]) -> SupervisorWatch? {
        guard let text = environment[ParentWatch.supervisorPIDVariable], let pid = UInt32(text) else { return nil }
        let silence = environment["BLOOM_SUPERVISOR_SILENCE_S"].flatMap(Double.init).flatMap {
            $0 > 0 && $0.isFinite ? $0 : nil
        }
        return SupervisorWatch(supervisorPID: pid, silence: silence ?? defaultSilence)
    }

    /// Starts the clock at `now`, as if the supervisor had just been heard: a child whose supervisor never
    /// heartbeats at all also notices (the supervisor beats every second from its start).
    public mutating func arm(now: Double) {
        if lastHeard == nil { lastHeard = now }
    }

    /// Notes a heartbeat seen on the bus at `now`.
    public mutating func heard(_ heartbeat: Heartbeat, now: Double) {
        // A remote bus that comes back after a silence: the supervisor gets a whole window from the return, as its
        // own beats may come through a moment after the first message.
        if busIsRemote, let last = busLastDelivered, now - last > silence / 2, lastHeard != nil { lastHeard = now }
        busLastDelivered = now
        if heartbeat.service == Self.supervisorName && heartbeat.pid == supervisorPID { lastHeard = now }
    }

    /// True exactly once: the first time the supervisor has been silent for longer than `silence`. On a remote bus
    /// (``busIsRemote``: another host's forwarder) only while that bus still delivers (some heartbeat, the child's
    /// own included, within the last `silence / 2`): when the whole bus is silent a link is down, which says nothing
    /// about the supervisor, and a child stopping itself then would only be restarted in a loop until the link
    /// returns. On the local bus the forwarder lives in the supervisor, so a silent bus is a silent supervisor.
    public mutating func supervisorLost(now: Double) -> Bool {
        guard !reported, let lastHeard, now - lastHeard > silence else { return false }
        if busIsRemote {
            guard let busLastDelivered, now - busLastDelivered <= silence / 2 else { return false }
        }
        reported = true
        return true
    }
}
