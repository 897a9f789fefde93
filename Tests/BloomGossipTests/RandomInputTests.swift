import BloomCore
import BloomGossip
import BloomTestSupport
import BloomWire
import Testing

/// Random and mutated payloads through the engine's raw-bytes entry point: it must never trap, and whatever it
/// does must be one of its documented answers.
@Suite(.dedicatedThread) struct RandomInputTests {
    static func seeds() throws -> [[UInt8]] {
        [
            Fixtures.honestPhase(Fixtures.bunched(63)),
            Fixtures.coherence(r: 0.5, psi: 1),
            try Fixtures.validCertificatePayload(),
            [],
        ]
    }

    @Test func randomAndMutatedPayloads_neverTrap_andOnlyPenaliseOrActAsDocumented() throws {
        let seeds = try Self.seeds()
        var generator = SplitMix64(seed: 0x5EED)
        let types: [MessageType] = [.phase, .getPhase, .coherence, .bloom, .tx, MessageType(rawValue: 0x77)]
        var engine = GossipEngine(configuration: GossipConfiguration())
        for iteration in 0..<3000 {
            var payload = seeds[Int.random(in: 0..<seeds.count, using: &generator)]
            switch Int.random(in: 0..<4, using: &generator) {
            case 0:
                let count = Int.random(in: 0..<64, using: &generator)
                payload = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            case 1 where !payload.isEmpty:
                let index = Int.random(in: 0..<payload.count, using: &generator)
                payload[index] ^= UInt8.random(in: 1...255, using: &generator)
            case 2 where !payload.isEmpty:
                payload.removeLast(Int.random(in: 1...payload.count, using: &generator))
            default:
                payload += [UInt8.random(in: 0...255, using: &generator)]
            }
            let type = types[Int.random(in: 0..<types.count, using: &generator)]
            let peer = GossipPeer(UInt64.random(in: 1...5, using: &generator))
            let actions = engine.receive(type: type, payload: payload, from: peer, now: Double(iteration) * 0.05)
            for action in actions {
                switch action {
                case .penalise(let who, let points, _):
                    #expect(who == peer && points > 0)
                case .expect(let announcer, _):
                    #expect(type == .bloom && announcer == peer)
                case .send(let sentType, let sent, let target):
                    #expect(sentType == .bloom && type == .bloom && sent == payload && target == .allExcept(peer))
                default:
                    Issue.record("unexpected action \(action) for \(type)")
                }
            }
        }
        // The engine still works afterwards.
        let report = engine.coherenceReport(
            now: 200,
            status: EnsembleStatus(snapshot: EnsembleSnapshot(phases: Fixtures.spread(63)), mining: false,
                                   rounds: 0, attempts: 0, attemptsPerSecond: 0, roundsPerSecond: 0)
        )
        #expect(report.peers.count <= 5)
        #expect(report.network.r.isFinite)
    }
}
