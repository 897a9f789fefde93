/// The protocol's constants (spec §1).
///
/// Floats are defined by their f64 bit patterns, as the spec asks, so no decimal rounding can creep in; the
/// reference expression that produced each one is beside it.
public enum BloomConstants {
    /// (1 + sqrt(5)) / 2
    public static let phi = Double(bitPattern: 0x3ff9_e377_9b97_f4a8)
    /// PHI − 1
    public static let tau = Double(bitPattern: 0x3fe3_c6ef_372f_e950)
    /// PHI + 1
    public static let phiSquared = Double(bitPattern: 0x4004_f1bb_cdcb_fa54)
    /// TAU ** 2
    public static let phiInverseSquared = Double(bitPattern: 0x3fd8_7221_91a0_2d62)
    /// PHI_SQ ** 2
    public static let phiQuad = Double(bitPattern: 0x401b_6a99_b4b1_f77e)
    /// PHI ** −4
    public static let gap = Double(bitPattern: 0x3fc2_acc9_69c1_1045)
    /// 1 − GAP
    public static let kSquared = Double(bitPattern: 0x3feb_54cd_a58f_bbef)
    /// sqrt(K_SQUARED): the base coupling.
    public static let k = Double(bitPattern: 0x3fed_92da_5397_ed20)
    /// sqrt(3) / 2: the coherence threshold a bloom must hold.
    public static let zC = Double(bitPattern: 0x3feb_b67a_e858_4caa)
    /// Z_C as it travels on the wire (f32, bytes `d7b35d3f`): slightly *below* the f64 `zC`.
    public static let zCWire = Float(bitPattern: 0x3f5d_b3d7)
    /// 1 / (1 − Z_C) ** 2
    public static let sigma = Double(bitPattern: 0x404b_db3d_742c_264f)
    /// PHI_INV_SQ
    public static let lambda = Double(bitPattern: 0x3fd8_7221_91a0_2d62)
    /// numpy's `2*np.pi`.
    public static let twoPi = Double(bitPattern: 0x4019_21fb_5444_2d18)

    // The reference's "z-level" constants: no rule reads them; they are here so the constant table can be
    // checked bit for bit against the reference.
    public static let zParadox = Double(bitPattern: 0x3fe3_3333_3333_3333)
    public static let zActivation = kSquared
    public static let zLens = zC
    public static let zIgnition = Double(bitPattern: 0x3fed_413c_ccfe_779a)
    public static let zKForm = k
    public static let zConsolidation = Double(bitPattern: 0x3fee_801c_2526_d66d)
    public static let zResonance = Double(bitPattern: 0x3fef_12be_2e71_16b4)
    public static let zUnity = 1.0

    /// Lucas L₄: bloom length in rounds, least oscillator count, genesis nonce.
    public static let l4 = 7
    public static let blockTimeTarget = 420
    public static let minCoherenceRounds = 7
    public static let difficultyInterval = 123
    public static let halvingInterval = 15127
    /// int(PHI_QUAD × 10^8) base units.
    public static let initialReward: UInt64 = 685_410_196
    public static let defaultOscillatorCount = 63
    public static let gossipIntervalMs = 618
    /// 2^20: the largest payload of an escape frame (spec §2.5 item 3).
    public static let maxMessageSize = 1_048_576
    public static let defaultPort = 7618
    /// Seed document: per peer.
    public static let maxPhaseMessagesPerMinute = 60
    /// Seed document: per peer (GETBLOCKS and unsolicited GETDATA).
    public static let maxBlockRequestsPerMinute = 10
    /// 21 000 000 × 10^8: the cap on any output and, in this node, on a transaction's output sum.
    public static let maxSupply: UInt64 = 2_100_000_000_000_000
    /// MAX_MESSAGE_SIZE − 7, so that the largest block fits one escape frame (spec §5 step 0).
    public static let maxBlockSize = 1_048_569
    /// Bound on N in headers and certificates (spec §5 step 5).
    public static let maxOscillatorCount = 10_000
    /// A block's timestamp may be at most this far ahead of the local clock (spec §5 step 7).
    public static let maxFutureDriftSeconds: UInt32 = 7200

    /// Genesis header parameters (spec §4.8).
    public static let genesisVersion: UInt32 = 1
    public static let genesisTimestamp: UInt32 = 1_700_000_000
    public static let genesisDifficulty: UInt32 = 0x1d00_ffff
    public static let genesisNonce: UInt32 = 7
}
