import BloomCLI
import BloomServiceKit
import Foundation
import Logging
import Synchronization

/// Asks the node through the CLI's control client once a second, on a thread of its own: bloom-gossip's
/// `coherence` for the history (always), and, while a dashboard is connected, `status`, `chain`, `peers` and
/// `mempool` for the live events. Questions go through the supervisor's control socket like `bloom`'s, so the
/// answers are the same JSON, and the supervisor's loop sees ordinary requests.
public final class NodePoller: Sendable {
    let client: ControlClient
    let history: CoherenceHistory
    let hub: EventHub
    let logger: Logger
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    /// Seconds between two polls.
    public static let interval = 1.0

    /// A poller; call ``start()``.
    public init(client: ControlClient, history: CoherenceHistory, hub: EventHub, logger: Logger) {
        var client = client
        // A service that does not answer costs a missing sample, not a stalled history.
        client.timeout = 2
        self.client = client
        self.history = history
        self.hub = hub
        self.logger = logger
    }

    /// Starts the thread.
    public func start() {
        let thread = Thread { [self] in
            self.run()
            self.finished.signal()
        }
        thread.name = "bloom-http-poller"
        thread.start()
    }

    /// Stops the thread and waits for it (at most one request's timeout).
    public func stop() {
        if !stopping.exchange(true, ordering: .acquiringAndReleasing) { finished.wait() }
    }

    private func run() {
        var next = MonotonicClock.now()
        while !stopping.load(ordering: .acquiring) {
            pollOnce()
            next += Self.interval
            let now = MonotonicClock.now()
            if next < now { next = now + Self.interval / 2 }
            // Sleep in slices so stop() is answered quickly.
            while !stopping.load(ordering: .acquiring), MonotonicClock.now() < next {
                usleep(UInt32(min(0.1, max(0, next - MonotonicClock.now())) * 1_000_000))
            }
        }
    }

    /// One round of questions.
    func pollOnce() {
        let live = hub.count > 0
        if let coherence = try? client.ask("coherence"),
            let sample = history.record(coherence: coherence, at: Date().timeIntervalSince1970), live
        {
            var event = history.json(sample)
            if case .object(var members) = event {
                members["mining"] = coherence["mining"] ?? .null
                members["z_c"] = .number(3.0.squareRoot() / 2)
                event = .object(members)
            }
            hub.broadcast(event: "coherence", data: event.encoded())
        }
        guard live else { return }
        for cmd in ["status", "chain", "peers", "mempool"] {
            let data: JSONValue
            do {
                data = try client.ask(cmd)
            } catch {
                data = .object(["error": .string("\(error)")])
            }
            hub.broadcast(event: cmd, data: data.encoded())
        }
    }
}
