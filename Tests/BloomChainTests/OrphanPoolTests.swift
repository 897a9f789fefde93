import BloomChain
import BloomCore
import BloomTestSupport
import Testing

/// Spec §2.5 item 6: blocks with an unknown parent wait in a bounded pool and connect when the parent arrives.
@Suite(.dedicatedThread) struct OrphanPoolTests {
    @Test func submit_whenParentsArriveLast_connectsTheWaitingOrphansInOrder() throws {
        let engine = try Fixture.engine()
        let blocks = Fixture.chain(on: Fixture.genesis, parentHeight: 0, count: 3)

        for block in blocks.dropFirst().reversed() {
            let verdict = try engine.submit(block)
            #expect(verdict.verdict == .rejectOrOrphan && verdict.reason == .unknownParent)
            #expect(verdict.missingParent == block.header.prevHash)
        }
        #expect(engine.orphanCount == 2)
        #expect(engine.hasOrphan(blocks[2].hash) && !engine.hasOrphan(blocks[0].hash))
        #expect(engine.tip.height == 0)

        let verdict = try engine.submit(blocks[0])
        #expect(verdict.verdict == .accept)
        #expect(verdict.adoptedOrphans.map(\.hash) == [blocks[1].hash])
        #expect(verdict.adoptedOrphans.first?.verdict == .accept)
        #expect(verdict.adoptedOrphans.first?.adoptedOrphans.map(\.hash) == [blocks[2].hash])
        #expect(engine.tip == ChainTip(hash: blocks[2].hash, height: 3))
        #expect(engine.orphanCount == 0)
    }

    @Test func submit_whenMoreOrphansThanTheLimitArrive_keepsOnlyTheNewest100() throws {
        let engine = try Fixture.engine()
        let parent = Fixture.child(of: Fixture.genesis, height: 1)
        // 105 distinct siblings whose parent the engine has not seen.
        let orphans = (0..<105).map { Fixture.child(of: parent, height: 2, nonce: UInt32($0)) }
        for orphan in orphans {
            #expect(try engine.submit(orphan).verdict == .rejectOrOrphan)
        }
        #expect(engine.orphanCount == 100)

        let verdict = try engine.submit(parent)
        #expect(verdict.verdict == .accept)
        #expect(verdict.adoptedOrphans.map(\.hash) == orphans.suffix(100).map(\.hash))
        // The first adopted sibling extends the tip; the others tie with it and stay side blocks.
        #expect(verdict.adoptedOrphans.map(\.verdict) == [.accept] + Array(repeating: .acceptSideBranch, count: 99))
        #expect(engine.orphanCount == 0)
    }

    @Test func submit_whenTwoByteVersionsOfAnOrphanWait_validatesEachInFullWhenTheParentArrives() throws {
        let engine = try Fixture.engine()
        let parent = Fixture.child(of: Fixture.genesis, height: 1)
        let first = Fixture.child(of: parent, height: 2)
        // Same header (same hash), other final phases: the hash does not commit to the certificate (§5.1).
        var second = first
        second.certificate.finalPhases[0] += 0.01
        #expect(second.hash == first.hash && second.serialized() != first.serialized())

        #expect(try engine.submit(first).verdict == .rejectOrOrphan)
        #expect(try engine.submit(second).verdict == .rejectOrOrphan)
        #expect(engine.orphanCount == 2)

        let verdict = try engine.submit(parent)
        #expect(verdict.adoptedOrphans.map(\.verdict) == [.accept, .ignore])
        #expect(engine.tip.hash == first.hash)
        #expect(try engine.blockBytes(first.hash) == first.serialized())
    }

    @Test func submit_whenAnOrphanFailsItsStructure_neverEntersThePool() throws {
        let engine = try Fixture.engine()
        let parent = Fixture.child(of: Fixture.genesis, height: 1)
        var corrupt = Fixture.child(of: parent, height: 2)
        corrupt.certificate.rValues[0] = 0.5
        let verdict = try engine.submit(corrupt)
        // Steps 3–5 run before the parent lookup (step 6).
        #expect(verdict.verdict == .reject && verdict.reason == .certRBelowZC)
        #expect(engine.orphanCount == 0)
    }

    @Test func submit_whenTheSameOrphanBytesArriveTwice_holdsOneCopy() throws {
        let engine = try Fixture.engine()
        let parent = Fixture.child(of: Fixture.genesis, height: 1)
        let orphan = Fixture.child(of: parent, height: 2)
        try engine.submit(orphan)
        try engine.submit(orphan)
        #expect(engine.orphanCount == 1)
    }
}
