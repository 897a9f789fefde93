import BloomCore
import BloomGossip
import BloomWire
import Foundation

/// Shared test values: peers, hashes, payload builders and a certificate mined with the quick profile.
enum Fixtures {
    static let alice = GossipPeer(0x0100_0001_0000_0001)
    static let bob = GossipPeer(0x0100_0001_0000_0002)
    static let carol = GossipPeer(0x0200_0002_0000_0003)

    static func hash(_ byte: UInt8) -> Hash256 {
        [UInt8](repeating: byte, count: 32).withUnsafeBytes { Hash256($0) }
    }

    /// An honest PHASE of `phases`: r and ψ computed from the f32-rounded phases.
    static func honestPhase(_ phases: [Double]) -> [UInt8] {
        let (r, psi) = OrderParameter.compute(phases.map { Double(Float($0)) })
        return PhaseMessage(encoding: phases, r: r, psi: psi).encoded()
    }

    /// A PHASE claiming `r` whatever its phases say.
    static func phase(_ phases: [Double], claiming r: Double) -> [UInt8] {
        PhaseMessage(encoding: phases, r: r, psi: 1).encoded()
    }

    static func coherence(r: Float, psi: Float) -> [UInt8] {
        var writer = ByteWriter(capacity: 8)
        writer.f32(r)
        writer.f32(psi)
        return writer.bytes
    }

    /// N phases spread over the circle (r ≈ 0).
    static func spread(_ n: Int) -> [Double] {
        (0..<n).map { Double($0) * BloomConstants.twoPi / Double(n) }
    }

    /// N phases bunched around `center` (r close to 1).
    static func bunched(_ n: Int, center: Double = 1.0, width: Double = 0.1) -> [Double] {
        (0..<n).map { center + width * (Double($0) / Double(max(1, n - 1)) - 0.5) }
    }

    /// Quick-profile mining settings, sealing at once (no minimum interval).
    static func miningConfiguration(minBlockInterval: Double = 0) -> MiningConfiguration {
        MiningConfiguration(miner: .quick, mine: true, minBlockInterval: minBlockInterval)
    }

    /// Runs a quick-profile miner on a tip until it seals.
    static func mineOneSeal(tip: TipUpdate = TipUpdate(height: 5, hash: hash(0xaa))) throws -> SealedBlock {
        var controller = try MiningController(configuration: miningConfiguration())
        controller.tipChanged(tip)
        for round in 0..<100_000 {
            if case .sealed(let block) = controller.step(now: Double(round) * 0.001) { return block }
        }
        throw NoSeal()
    }

    struct NoSeal: Error {}

    /// A valid certificate's payload, mined once; a test that needs it fails with the mining error if mining failed.
    static func validCertificatePayload() throws -> [UInt8] {
        try minedCertificatePayload.get()
    }

    private static let minedCertificatePayload = Result { try mineOneSeal().certificate.encoded() }

    static func sends(_ actions: [GossipAction]) -> [(MessageType, [UInt8], OutboundTarget)] {
        actions.compactMap {
            if case .send(let type, let payload, let target) = $0 { return (type, payload, target) }
            return nil
        }
    }

    static func penalties(_ actions: [GossipAction]) -> [(GossipPeer, Int, String)] {
        actions.compactMap {
            if case .penalise(let peer, let points, let reason) = $0 { return (peer, points, reason) }
            return nil
        }
    }
}
