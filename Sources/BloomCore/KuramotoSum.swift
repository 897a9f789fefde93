/// How the Euler step evaluates the coupling sums Sᵢ = Σⱼ sin(θⱼ − θᵢ) (spec §6.4).
///
/// Both forms give the same dynamics up to rounding; only ``pairwiseExact`` reproduces the reference's f64
/// trajectory bit for bit (spec §6.5), so it is the form that replays `kuramoto.json`. Consensus never replays the
/// dynamics (spec §4.6, §6.1: a certificate is checked on its recorded r values and final phases), so a miner is
/// free to use the cheaper ``meanField`` form: its certificates are checked exactly as any other.
public enum KuramotoSum: Sendable, Hashable {
    /// The reference's sum: one `sin` per pair and numpy's pairwise row sums (spec §6.6). O(N²) per round
    /// (N(N−1)/2 `sin` calls: 1 953 at N = 63).
    case pairwiseExact
    /// The mean-field identity Σⱼ sin(θⱼ − θᵢ) = Im(e^{−iθᵢ} Σⱼ e^{iθⱼ}) = cos θᵢ · Σⱼ sin θⱼ − sin θᵢ · Σⱼ cos θⱼ.
    /// The two sums are the ones the round's order parameter already computes (spec §6.3), so a round costs N `cos`
    /// and N `sin` in all: O(N). Agrees with ``pairwiseExact`` to rounding (`KuramotoMeanFieldTests` holds every
    /// phase of every round within 1e-12 of it at N = 63).
    case meanField
}
