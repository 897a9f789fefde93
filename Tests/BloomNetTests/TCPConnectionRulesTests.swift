import BloomBus
import BloomNet
import BloomTestSupport
import BloomWire
import Foundation
import Testing

@Suite("bloom-net over TCP: bans, replicas, addresses, limits", .serialized, .dedicatedThread)
struct TCPConnectionRulesTests {
    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bloom-net-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("p2p.ctl ban: the peer is closed, and the ban survives a restart of the node on the same data directory")
    func ctlBan_survivesRestart() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            let node = try NodeHarness(host: "127.0.5.1") { $0.dataDirectory = directory }
            let (peer, id) = try #require(try node.handshakenPeer(from: "127.0.6.1", port: 9_201))
            node.node.ban(id, reason: "invalid block")
            #expect(peer.waitForClose())
            #expect(node.sink.disconnected(id) == .banned)
            node.stop()
        }
        let restarted = try NodeHarness(host: "127.0.5.1") { $0.dataDirectory = directory }
        #expect(try restarted.node.activeBans().wait().map(\.ip) == ["127.0.6.1"])
        let again = try TestPeer(from: "127.0.6.1", to: restarted.host, port: restarted.port)
        #expect(again.readFrame() == nil)
        #expect(try restarted.handshakenPeer(from: "127.0.6.2", port: 9_202) != nil)
    }

    @Test("two replicas on one port (SO_REUSEPORT): both accept, a broadcast on both reaches each peer once")
    func twoReplicas_sharePort_broadcastOnce() throws {
        let first = try NodeHarness(host: "127.0.5.2") {
            $0.replica = 0
            $0.replicaCount = 2
        }
        let second = try NodeHarness(host: "127.0.5.2", port: first.port) {
            $0.replica = 1
            $0.replicaCount = 2
        }
        var peers: [TestPeer] = []
        var owners: [UInt8] = []
        // The kernel spreads connections over the two listeners by hash; a few dozen sources reach both.
        for i in 0..<48 where Set(owners).count < 2 || peers.count < 4 {
            let host = "127.0.7.\(i + 1)"
            let peer = try TestPeer(from: host, to: first.host, port: first.port)
            try #require(try peer.handshake(port: 9_300) != nil)
            let id = try #require(idOf(host, in: [first, second]))
            owners.append(id.replica)
            peers.append(peer)
        }
        #expect(Set(owners) == [0, 1])
        for node in [first, second] {
            node.node.send(type: .getPhase, payload: [], to: .all)
            node.node.send(type: .tx, payload: [1], to: .all)
        }
        for peer in peers {
            #expect(peer.readFrames(until: .tx)?.map(\.type) == [.getPhase, .tx])
        }
        // Stopping one replica drops only its peers; the other's keep being served.
        second.stop()
        first.node.send(type: .coherence, payload: [0, 0, 0, 0, 0, 0, 0, 0], to: .all)
        for (peer, owner) in zip(peers, owners) {
            if owner == 1 {
                #expect(peer.waitForClose())
            } else {
                #expect(peer.readFrame()?.type == .coherence)
            }
        }
    }

    private func idOf(_ host: String, in nodes: [NodeHarness]) -> PeerID? {
        for _ in 0..<200 {
            for node in nodes {
                for case .connected(let snapshot, _) in node.sink.all where snapshot.address == "\(host):9300" {
                    return PeerID(hex: snapshot.id)
                }
            }
            usleep(10_000)
        }
        return nil
    }

    @Test("inbound limit: past max-inbound a new connection is closed at once; existing peers keep working")
    func inboundLimit() throws {
        let node = try NodeHarness(host: "127.0.5.3") { $0.maxInbound = 2 }
        let a = try #require(try node.handshakenPeer(from: "127.0.6.3", port: 9_203))
        let b = try #require(try node.handshakenPeer(from: "127.0.6.4", port: 9_204))
        let refused = try TestPeer(from: "127.0.6.5", to: node.host, port: node.port)
        #expect(refused.readFrame() == nil)
        node.node.send(type: .tx, payload: [1], to: .all)
        #expect(a.0.readFrame()?.type == .tx)
        #expect(b.0.readFrame()?.type == .tx)
    }

    @Test("inbound full: a peer with a negative consistency score is evicted for a newcomer")
    func inboundFull_evictsWorstScored() throws {
        let node = try NodeHarness(host: "127.0.5.4") { $0.maxInbound = 2 }
        let good = try #require(try node.handshakenPeer(from: "127.0.6.6", port: 9_206))
        let bad = try #require(try node.handshakenPeer(from: "127.0.6.7", port: 9_207))
        node.node.setConsistencyScore(good.1, score: 1)
        node.node.setConsistencyScore(bad.1, score: -5)
        let newcomer = try #require(try node.handshakenPeer(from: "127.0.6.8", port: 9_208))
        #expect(bad.0.waitForClose())
        #expect(node.sink.disconnected(bad.1) == .evicted)
        node.node.send(type: .tx, payload: [1], to: .all)
        #expect(good.0.readFrame()?.type == .tx)
        #expect(newcomer.0.readFrame()?.type == .tx)
    }

    /// Issue 15, slowloris: connections that never finish their handshake must not hold the slots until the
    /// handshake timeout. Order is asserted (which connection goes), never time.
    @Test("inbound full of connections in their handshake: the oldest is evicted for a newcomer, which handshakes")
    func inboundFull_evictsTheOldestStillInItsHandshake() throws {
        let node = try NodeHarness(host: "127.0.5.7") {
            $0.maxInbound = 2
            $0.limits.handshakeTimeout = 600
        }
        // Two slow connections: each has our VERSION (so the node holds it) and sends nothing.
        let first = try TestPeer(from: "127.0.6.9", to: node.host, port: node.port)
        #expect(first.readFrame()?.type == .version)
        let second = try TestPeer(from: "127.0.6.10", to: node.host, port: node.port)
        #expect(second.readFrame()?.type == .version)
        // A newcomer takes the oldest one's slot and completes its handshake.
        let newcomer = try #require(try node.handshakenPeer(from: "127.0.6.11", port: 9_211))
        #expect(first.waitForClose())
        // The next newcomer takes the other slow one's slot; now every slot is handshaken.
        let next = try #require(try node.handshakenPeer(from: "127.0.6.12", port: 9_212))
        #expect(second.waitForClose())
        // With every slot handshaken a newcomer is refused as before, and nobody is evicted for it.
        let refused = try TestPeer(from: "127.0.6.13", to: node.host, port: node.port)
        #expect(refused.readFrame() == nil)
        node.node.send(type: .tx, payload: [1], to: .all)
        #expect(newcomer.0.readFrame()?.type == .tx)
        #expect(next.0.readFrame()?.type == .tx)
        let reasons = node.sink.all.compactMap { event -> DisconnectReason? in
            if case .disconnected(_, _, let reason) = event { reason } else { nil }
        }
        // Never announced (no handshake), so no p2p.peer event for the evicted ones either.
        #expect(reasons.isEmpty)
    }

    @Test("two nodes dialling each other end with one connection, the same one on both sides")
    func mutualDial_keepsOne() throws {
        let a = try NodeHarness(host: "127.0.5.5")
        let b = try NodeHarness(host: "127.0.5.6")
        a.node.connect(to: PeerEndpoint(host: b.host, port: b.port))
        b.node.connect(to: PeerEndpoint(host: a.host, port: a.port))
        var settled = false
        for _ in 0..<300 where !settled {
            let pa = (try a.node.peerSnapshots().wait())
            let pb = (try b.node.peerSnapshots().wait())
            settled = pa.count == 1 && pb.count == 1 && pa[0].direction != pb[0].direction
            if !settled { usleep(20_000) }
        }
        #expect(settled)
        let pa = try a.node.peerSnapshots().wait()
        #expect(pa.first?.address == "\(b.host):\(b.port)")
    }

    @Test("a reloaded configuration (SIGHUP): a peer added to the connect list is dialled, limits and ban time move")
    func reloadedSettings_applyWithoutRestart() throws {
        let a = try NodeHarness(host: "127.0.5.8")
        let b = try NodeHarness(host: "127.0.5.9")
        #expect(try a.node.peerSnapshots().wait().isEmpty)
        a.node.apply(
            reloaded: NetReloadableSettings(
                connect: [PeerEndpoint(host: b.host, port: b.port)],
                maxOutbound: 5,
                maxInbound: 7,
                banTime: 60
            )
        )
        let dialled = try pollUntil(seconds: 30) {
            try a.node.peerSnapshots().wait().contains { $0.direction == "out" && $0.address == "\(b.host):\(b.port)" }
        }
        #expect(dialled)
        // Read after a round trip through the loop, which applied the settings before it dialled.
        #expect(a.node.configuration.maxOutbound == 5 && a.node.configuration.maxInbound == 7)
        #expect(a.node.configuration.banTime == 60)
        #expect(a.node.configuration.connect == [PeerEndpoint(host: b.host, port: b.port)])
    }

    @Test("a node told to dial itself drops the connection and stops dialling that address")
    func selfConnection_dropped() throws {
        let node = try NodeHarness(host: "127.0.5.7")
        node.node.connect(to: PeerEndpoint(host: node.host, port: node.port))
        let reason = node.sink.wait { events in
            for case .disconnected(_, _, let reason) in events where reason == .selfConnection { return reason }
            return nil
        }
        #expect(reason == .selfConnection)
        var empty = false
        for _ in 0..<100 where !empty {
            empty = (try node.node.peerSnapshots().wait()).isEmpty
            if !empty { usleep(20_000) }
        }
        #expect(empty)
    }
}
