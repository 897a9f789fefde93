import BloomChain
import BloomCore
import BloomTestSupport
import Testing

/// Spec §5 fork choice: greatest height wins, a tie keeps the first seen, a longer side branch reorganizes.
@Suite(.dedicatedThread) struct ReorganizationTests {
    /// Genesis → b1 (coinbase to Alice), then
    ///   main: m2 (T1: b1's coinbase → Bob), m3 (T2: T1's output → Carol), m4;
    ///   side: s2 (T1 again), s3, s4, s5 (the trigger).
    struct Scenario {
        let b1: Block
        let t1: Transaction
        let t2: Transaction
        let main: [Block]
        let side: [Block]

        init() {
            b1 = Fixture.child(of: Fixture.genesis, height: 1)
            let reward = Fixture.reward(1)
            t1 = Fixture.pay(Fixture.coinbaseOutput(of: b1), amount: reward, to: Fixture.bob)
            t2 = Fixture.pay(OutPoint(txid: t1.txid, index: 0), amount: reward - 10, to: Fixture.carol)
            let m2 = Fixture.child(of: b1, height: 2, transfers: [t1])
            let m3 = Fixture.child(of: m2, height: 3, transfers: [t2])
            let m4 = Fixture.child(of: m3, height: 4)
            main = [m2, m3, m4]
            let s2 = Fixture.child(of: b1, height: 2, reward: Fixture.carol, transfers: [t1])
            side = [s2] + Fixture.chain(on: s2, parentHeight: 2, count: 3, reward: Fixture.carol)
        }
    }

    @Test func submit_whenASideBranchTiesTheMainChain_keepsTheFirstSeen() throws {
        let engine = try Fixture.engine()
        let first = Fixture.child(of: Fixture.genesis, height: 1)
        let second = Fixture.child(of: Fixture.genesis, height: 1, reward: Fixture.bob)
        #expect(try engine.submit(first).verdict == .accept)
        let verdict = try engine.submit(second)
        #expect(verdict.verdict == .acceptSideBranch && verdict.reason == .validNoReorg)
        #expect(engine.tip.hash == first.hash)
        #expect(try engine.contains(second.hash))
    }

    @Test func submit_whenASideBranchGrowsLonger_reorganizesDepth3AndRebuildsTheUTXOSet() throws {
        let scenario = Scenario()
        let engine = try Fixture.engine()
        try engine.submit(scenario.b1)
        for block in scenario.main { #expect(try engine.submit(block).verdict == .accept) }
        for block in scenario.side.dropLast() { #expect(try engine.submit(block).verdict == .acceptSideBranch) }
        #expect(engine.tip.hash == scenario.main[2].hash)

        let trigger = try #require(scenario.side.last)
        let verdict = try engine.submit(trigger)
        #expect(verdict.verdict == .acceptReorg && verdict.reason == .newTip)
        #expect(verdict.effects.disconnected == scenario.main.reversed().map(\.hash))
        #expect(verdict.effects.connected == scenario.side.map(\.hash))
        #expect(engine.tip == ChainTip(hash: trigger.hash, height: 5))

        // The same blocks fed to a fresh engine with no detour must give the same chain, UTXO set included.
        let direct = try Fixture.engine()
        for block in [scenario.b1] + scenario.side { #expect(try direct.submit(block).verdict == .accept) }
        #expect(try engine.snapshot() == direct.snapshot())
        #expect(try engine.utxo(OutPoint(txid: scenario.t2.txid, index: 0)) == nil)
        #expect(try engine.utxo(OutPoint(txid: scenario.t1.txid, index: 0))?.address == Fixture.bob)
    }

    @Test func submit_whenTheOldBranchOvertakesAgain_reorganizesBackToTheOriginalState() throws {
        let scenario = Scenario()
        let engine = try Fixture.engine()
        for block in [scenario.b1] + scenario.main + scenario.side { try engine.submit(block) }
        #expect(engine.tip.hash == scenario.side.last?.hash)

        let m5 = Fixture.child(of: scenario.main[2], height: 5)
        let m6 = Fixture.child(of: m5, height: 6)
        #expect(try engine.submit(m5).verdict == .acceptSideBranch)
        let verdict = try engine.submit(m6)
        #expect(verdict.verdict == .acceptReorg)
        #expect(verdict.effects.disconnected.count == 4)

        let direct = try Fixture.engine()
        for block in [scenario.b1] + scenario.main + [m5, m6] { try direct.submit(block) }
        #expect(try engine.snapshot() == direct.snapshot())
    }

    @Test func submit_onReorganization_returnsTheTransactionsTheNewChainLacks() throws {
        let scenario = Scenario()
        let engine = try Fixture.engine()
        for block in [scenario.b1] + scenario.main + scenario.side.dropLast() { try engine.submit(block) }
        let verdict = try engine.submit(try #require(scenario.side.last))
        // T1 is confirmed again in s2; T2 is not in the new chain and goes back to the mempool. Coinbases never do.
        #expect(verdict.effects.returnedTransactions == [scenario.t2])
    }

    @Test func submit_whenTheReorganizationFails_restoresTheOldChainAndInvalidatesTheFailedBlockAndItsDescendants()
        throws
    {
        let engine = try Fixture.engine()
        let b1 = Fixture.child(of: Fixture.genesis, height: 1)
        let main = Fixture.chain(on: b1, parentHeight: 1, count: 3)  // heights 2…4
        let s2 = Fixture.child(of: b1, height: 2, reward: Fixture.bob)
        let missing = OutPoint(txid: Fixture.address(0xee), index: 7)
        let spendsNothing = Fixture.pay(missing, amount: 1, to: Fixture.bob)
        let s3 = Fixture.child(of: s2, height: 3, reward: Fixture.bob, transfers: [spendsNothing])
        let s4a = Fixture.child(of: s3, height: 4, reward: Fixture.bob)
        let s4b = Fixture.child(of: s3, height: 4, reward: Fixture.carol)
        let s5 = Fixture.child(of: s4a, height: 5, reward: Fixture.bob)

        for block in [b1] + main { try engine.submit(block) }
        for block in [s2, s3, s4a, s4b] {
            // Side blocks are checked for steps 0–7 only: s3's missing input is not seen yet.
            #expect(try engine.submit(block).verdict == .acceptSideBranch)
        }
        let before = try engine.snapshot()

        let verdict = try engine.submit(s5)
        #expect(verdict.verdict == .reject && verdict.reason == .missingUTXO)
        #expect(try engine.snapshot() == before)
        #expect(verdict.effects == ChainEffects())

        for block in [s3, s4a, s4b, s5] {
            #expect(try !engine.contains(block.hash))
            #expect(try engine.invalidReason(block.hash) == .missingUTXO)
            let again = try engine.submit(block)
            #expect(again.verdict == .reject && again.reason == .missingUTXO)
        }
        #expect(try engine.contains(s2.hash))
        #expect(try engine.invalidReason(s2.hash) == nil)
        #expect(try engine.submit(s2).verdict == .ignore)
    }

    @Test func submit_whenTheTriggerItselfFailsStep8_keepsTheTipAndRemembersOnlyTheTrigger() throws {
        let engine = try Fixture.engine()
        let b1 = Fixture.child(of: Fixture.genesis, height: 1)
        let m2 = Fixture.child(of: b1, height: 2)
        let s2 = Fixture.child(of: b1, height: 2, reward: Fixture.bob)
        // Spends m2's coinbase, which the rollback to b1 removes.
        let s3 = Fixture.child(
            of: s2,
            height: 3,
            reward: Fixture.bob,
            transfers: [Fixture.pay(Fixture.coinbaseOutput(of: m2), amount: 1, to: Fixture.bob)]
        )
        for block in [b1, m2, s2] { try engine.submit(block) }
        let before = try engine.snapshot()
        let verdict = try engine.submit(s3)
        #expect(verdict.verdict == .reject && verdict.reason == .missingUTXO)
        #expect(try engine.snapshot() == before)
        #expect(try engine.invalidReason(s3.hash) == .missingUTXO)
        #expect(try engine.contains(s2.hash))
    }
}
