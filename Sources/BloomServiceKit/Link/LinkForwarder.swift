import CZeroMQ
import Foundation
import Synchronization

/// The bus forwarder: XSUB (services publish to it) ↔ XPUB (services subscribe to it), run by libzmq's
/// steerable proxy on a dedicated thread, so that forwarding never waits on the supervisor's own work.
public final class LinkForwarder: @unchecked Sendable {
    private let control: LinkSocket
    private let thread: Thread
    private let done = DispatchSemaphore(value: 0)
    private static let sequence = Mutex(0)

    /// Binds both endpoints and starts forwarding.
    /// - Throws: `LinkError` when an endpoint cannot be bound (in use, path too long…).
    public init(publishEndpoint: String, subscribeEndpoint: String) throws(LinkError) {
        let frontend = try LinkSocket.make(.xsub)
        let backend = try LinkSocket.make(.xpub)
        try frontend.bind(publishEndpoint)
        try backend.bind(subscribeEndpoint)
        let number = Self.sequence.withLock { value in
            value += 1
            return value
        }
        let endpoint = "inproc://bloom-forwarder-\(number)"
        let steer = try LinkSocket.make(.pair)
        try steer.bind(endpoint)
        control = try LinkSocket.make(.pair)
        try control.connect(endpoint)
        let done = self.done
        thread = Thread {
            zmq_proxy_steerable(frontend.handle, backend.handle, nil, steer.handle)
            withExtendedLifetime((frontend, backend, steer)) {}
            done.signal()
        }
        thread.name = "bloom-forwarder"
        thread.start()
    }

    /// Stops forwarding and closes both endpoints; returns once the forwarder thread has finished.
    public func stop() {
        do {
            try control.send([Array("TERMINATE".utf8)])
            done.wait()
        } catch {
            // The proxy is already gone (context terminated); nothing is left to stop.
        }
    }
}
