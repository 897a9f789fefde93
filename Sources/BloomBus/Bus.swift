/// What a service needs from the bus. ``BusClient`` is the ZeroMQ implementation; ``InMemoryBus`` is a double for
/// pure-logic tests. Methods take and return values only (topics, bytes, envelopes), never in-process state.
public protocol Bus: Sendable {
    /// Who this connection publishes as.
    var sender: SenderID { get }

    /// Received messages; one consumer.
    var messages: BusMessages { get }

    /// Queues a message for publication; never blocks. Returns false when it was dropped (queue full or stopped).
    @discardableResult
    func publish(
        _ topic: Topic,
        payload: [UInt8],
        kind: Envelope.Kind,
        flags: Envelope.Flags,
        peerID: PeerID?,
        requestID: UInt64
    ) -> Bool

    /// Receive messages of exactly `topic`.
    func subscribe(_ topic: Topic)
    /// Receive every topic whose name starts with `prefix`.
    func subscribe(prefix: String)
    /// Undo one ``subscribe(_:)``.
    func unsubscribe(_ topic: Topic)
    /// Undo one ``subscribe(prefix:)``.
    func unsubscribe(prefix: String)
}

extension Bus {
    /// Publishes a raw payload as an event with no peer and no request id.
    @discardableResult
    public func publish(_ topic: Topic, payload: [UInt8]) -> Bool {
        publish(topic, payload: payload, kind: .event, flags: [], peerID: nil, requestID: 0)
    }

    /// Encodes `value` and publishes it.
    @discardableResult
    public func publish(
        _ topic: Topic,
        _ value: some BusPayload,
        kind: Envelope.Kind = .event,
        flags: Envelope.Flags = [],
        peerID: PeerID? = nil,
        requestID: UInt64 = 0
    ) -> Bool {
        publish(topic, payload: value.encoded(), kind: kind, flags: flags, peerID: peerID, requestID: requestID)
    }
}

extension BusClient: Bus {}
