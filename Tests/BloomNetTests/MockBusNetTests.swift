import BloomBus
import BloomNet
import BloomWire
import NIOPosix
import Testing

/// The whole path over real ZeroMQ: the mock bus binds the bus endpoints, bloom-net's bridge runs its real
/// BusClient, and the peer is a real TCP socket.
@Suite("bloom-net on the mock bus (ZeroMQ) with a real TCP peer", .serialized)
struct MockBusNetTests {
    @Test("p2p.peer and p2p.in out, p2p.out and p2p.ctl ban in, over ZeroMQ")
    func wholePath() async throws {
        let mock = try MockBus()
        let sender = SenderID(service: .net, replica: 0, bootID: 0x4E7)
        let client = try await mock.makeClient(as: sender)
        let bridge = NetBusBridge(bus: client)
        bridge.subscribe()
        try await mock.waitForSubscription(.p2pControl)
        try await mock.waitForSubscription(.p2pOut)

        var configuration = NetConfiguration()
        configuration.bindHost = "127.0.10.1"
        configuration.port = 0
        configuration.bootID = 0x4E7
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let node = NetNode(configuration: configuration, eventLoop: group.next(), sink: bridge)
        let port = try await node.start().get()
        let runner = bridge.start(node: node)

        let peer = try TestPeer(from: "127.0.10.2", to: "127.0.10.1", port: port)
        try peer.handshake(height: 8, port: 9_501)
        let (_, event) = try await mock.next(PeerEvent.self, topic: .p2pPeer)
        guard case .connected(let connected) = event else {
            Issue.record("expected connected, got \(event)")
            return
        }
        #expect(connected.address == "127.0.10.2:9501")
        #expect(connected.height == 8)
        #expect(connected.peer.bootID == 0x4E7)

        try peer.send(Wire.phase(n: 63))
        let phase = try await mock.next(topic: Topic.p2pIn("PHASE"))
        #expect(phase.envelope.peerID == connected.peer)
        #expect(phase.envelope.sender == sender)
        #expect(phase.payload.count == 12 + 4 * 63)

        mock.publish(.p2pOut, P2POut(messageType: MessageType.tx.rawValue, target: .all, payload: [1, 2, 3]))
        let frame = peer.readFrame()
        #expect(frame?.type == .tx)
        #expect(frame?.payload == [1, 2, 3])

        mock.publish(.p2pControl, P2PControl.ban(.peer(connected.peer), seconds: 60, reason: "invalid block"))
        #expect(peer.waitForClose())
        // The first message from the mock's sender is a new boot to the bridge: it re-announces the peer first.
        var gone: PeerEvent?
        for _ in 0..<4 {
            let (_, event) = try await mock.next(PeerEvent.self, topic: .p2pPeer)
            if case .disconnected = event {
                gone = event
                break
            }
        }
        #expect(gone == .disconnected(peer: connected.peer, reason: "banned"))
        #expect(try await node.activeBans().get().map(\.ip) == ["127.0.10.2"])

        runner.cancel()
        client.stop()
        try await node.shutdown().get()
        try await group.shutdownGracefully()
        await mock.stop()
    }
}
