import BloomCore
import BloomTestSupport
import Testing

/// Bloom detection on synthetic r sequences (spec §6.4).
@Suite(.dedicatedThread) struct KuramotoBloomDetectorTests {
    static let high = 0.9
    static let low = 0.5

    /// Feeds `rs` as rounds 0, 1, …; returns the round and window of every bloom.
    static func blooms(_ rs: [Double], rule: BloomThresholdRule = .reference) -> [(Int, BloomWindow)] {
        var detector = BloomDetector(rule: rule)
        var found: [(Int, BloomWindow)] = []
        for (round, r) in rs.enumerated() {
            if let window = detector.observe(round: round, r: r, psi: Double(round) / 10) {
                found.append((round, window))
            }
        }
        return found
    }

    @Test func sevenCoherentRounds_sealOnTheSeventh() throws {
        let rs = [Self.low, Self.low] + [Double](repeating: Self.high, count: 7) + [Self.low]
        let found = Self.blooms(rs)
        let (round, window) = try #require(found.first)
        #expect(found.count == 1)
        #expect(round == 8)
        #expect(window.bloomStart == 2 && window.bloomEnd == 8)
        #expect(window.rValues == [Double](repeating: Self.high, count: 7))
        #expect(window.psiValues == (2...8).map { Double($0) / 10 })
    }

    @Test func sixCoherentRounds_thenADip_doNotSeal() {
        let rs = [Double](repeating: Self.high, count: 6) + [Self.low] + [Double](repeating: Self.high, count: 6)
        #expect(Self.blooms(rs).isEmpty)
    }

    @Test func dipResetsTheStart() throws {
        let rs = [Double](repeating: Self.high, count: 3) + [Self.low] + [Double](repeating: Self.high, count: 7)
        let (_, window) = try #require(Self.blooms(rs).first)
        #expect(window.bloomStart == 4 && window.bloomEnd == 10)
    }

    @Test func afterASeal_aFreshBloomNeedsSevenNewRounds() {
        let found = Self.blooms([Double](repeating: Self.high, count: 20))
        #expect(found.map { $0.0 } == [6, 13])
        #expect(found.map { $0.1.bloomStart } == [0, 7])
    }

    @Test func rExactlyZC_isCoherentForTheReferenceRule() {
        #expect(Self.blooms([Double](repeating: BloomConstants.zC, count: 7), rule: .reference).count == 1)
    }

    @Test func rJustAboveZC_roundingDownOnTheWire_isIncoherentForTheWireSafeRule() {
        // Z_C and the next f64 both round to f32 d7b35d3f, below the f64 Z_C: a header with it would be rejected.
        for r in [BloomConstants.zC, BloomConstants.zC.nextUp] {
            #expect(Float(r) == BloomConstants.zCWire)
            #expect(BloomThresholdRule.reference.isCoherent(r))
            #expect(!BloomThresholdRule.wireSafe.isCoherent(r))
            #expect(Self.blooms([Double](repeating: r, count: 7), rule: .wireSafe).isEmpty)
        }
    }

    @Test func rWhoseF32IsAboveZC_isCoherentForBothRules() {
        let r = Double(BloomConstants.zCWire.nextUp)
        #expect(BloomThresholdRule.reference.isCoherent(r))
        #expect(BloomThresholdRule.wireSafe.isCoherent(r))
        #expect(Self.blooms([Double](repeating: r, count: 7), rule: .wireSafe).count == 1)
    }

    @Test func nanR_isNeverCoherent() {
        #expect(!BloomThresholdRule.reference.isCoherent(.nan))
        #expect(!BloomThresholdRule.wireSafe.isCoherent(.nan))
    }
}
