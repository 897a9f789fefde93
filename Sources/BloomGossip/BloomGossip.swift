/// # BloomGossip
///
/// The logic of `bloom-gossip`: the local Kuramoto ensemble and its miner, what peers report about theirs, when
/// to share our phases, BLOOM certificates, and how consistent each peer is. Every part is a state machine that
/// takes events (with the time passed in) and returns `GossipAction`s; the service performs them on the bus.
///
/// | part | type | spec |
/// | --- | --- | --- |
/// | sharing: eager / threshold / bloom, 1 s tick, ≤ 1 PHASE/peer/s | `PhaseSharing` | §7.4, §2.5 item 9 |
/// | peers' PHASE / COHERENCE, expiry, 60 PHASE a minute | `GossipEngine`, `PeerRecord` | §2.5 items 10, 13; §9 |
/// | network view | `NetworkView` (`merge_phase_states`) | §7.6 |
/// | BLOOM: dedupe (SHA-256), decode, verify, expect + relay | `GossipEngine.receive` | §2.5 item 8, §4.6 |
/// | mining: restart on a tip, one seal per tip, interval, incorporation | `MiningController` | §6, §7.5 |
/// | the ensemble on its own thread | `EnsembleThread` | §2.5 item 9 |
/// | the CLI's `coherence` answer | `CoherenceReport` | DESIGN.md |
///
/// ## Consistency score
///
/// Gossiped phases never affect block validity (spec §9), but a node that merges lies into its ensemble or keeps
/// liars as its only peers (an eclipse) is worse off. So each peer gets a score built like gossipsub v1.1's:
///
/// * **Evidence** is counted per peer in `ConsistencyCounters`, one counter per kind (`ConsistencyEvidence`):
///   - *consistent report*: a PHASE whose claimed r matches the r of the phases it carries (good);
///   - *inconsistent r*: the claimed r differs from the carried phases' r by more than 0.01 — f32 rounding only
///     moves it by ~1e-7 — or by more than 0.25 when the vector may be a §7.1 downsample (64…80 phases);
///   - *impossible jump*: r rose, between two reports of the peer, by more than 0.1 and faster than 1.7 per
///     second. An honest node reports at most every 618 ms (reference) or 1 s (this node) and r ∈ [0, 1], so no
///     honest pair of reports can rise that fast; a drop is never evidence (a restart on a new tip drops r);
///   - *contradicting bloom*: a valid BLOOM from a peer whose own report, less than 2 s earlier, put r more
///     than 0.3 below Z_C. Weak evidence (a fast miner can bloom between two reports, and a relay forwards
///     another miner's bloom), so it weighs little and is not squared;
///   - *invalid certificate*: a BLOOM that does not decode or fails `ConsensusCertificate.verify()`.
/// * **Decay**: every counter is multiplied by 0.98 per second (half-life ≈ 34 s) and dropped below 0.01, so
///   old evidence fades and a peer can recover.
/// * **Score** = 0.1 × min(consistent, 10) − (inconsistent² + jumps² + 0.5 × contradictions + 10 × invalid²).
///   0 is neutral, negative is bad; good behaviour is capped at +1 so it cannot bank credit for later lies,
///   and repeated bad evidence grows quadratically, as gossipsub penalises invalid messages.
/// * **Thresholds**: below −5 a peer is no longer *listened to* (its phases leave the network view and
///   cooperative mining); below −10 each new inconsistent r, impossible jump or invalid certificate costs it a
///   misbehaviour point via `p2p.ctl` (bloom-net bans at 10). Contradictions only lower the score. Scores are
///   published on `gossip.score` every 5 s so bloom-net can prefer consistent peers when it chooses whom to keep.
///
/// Protocol violations are penalised at once and independently of the score: a malformed PHASE/COHERENCE or a
/// PHASE over 60 a minute costs one point (spec §2.5 item 13), an invalid certificate five.
public enum BloomGossipModule {
    /// The service name on the bus and in logs.
    public static let serviceName = "bloom-gossip"
}
