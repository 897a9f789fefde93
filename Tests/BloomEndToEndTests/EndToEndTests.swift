import BloomCore
import BloomServiceKit
import BloomWire
import Foundation
import Testing

/// The seed's validation checklist and the multi-process promises, on real nodes: real supervisors and services,
/// real TCP on loopback (each node its own 127.0.0.x), real ZeroMQ. Serialized: each test owns a few nodes.
/// Waits are bounded polls of the nodes' answers (`bloom … --json` through the control socket), never sleeps.
@Suite(.serialized)
struct EndToEndTests {
    /// The three services by full name.
    static let services = ["bloom-net", "bloom-gossip", "bloom-sync"]

    @Test func handshake_betweenTwoNodes_completesOnBothSides() async throws {
        let net = try E2ENetwork(count: 2, edges: [(0, 1)])
        defer { net.shutdown() }
        try await net.start()
        try await eventually("n0 sees n1 as an outbound peer", log: net[0]) {
            net[0].peers().contains {
                $0["direction"]?.stringValue == "out"
                    && ($0["address"]?.stringValue ?? "").hasPrefix(net[1].address + ":")
            }
        }
        try await eventually("n1 sees n0 as an inbound peer", log: net[1]) {
            net[1].peers().contains {
                $0["direction"]?.stringValue == "in"
                    && ($0["address"]?.stringValue ?? "").hasPrefix(net[0].address + ":")
            }
        }
    }

    @Test func blockMinedOnOneNode_isStoredByEveryNode() async throws {
        // A line n0 ← n1 ← n2: n2 hears of n0's blocks only through n1.
        let net = try E2ENetwork(count: 3, miners: 1, edges: [(1, 0), (2, 1)])
        defer { net.shutdown() }
        try await net.start()
        var mined: String?
        try await eventually("n0 mines block 2", log: net[0]) {
            mined = net[0].hash(atHeight: 2)
            return mined != nil
        }
        let hash = try #require(mined)
        for node in net.nodes {
            try await eventually("n\(node.index) stores block \(hash.prefix(16))", log: node) { node.stores(hash) }
        }
    }

    @Test func transactionSubmittedOnOneNode_reachesEveryMempool_andIsMined() async throws {
        let net = try E2ENetwork(count: 3, miners: 1, edges: [(1, 0), (2, 1)])
        defer { net.shutdown() }
        try await net.start()
        try await eventually("every node has block 1") { net.nodes.allSatisfy { $0.hash(atHeight: 1) != nil } }
        // Spend the coinbase of block 1 (it pays n0's reward address; signatures are not verified in v1).
        let hex = try #require(net[0].ask("block", .object(["id": .string("1")]))?["hex"]?.stringValue)
        let block = try Block(decoding: try #require([UInt8](hex: hex)))
        let coinbase = try #require(block.transactions.first)
        let value = try #require(coinbase.outputs.first).amount
        let spend = Transaction(
            inputs: [TxInput(prevTx: coinbase.txid, outputIndex: 0)],
            outputs: [TxOutput(amount: value / 2, address: Hash256(bytes: [UInt8](repeating: 0x42, count: 32))!)]
        )
        let submitted = try net[2].cli(["tx", "submit", spend.serialized().hexString, "--json"])
        #expect(submitted.code == 0, "bloom tx submit on n2: \(submitted.output)")
        let txid = spend.txid.hex
        // Each node either still holds it in its mempool or already has it in a stored block.
        var minedIn: String?
        try await eventually("a block on n0 contains \(txid.prefix(16))", timeout: 90, log: net[0]) {
            guard let height = net[0].chain()?.height, height >= 2 else { return false }
            for h in stride(from: height, through: 2, by: -1) {
                guard let answer = net[0].ask("block", .object(["id": .string(String(h))])),
                    let bytes = answer["hex"]?.stringValue.flatMap({ [UInt8](hex: $0) }),
                    let candidate = try? Block(decoding: bytes)
                else { continue }
                if candidate.txids.contains(spend.txid) {
                    minedIn = candidate.hash.hex
                    return true
                }
            }
            return false
        }
        let blockHash = try #require(minedIn)
        for node in net.nodes {
            try await eventually("n\(node.index) stores the block holding the transaction", log: node) {
                node.stores(blockHash)
            }
            let mempool = node.ask("mempool")?["txids"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(!mempool.contains(txid), "n\(node.index) still holds a mined transaction in its mempool")
        }
    }

    @Test func phaseGossip_reachesPeers_eachCoherenceViewListsTheOthers() async throws {
        let net = try E2ENetwork(count: 3, edges: [(0, 1), (1, 2), (2, 0)])
        defer { net.shutdown() }
        try await net.start()
        for node in net.nodes {
            let others = Set(net.nodes.filter { $0 !== node }.map(\.address))
            try await eventually("n\(node.index)'s coherence view lists the others with recent states", log: node) {
                let peers = node.ask("coherence")?["peers"]?.arrayValue ?? []
                let recent = peers.filter { ($0["age_s"]?.numberValue ?? .infinity) < 10 }
                let hosts = Set(recent.compactMap { $0["address"]?.stringValue?.split(separator: ":").first.map(String.init) })
                return hosts.isSuperset(of: others)
            }
        }
    }

    @Test func nodeJoiningLate_catchesUpWithTheNetwork() async throws {
        let net = try E2ENetwork(count: 2, miners: 1, edges: [(1, 0)])
        defer { net.shutdown() }
        try await net.start()
        try await eventually("n0 reaches height 5", log: net[0]) { (net[0].chain()?.height ?? 0) >= 5 }
        let late = try net.add(connect: [1])
        try await net.start([late.index])
        let target = try #require(net[0].chain()).height
        let expected = try #require(net[0].hash(atHeight: target))
        #expect(late.ask("chain")?["syncing"] != nil, "the chain answer reports the download state")
        try await eventually("the late node has n0's block at height \(target)", log: late) {
            late.hash(atHeight: target) == expected
        }
    }

    @Test func bloomAnnouncement_triggersTheBlockDownload() async throws {
        // n0 mines alone; n1 knows nobody. A scripted peer announces n0's block 1 to n1 with BLOOM only (its
        // VERSION claims height 0) and serves whatever n1 then asks for.
        let net = try E2ENetwork(count: 2, miners: 1)
        defer { net.shutdown() }
        try await net.start()
        try await eventually("n0 mines block 1", log: net[0]) { net[0].hash(atHeight: 1) != nil }
        let hex = try #require(net[0].ask("block", .object(["id": .string("1")]))?["hex"]?.stringValue)
        let bytes = try #require([UInt8](hex: hex))
        let block = try Block(decoding: bytes)
        let peer = try await rawPeer(from: "127.0.0.67", to: net[1])
        try peer.handshake(height: 0)
        #expect(peer.send(.bloom(block.certificate.encoded())))
        let hash = block.hash
        try await eventually("n1 downloads and stores the announced block", log: net[1]) {
            guard let frames = try peer.receive() else { throw E2EError("n1 closed the scripted peer") }
            for frame in frames {
                switch try PeerMessage(type: frame.type, payload: frame.payload) {
                case .getHeaders(let range) where range.startHeight <= 1 && range.startHeight + range.count > 1:
                    peer.send(.headers([Array(bytes.prefix(PeerMessage.headerSize))]))
                case .getHeaders:
                    peer.send(.headers([]))
                case .getBlocks:
                    peer.send(.blocks([hash]))
                case .getBlockData(let hashes) where hashes.contains(hash):
                    peer.send(.block(bytes))
                case .getData(.hash(hash)), .getData(.height(1)):
                    peer.send(.block(bytes))
                default:
                    break
                }
            }
            return net[1].stores(hash.hex)
        }
    }

    @Test func killedPeer_andTCPClosedMidFrame_areHandled_andReconnectionWorks() async throws {
        let net = try E2ENetwork(count: 2, edges: [(1, 0)])
        defer { net.shutdown() }
        try await net.start()
        try await eventually("connected", log: net[0]) { net[0].peers().count == 1 && net[1].peers().count == 1 }
        _ = net[1].services()  // remember its pids for the kill
        net[1].kill()
        try await eventually("n0 drops the killed peer", log: net[0]) { net[0].peers().isEmpty }
        // A peer that closes in the middle of a frame: half a PHASE frame, then close.
        do {
            let peer = try await rawPeer(from: "127.0.0.68", to: net[0])
            try peer.handshake()
            let frame = try FrameEncoder().frame(.phase(PhaseMessage(encoding: [0.1, 0.2, 0.3], r: 0.5, psi: 0.1)))
            peer.send(Array(frame.prefix(frame.count / 2)))
        }
        try await eventually("n0 drops the half-frame peer and still answers", log: net[0]) {
            net[0].isReady() && net[0].peers().isEmpty
        }
        try net[1].start()
        try await eventually("n1 back and reconnected", timeout: 120, log: net[1]) {
            net[1].isReady() && net[0].peers().count == 1 && net[1].peers().count == 1
        }
    }

    @Test func floodOfPhaseAndGetdata_fromOneAddress_isBanned_whileTheNetworkKeepsWorking() async throws {
        let net = try E2ENetwork(count: 2, miners: 1, edges: [(1, 0)])
        defer { net.shutdown() }
        try await net.start()
        let attacker = "127.0.0.66"
        let peer = try await rawPeer(from: attacker, to: net[1])
        try peer.handshake()
        let phase = PeerMessage.phase(PhaseMessage(encoding: (0..<63).map { Double($0) * 0.1 }, r: 0.5, psi: 0.1))
        let getData = PeerMessage.getData(.height(0))
        var sent = 0
        while sent < 20_000, peer.send(sent % 2 == 0 ? phase : getData) { sent += 1 }
        try await eventually("n1 closes the flooding connection", log: net[1]) { peer.isClosed() }
        let bans = "\(net[1].dataDirectory)/bans.json"
        try await eventually("n1 records a ban of \(attacker)", log: net[1]) {
            ((try? String(contentsOfFile: bans, encoding: .utf8)) ?? "").contains(attacker)
        }
        // The banned address cannot come back; the honest peer keeps delivering blocks.
        let again = try? RawPeer(from: attacker, to: net[1].address, port: net[1].port)
        #expect((try? again?.handshake()) == nil, "a banned address completes no handshake")
        let height = try #require(net[0].chain()).height
        try await eventually("n1 still receives n0's blocks", log: net[1]) {
            guard let theirs = net[0].hash(atHeight: height + 2) else { return false }
            return net[1].hash(atHeight: height + 2) == theirs
        }
        #expect(net[1].peers().count == 1)
    }
}
