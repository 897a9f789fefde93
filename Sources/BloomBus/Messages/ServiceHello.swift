import BloomCore

/// `svc.hello`: a service process has joined the bus: its subscriptions are in place at the forwarder
/// (``BusClient/joined(timeout:)`` returned), so from now on it receives what is published. It knows nothing of what
/// happened before it started. The sender (service, replica, boot id) is the envelope's.
///
/// The rule it carries (issue 12, "bring a new boot id up to date"): every other service that receives a hello
/// publishes again the state it owns and the newcomer needs, as if it were new:
///
/// | owner | republishes |
/// | --- | --- |
/// | bloom-net | `p2p.peer` connected for every established peer (VERSION height, services, address) |
/// | bloom-sync | `chain.tip` (height, hash, parent, certificate hash) |
/// | bloom-gossip | `gossip.score` of every peer it scores |
/// | bloom-supervisor | `svc.replicas` (how many replicas each service runs) |
///
/// A heartbeat cannot serve as the trigger: the service kit sends the first one at process start, before the
/// service's bus client has subscribed, so whatever is republished in answer would be lost to the newcomer.
///
/// The payload is empty: any byte is a `trailingBytes` error.
public struct ServiceHello: BusPayload, Hashable {
    /// A hello (all it says is in the envelope).
    public init() {}

    public init(from reader: inout ByteReader) throws(DecodeError) {}

    public func encode(into writer: inout ByteWriter) {}
}

extension Bus {
    /// Publishes `svc.hello`: call once, right after ``BusClient/joined(timeout:)`` returned, so that the other
    /// services bring this process up to date (see ``ServiceHello``).
    @discardableResult
    public func sayHello() -> Bool {
        publish(.serviceHello, ServiceHello())
    }
}
