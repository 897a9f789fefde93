import BloomBus
import BloomWire
import NIOCore

/// Everything bloom-net keeps about one live connection. Confined to the node's event loop.
final class PeerEntry {
    let id: PeerID
    let channel: Channel
    var connection: PeerConnection
    /// The remote IP and TCP source port.
    let remote: PeerEndpoint
    /// Our side's IP on this connection (for the mutual-dial rule).
    let localHost: String
    /// The address we dialled, for outbound connections.
    let dialled: PeerEndpoint?
    /// Where the peer listens: the dialled address, or its IP plus the port its VERSION advertised.
    var listenAddress: PeerEndpoint?
    /// Bytes handed to the channel and not yet written to the socket.
    var pendingWriteBytes = 0
    /// Answers to the peer's requests (`p2p.out` with the bulk flag) not yet handed to the channel: they go out
    /// only while the bulk bytes in the channel stay under ``NetConfiguration/bulkBytesInFlight``, so a relay
    /// written meanwhile waits behind that much bulk at most, never behind the whole backlog.
    var bulkQueue = CircularBuffer<(type: MessageType, payload: [UInt8])>()
    /// Payload bytes in ``bulkQueue``.
    var bulkQueuedBytes = 0
    /// Bytes of bulk frames handed to the channel and not yet written to the socket.
    var bulkInFlightBytes = 0
    /// Payload bytes of bulk answers written to the socket (or found unsendable) and not yet reported to bloom-sync
    /// (`p2p.flow written`: its credit for this peer comes back).
    var bulkWritten = 0
    /// Bulk bytes held for this peer: queued (payload) and in the channel (frames). Counts toward the node's cap.
    var bulkHeldBytes: Int { bulkQueuedBytes + bulkInFlightBytes }
    /// Whether `p2p.flow` last said the peer's send queue is full.
    var flowFull = false
    /// Whether a write was issued since the last flush.
    var needsFlush = false
    /// Whether the peer was announced on `p2p.peer` (so a disconnect is announced too).
    var announced = false
    /// Why we closed it, reported when the channel goes inactive.
    var closeReason: DisconnectReason?
    /// bloom-gossip's consistency score (0 neutral, negative bad).
    var consistencyScore = 0.0
    /// Wall-clock offset: `wall = monotonic + wallOffset`, for reports.
    let wallOffset: Double

    init(
        id: PeerID,
        channel: Channel,
        connection: PeerConnection,
        remote: PeerEndpoint,
        localHost: String,
        dialled: PeerEndpoint?,
        wallOffset: Double
    ) {
        self.id = id
        self.channel = channel
        self.connection = connection
        self.remote = remote
        self.localHost = localHost
        self.dialled = dialled
        self.listenAddress = dialled
        self.wallOffset = wallOffset
    }

    var address: PeerEndpoint { listenAddress ?? remote }

    var snapshot: PeerSnapshot {
        PeerSnapshot(
            id: id.hex,
            address: address.description,
            direction: connection.direction.rawValue,
            height: connection.peerHeight,
            services: connection.peerVersion?.advertisedServices.rawValue ?? 0,
            handshakeTime: connection.handshakeCompletedAt.map { $0 + wallOffset },
            bytesIn: connection.bytesIn,
            bytesOut: connection.bytesOut,
            penalty: connection.points,
            lastMessage: connection.lastFrameAt + wallOffset,
            score: consistencyScore
        )
    }
}
