import BloomCore
import BloomGossip
import BloomTestSupport
import BloomWire
import Testing

@Suite(.dedicatedThread) struct BloomHandlingTests {
    @Test func validNewBloom_expectsTheBlockFromTheAnnouncerAndRelaysToTheOthers() throws {
        let payload = try Fixtures.validCertificatePayload()
        #expect(try ConsensusCertificate(decoding: payload).verify() == nil)
        var engine = GossipEngine(configuration: GossipConfiguration())
        let actions = engine.receive(type: .bloom, payload: payload, from: Fixtures.alice, now: 1)
        let key = SeenCertificates.key(of: payload)
        #expect(actions == [
            .expect(announcer: Fixtures.alice, certificateHash: key),
            .send(type: .bloom, payload: payload, target: .allExcept(Fixtures.alice)),
        ])
        // The same BLOOM relayed back by another peer: already seen, nothing happens.
        #expect(engine.receive(type: .bloom, payload: payload, from: Fixtures.bob, now: 1.2).isEmpty)
    }

    @Test func certificateHash_isSha256OfThePayload() {
        // SHA-256("abc"), FIPS 180-2 example.
        let expected = Hash256(hex: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SeenCertificates.key(of: Array("abc".utf8)) == expected)
    }

    @Test(arguments: ["truncated", "threshold", "nan", "r_mismatch", "trailing"])
    func invalidBloom_isPenalisedAndNothingElse(kind: String) throws {
        let valid = try ConsensusCertificate(decoding: Fixtures.validCertificatePayload())
        var bad = valid
        var payload: [UInt8]
        switch kind {
        case "truncated": payload = Array(valid.encoded().dropLast(3))
        case "trailing": payload = valid.encoded() + [0]
        case "threshold":
            bad.threshold = 0.5
            payload = bad.encoded()
        case "nan":
            bad.psiValues[0] = .nan
            payload = bad.encoded()
        default:
            bad.rValues[bad.rValues.count - 1] = 1.0
            bad.finalPhases = Fixtures.spread(Int(bad.oscillatorCount)).map(Float.init)
            payload = bad.encoded()
        }
        var engine = GossipEngine(configuration: GossipConfiguration())
        let actions = engine.receive(type: .bloom, payload: payload, from: Fixtures.alice, now: 1)
        let penalties = Fixtures.penalties(actions)
        #expect(penalties.count == actions.count, "\(kind): penalties only")
        #expect(penalties.first?.0 == Fixtures.alice)
        #expect(penalties.first?.1 == engine.configuration.invalidCertificatePoints)
        #expect(penalties.first?.2.hasPrefix("bloom_") == true)
        #expect(engine.peers[Fixtures.alice]?.counters.count(.invalidCertificate) == 1)
        // Not recorded as seen: sending it again costs again.
        #expect(!Fixtures.penalties(engine.receive(type: .bloom, payload: payload, from: Fixtures.alice, now: 2))
            .isEmpty)
    }

    @Test func validBloom_fromAPeerThatJustReportedLowR_isContradictionEvidence() throws {
        var engine = GossipEngine(configuration: GossipConfiguration())
        _ = engine.receive(type: .coherence, payload: Fixtures.coherence(r: 0.1, psi: 0), from: Fixtures.alice,
                           now: 0)
        let certificate = try Fixtures.validCertificatePayload()
        let actions = engine.receive(type: .bloom, payload: certificate, from: Fixtures.alice, now: 0.5)
        #expect(actions.contains { if case .expect = $0 { true } else { false } })
        #expect(engine.peers[Fixtures.alice]?.counters.count(.contradictingBloom) == 1)
    }

    @Test func ownSeal_isPublished_andItsBloomBroadcastOnceItsBlockIsTheTip() throws {
        let tip = TipUpdate(height: 5, hash: Fixtures.hash(0xaa))
        let seal = try Fixtures.mineOneSeal(tip: tip)
        var engine = GossipEngine(configuration: GossipConfiguration())
        #expect(engine.sealed(seal) == [.sealed(seal)])
        // Someone else's block at another height first: nothing yet.
        #expect(engine.tipChanged(TipUpdate(height: 5, hash: Fixtures.hash(0xab))).isEmpty)
        #expect(engine.pendingSeal == seal)
        let ours = TipUpdate(
            height: 6,
            hash: Fixtures.hash(0xbb),
            prevHash: tip.hash,
            certificateHash: seal.certificate.digest
        )
        let payload = seal.certificate.encoded()
        #expect(engine.tipChanged(ours) == [.send(type: .bloom, payload: payload, target: .all)])
        #expect(engine.pendingSeal == nil)
        // Our own BLOOM echoed back by a peer is a duplicate.
        #expect(engine.receive(type: .bloom, payload: payload, from: Fixtures.bob, now: 3).isEmpty)
    }

    @Test func ownSeal_thatLostTheRace_isNeverAnnounced() throws {
        let tip = TipUpdate(height: 5, hash: Fixtures.hash(0xaa))
        let seal = try Fixtures.mineOneSeal(tip: tip)
        var engine = GossipEngine(configuration: GossipConfiguration())
        _ = engine.sealed(seal)
        let theirs = TipUpdate(height: 6, hash: Fixtures.hash(0xcc), prevHash: Fixtures.hash(0x01))
        #expect(engine.tipChanged(theirs).isEmpty)
        #expect(engine.pendingSeal == nil)
    }

    @Test func ownSeal_whenAnotherBlockOnTheSameParentBecomesTheTip_isNotAnnounced() throws {
        let tip = TipUpdate(height: 5, hash: Fixtures.hash(0xaa))
        let seal = try Fixtures.mineOneSeal(tip: tip)
        var engine = GossipEngine(configuration: GossipConfiguration())
        _ = engine.sealed(seal)
        // Same parent, same height: matching by height would have announced our BLOOM for their block.
        let rival = TipUpdate(
            height: 6,
            hash: Fixtures.hash(0xcd),
            prevHash: tip.hash,
            certificateHash: Fixtures.hash(0x77)
        )
        #expect(engine.tipChanged(rival).isEmpty)
        #expect(engine.pendingSeal == nil)
    }

    @Test func ownSeal_isRecognisedOnlyWithItsParent() throws {
        let tip = TipUpdate(height: 5, hash: Fixtures.hash(0xaa))
        let seal = try Fixtures.mineOneSeal(tip: tip)
        var engine = GossipEngine(configuration: GossipConfiguration())
        _ = engine.sealed(seal)
        // The seal's certificate on another parent (a reorganisation re-used it) is not the block we sealed.
        let elsewhere = TipUpdate(
            height: 6,
            hash: Fixtures.hash(0xce),
            prevHash: Fixtures.hash(0x02),
            certificateHash: seal.certificate.digest
        )
        #expect(engine.tipChanged(elsewhere).isEmpty)
    }

    @Test func newBlooms_beyondThePeersAllowance_areDroppedWithoutPenalty() throws {
        let limit = RateLimit(burst: 2, refillPerSecond: 0.5)
        var engine = GossipEngine(configuration: GossipConfiguration(bloomLimit: limit))
        let base = try ConsensusCertificate(decoding: Fixtures.validCertificatePayload())
        // Distinct valid certificates: psi values are never checked beyond finiteness.
        let payloads = (0..<4).map { index -> [UInt8] in
            var certificate = base
            certificate.psiValues[0] = Float(index)
            return certificate.encoded()
        }
        #expect(engine.receive(type: .bloom, payload: payloads[0], from: Fixtures.alice, now: 0).count == 2)
        #expect(engine.receive(type: .bloom, payload: payloads[1], from: Fixtures.alice, now: 0).count == 2)
        #expect(engine.receive(type: .bloom, payload: payloads[2], from: Fixtures.alice, now: 0).isEmpty)
        // Another peer has its own allowance; the first peer's refills with time.
        #expect(engine.receive(type: .bloom, payload: payloads[2], from: Fixtures.bob, now: 0).count == 2)
        #expect(engine.receive(type: .bloom, payload: payloads[3], from: Fixtures.alice, now: 2).count == 2)
    }

    @Test func contradictingBlooms_lowerTheScoreButAreNeverPenalised() throws {
        var engine = GossipEngine(configuration: GossipConfiguration())
        let base = try ConsensusCertificate(decoding: Fixtures.validCertificatePayload())
        var penalties = 0
        for index in 0..<20 {
            let now = Double(index) * 0.5
            _ = engine.receive(type: .coherence, payload: Fixtures.coherence(r: 0.1, psi: 0), from: Fixtures.alice,
                               now: now)
            var certificate = base
            certificate.psiValues[0] = Float(index)
            let actions = engine.receive(type: .bloom, payload: certificate.encoded(), from: Fixtures.alice, now: now)
            penalties += Fixtures.penalties(actions).count
        }
        #expect(penalties == 0)
        let score = try #require(engine.score(of: Fixtures.alice, now: 10))
        #expect(score < 0)
    }

    @Test func seenSet_forgetsTheOldestBeyondCapacity() {
        var seen = SeenCertificates(capacity: 2)
        seen.insert(Fixtures.hash(1))
        seen.insert(Fixtures.hash(2))
        let again = seen.insert(Fixtures.hash(2))
        #expect(!again)
        seen.insert(Fixtures.hash(3))
        #expect(!seen.contains(Fixtures.hash(1)))
        #expect(seen.contains(Fixtures.hash(2)) && seen.contains(Fixtures.hash(3)))
        #expect(seen.count == 2)
    }
}
