import BloomCore
import BloomTestSupport
import Testing

@Suite(.dedicatedThread) struct CertificateDecodingTests {
    static let certificate = BlockTestFixtures.certificate
    static let nOffset = 8, kOffset = 20

    static func decodeKind(_ bytes: [UInt8]) -> DecodeError.Kind? {
        do {
            _ = try ConsensusCertificate(decoding: bytes)
            return nil
        } catch {
            return error.kind
        }
    }

    @Test func encodeThenDecode_roundTrips() throws {
        let bytes = Self.certificate.encoded()
        #expect(bytes.count == 24 + 8 * Self.certificate.rValues.count + 4 * Self.certificate.finalPhases.count)
        #expect(try ConsensusCertificate(decoding: bytes) == Self.certificate)
    }

    @Test func decode_whenTruncatedAtEveryLength_throwsTruncated() {
        let bytes = Self.certificate.encoded()
        for length in 0..<bytes.count {
            #expect(Self.decodeKind(Array(bytes.prefix(length))) == .truncated, "prefix \(length)")
        }
    }

    @Test func decode_whenBytesFollowTheLastPhase_throwsTrailingBytes() {
        #expect(Self.decodeKind(Self.certificate.encoded() + [0]) == .trailingBytes)
    }

    @Test(arguments: [UInt32.max, 0x1000_0000, 64])
    func decode_whenOscillatorCountExceedsTheBytes_throwsTruncatedWithoutAllocating(_ n: UInt32) {
        var bytes = Self.certificate.encoded()
        bytes.setU32(n, at: Self.nOffset)
        #expect(Self.decodeKind(bytes) == .truncated)
    }

    @Test(arguments: [UInt32.max, 0x8000_0000, 8])
    func decode_whenKExceedsTheBytes_throwsTruncated(_ k: UInt32) {
        var bytes = Self.certificate.encoded()
        bytes.setU32(k, at: Self.kOffset)
        #expect(Self.decodeKind(bytes) == .truncated)
    }

    @Test func decode_whenKAndNDisagreeWithTheLength_failsEitherWay() {
        // k one lower: the phases then run 8 bytes short of the end.
        var shorterK = Self.certificate.encoded()
        shorterK.setU32(UInt32(Self.certificate.rValues.count - 1), at: Self.kOffset)
        #expect(Self.decodeKind(shorterK) == .trailingBytes)
        var shorterN = Self.certificate.encoded()
        shorterN.setU32(Self.certificate.oscillatorCount - 1, at: Self.nOffset)
        #expect(Self.decodeKind(shorterN) == .trailingBytes)
    }

    @Test func decode_whenNIsAboveTheMaximumButPresent_decodesAndVerifyRejects() throws {
        var certificate = Self.certificate
        certificate.oscillatorCount = UInt32(BloomConstants.maxOscillatorCount + 1)
        certificate.finalPhases = [Float](repeating: 0.05, count: BloomConstants.maxOscillatorCount + 1)
        let decoded = try ConsensusCertificate(decoding: certificate.encoded())
        #expect(decoded.finalPhases.count == BloomConstants.maxOscillatorCount + 1)
        #expect(decoded.verify() == .nAboveMax)
    }

    @Test func decode_keepsNaNAndInfinityForVerifyToJudge() throws {
        var certificate = Self.certificate
        certificate.rValues[2] = .nan
        certificate.psiValues[3] = .infinity
        certificate.finalPhases[4] = -.infinity
        let decoded = try ConsensusCertificate(decoding: certificate.encoded())
        #expect(decoded.rValues[2].isNaN && decoded.psiValues[3] == .infinity && decoded.finalPhases[4] == -.infinity)
    }
}

@Suite(.dedicatedThread) struct CertificateVerifyTests {
    static let valid = BlockTestFixtures.certificate

    static func verify(_ change: (inout ConsensusCertificate) -> Void) -> ReasonCode? {
        var certificate = valid
        change(&certificate)
        return certificate.verify()
    }

    @Test func verify_acceptsTheGenesisCertificate() {
        #expect(Self.valid.verify() == nil)
        #expect(abs(Self.valid.recomputedR - Double(Self.valid.rValues[6])) < 0.01)
    }

    @Test func verify_rejectsAThresholdOtherThanZCOrOtherRequiredRounds() {
        #expect(Self.verify { $0.threshold = 0.4 } == .certThresholdNotZC)
        #expect(Self.verify { $0.threshold = Float(BloomConstants.zC).nextUp } == .certThresholdNotZC)
        #expect(Self.verify { $0.threshold = .nan } == .certThresholdNotZC)
        #expect(Self.verify { $0.requiredRounds = 3 } == .certThresholdNotZC)
        // First in order: a lax threshold wins over a NaN elsewhere.
        #expect(Self.verify { $0.threshold = 0.4; $0.rValues[0] = .nan } == .certThresholdNotZC)
    }

    @Test func verify_rejectsNonFiniteValuesAnywhere() {
        #expect(Self.verify { $0.rValues[4] = .nan } == .certNaN)
        #expect(Self.verify { $0.psiValues[6] = .infinity } == .certNaN)
        #expect(Self.verify { $0.finalPhases[5] = .nan } == .certNaN)
        #expect(Self.verify { $0.finalPhases[0] = -.infinity } == .certNaN)
        // Before the duration check.
        #expect(Self.verify { $0.rValues[0] = .nan; $0.bloomEnd = 0 } == .certNaN)
    }

    @Test func verify_computesTheDurationInSignedArithmetic() {
        #expect(Self.verify { $0.bloomStart = 10; $0.bloomEnd = 15 } == .certDurationLtL4)
        #expect(Self.verify { $0.bloomStart = 10; $0.bloomEnd = 9 } == .certDurationLtL4)
        // A u32 subtraction would wrap to a huge duration here.
        #expect(Self.verify { $0.bloomStart = .max; $0.bloomEnd = 0 } == .certDurationLtL4)
        // Duration 2^32: far more rounds than r values.
        #expect(Self.verify { $0.bloomStart = 0; $0.bloomEnd = .max } == .certDurationLtL4)
        #expect(Self.verify { $0.bloomStart = 1000; $0.bloomEnd = 1006 } == nil)
    }

    @Test func verify_whenRCountDiffersFromDuration_shorterIsDurationLongerIsLengthMismatch() {
        #expect(Self.verify { $0.bloomEnd = 7 } == .certDurationLtL4)
        #expect(Self.verify {
            $0.rValues.append($0.rValues[0]); $0.psiValues.append($0.psiValues[0])
        } == .lengthMismatch)
        #expect(Self.verify { $0.psiValues.removeLast() } == .lengthMismatch)
        #expect(Self.verify { $0.finalPhases.removeLast() } == .lengthMismatch)
    }

    @Test func verify_comparesEveryRWithTheF32Threshold() {
        #expect(Self.verify { $0.rValues[3] = BloomConstants.zCWire.nextDown } == .certRBelowZC)
        // Exactly the f32 threshold passes (it is below the f64 Z_C, which only the header check uses).
        #expect(Self.verify { $0.rValues[3] = BloomConstants.zCWire } == nil)
    }

    @Test func verify_boundsN() {
        #expect(Self.verify { $0.oscillatorCount = 6; $0.finalPhases = Array(repeating: 0.01, count: 6) } == .nBelowL4)
        // Seven equal phases: r = 1, within 0.01 of the genesis r.
        #expect(Self.verify { $0.oscillatorCount = 7; $0.finalPhases = Array(repeating: 0.01, count: 7) } == nil)
        let max = BloomConstants.maxOscillatorCount
        #expect(Self.verify {
            $0.oscillatorCount = UInt32(max + 1); $0.finalPhases = Array(repeating: 0.01, count: max + 1)
        } == .nAboveMax)
        #expect(Self.verify {
            $0.oscillatorCount = UInt32(max); $0.finalPhases = Array(repeating: 0.01, count: max)
        } == nil)
    }

    @Test func verify_rejectsFinalPhasesThatDoNotReproduceTheLastR() {
        let n = Int(Self.valid.oscillatorCount)
        let spread = (0..<n).map { Float(Double($0) * BloomConstants.twoPi / Double(n)) }
        #expect(Self.verify { $0.finalPhases = spread } == .certRRecomputeMismatch)
        #expect(Self.verify { $0.rValues[6] = 0.995 } == nil, "within 0.01 of the recomputed r")
        #expect(Self.verify { $0.rValues[6] = 0.985 } == .certRRecomputeMismatch)
    }
}
