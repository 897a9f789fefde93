import BloomTestSupport
import NIOCore
import Testing

@testable import BloomNet

/// Found by Scripts/chaos: after a silent partition of about a minute, honest peers banned each other for 24 h. The
/// connections stayed open through the partition, each side queueing one PHASE a second in its kernel send queue;
/// at the heal the whole queue arrived at once, over the receiver's PHASE bucket (burst 60, one point per message
/// over it, ban at 10). The network stayed split after the heal (no convergence in 120 s). Now every peer socket has
/// TCP_USER_TIMEOUT: the kernel closes a connection whose data stays unacknowledged for 20 s, so at most about 20
/// PHASE wait in a queue. A silent partition cannot be made in-process (loopback never loses a packet); the chaos
/// soak's partitions reproduce it, and this checks that both kinds of peer socket carry the timeout.
@Suite("bloom-net over TCP: dead links", .serialized, .dedicatedThread)
struct TCPUserTimeoutTests {
    /// TCP_USER_TIMEOUT of every peer connection of `node`, as the kernel reports it, by direction.
    private func userTimeouts(_ node: NodeHarness) throws -> [(PeerConnection.Direction, SocketOptionValue)] {
        let entries = try node.node.loop.submit { node.node.peers.values.map { ($0.connection.direction, $0.channel) } }
            .wait()
        return try entries.map { direction, channel in
            (direction, try channel.getOption(NetNode.userTimeout).wait())
        }
    }

    @Test("accepted and dialled peer sockets close after 20 s of unacknowledged data")
    func peerSockets_carryTheUserTimeout() throws {
        let listener = try NodeHarness(host: "127.0.5.41")
        defer { listener.stop() }
        let dialler = try NodeHarness(host: "127.0.5.42") {
            $0.connect = [PeerEndpoint(host: "127.0.5.41", port: listener.port)]
        }
        defer { dialler.stop() }
        let inbound = listener.sink.wait { events in
            events.contains { if case .connected = $0 { true } else { false } } ? true : nil
        }
        try #require(inbound == true, "the dialler never connected")
        let accepted = try userTimeouts(listener)
        let dialled = try userTimeouts(dialler)
        #expect(accepted.map(\.0) == [.inbound] && dialled.map(\.0) == [.outbound])
        #expect((accepted + dialled).allSatisfy { $0.1 == 20_000 }, "\(accepted) \(dialled)")
    }
}
