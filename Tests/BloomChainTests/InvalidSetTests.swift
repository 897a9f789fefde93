import BloomChain
import BloomCore
import BloomTestSupport
import Testing

/// Spec §5.1: only header-level failures (and failed reorganizations) are remembered against a hash.
@Suite(.dedicatedThread) struct InvalidSetTests {
    @Test func submit_whenACorruptCopyArrivesFirst_doesNotPoisonTheHash() throws {
        let engine = try Fixture.engine()
        let good = Fixture.child(of: Fixture.genesis, height: 1)
        var corrupt = good
        corrupt.certificate.finalPhases[3] = .nan

        let rejected = try engine.submit(corrupt)
        #expect(rejected.verdict == .reject && rejected.reason == .certNaN)
        #expect(rejected.hash == good.hash)
        #expect(try engine.invalidReason(good.hash) == nil)

        let accepted = try engine.submit(good)
        #expect(accepted.verdict == .accept && accepted.reason == .valid)
    }

    @Test func submit_whenACorruptCopyArrivesAfterTheGoodBlock_ignoresIt() throws {
        let engine = try Fixture.engine()
        let good = Fixture.child(of: Fixture.genesis, height: 1)
        var corrupt = good
        corrupt.certificate.rValues[2] = 0.1
        try engine.submit(good)
        let verdict = try engine.submit(corrupt)
        #expect(verdict.verdict == .ignore && verdict.reason == .alreadyKnown)
        #expect(try engine.blockBytes(good.hash) == good.serialized())
    }

    @Test func submit_whenTheHeaderFailsAgainstItsParent_remembersTheReasonForEveryVersion() throws {
        let engine = try Fixture.engine()
        let b1 = Fixture.child(of: Fixture.genesis, height: 1)
        try engine.submit(b1)
        var stale = Fixture.child(of: b1, height: 2)
        stale.header.timestamp = b1.header.timestamp
        #expect(try engine.submit(stale).reason == .timestampNotAfterParent)
        #expect(try engine.invalidReason(stale.hash) == .timestampNotAfterParent)

        // Another byte version with the same header (its certificate is also broken) gets the remembered reason.
        var otherVersion = stale
        otherVersion.certificate.rValues[0] = 0.2
        let verdict = try engine.submit(otherVersion)
        #expect(verdict.verdict == .reject && verdict.reason == .timestampNotAfterParent)
    }

    @Test func submit_whenTheHeaderItselfIsInvalid_remembersIt_butNotACertificateFailureWithTheSameCode() throws {
        let engine = try Fixture.engine()
        var badMeanPhase = Fixture.child(of: Fixture.genesis, height: 1)
        badMeanPhase.header.meanPhase = .infinity
        #expect(try engine.submit(badMeanPhase).reason == .certNaN)
        #expect(try engine.invalidReason(badMeanPhase.hash) == .certNaN)

        var badCertificate = Fixture.child(of: Fixture.genesis, height: 1, nonce: 1)
        badCertificate.certificate.psiValues[1] = .nan
        #expect(try engine.submit(badCertificate).reason == .certNaN)
        #expect(try engine.invalidReason(badCertificate.hash) == nil)
    }

    @Test func submit_whenTheBitsChange_remembersBadDifficulty() throws {
        let engine = try Fixture.engine()
        var block = Fixture.child(of: Fixture.genesis, height: 1)
        block.header.difficulty ^= 1
        #expect(try engine.submit(block).reason == .badDifficulty)
        #expect(try engine.invalidReason(block.hash) == .badDifficulty)
    }

    @Test func submit_whenTheTimestampIsTooFarAhead_forgetsIt_soTheBlockIsAcceptedLater() throws {
        let engine = try Fixture.engine()
        let block = Fixture.child(of: Fixture.genesis, height: 1)
        let early = block.header.timestamp - BloomConstants.maxFutureDriftSeconds - 1
        let rejected = try engine.submit(block.serialized(), now: early)
        #expect(rejected.verdict == .reject && rejected.reason == .timestampTooFarFuture)
        #expect(try engine.invalidReason(block.hash) == nil)
        #expect(try engine.submit(block.serialized(), now: early + 1).verdict == .accept)
    }

    @Test func submit_whenATransactionCheckFailsOnTheTip_remembersNothing() throws {
        let engine = try Fixture.engine()
        var greedy = Fixture.child(of: Fixture.genesis, height: 1)
        greedy.transactions[0].outputs[0].amount += 1
        greedy.header.merkleRoot = MerkleTree.root(greedy.txids)
        let verdict = try engine.submit(greedy)
        #expect(verdict.verdict == .reject && verdict.reason == .coinbaseTooLarge)
        #expect(try engine.invalidReason(greedy.hash) == nil)
        #expect(engine.tip.height == 0)
    }
}
