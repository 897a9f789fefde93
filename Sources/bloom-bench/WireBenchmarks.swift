import BloomCore
import BloomWire

/// Frame decoding and PHASE codec throughput (the per-connection hot paths of the peer protocol).
let wireBenchmarks: [Benchmark] = [
    Benchmark(names: [
        "frame_decode_per_s", "frame_decode_mb_per_s", "frame_decode_appended_per_s",
        "frame_decode_in_place_vs_appended_ratio",
    ]) { quick in
        let stream = try WireBenchmarkFixtures.mixedStream(targetBytes: quick ? 1 << 20 : 4 << 20)
        // Realistic socket reads: 16 KiB, cut without regard to frame boundaries.
        let chunkSize = 16 * 1024
        let chunks = stride(from: 0, to: stream.bytes.count, by: chunkSize).map {
            Array(stream.bytes[$0..<min($0 + chunkSize, stream.bytes.count)])
        }
        let seconds = quick ? 0.3 : 2.0
        // As a connection reads (`PeerConnection.receive`): frames cut from each chunk in place.
        let inPlace = try WireBenchmarkFixtures.decodeRate(of: stream, chunks: chunks, seconds: seconds) {
            decoder, chunk in
            try chunk.withUnsafeBytes { raw in
                var frames = 0
                var offset = 0
                while let frame = try decoder.next(in: raw, at: &offset) {
                    frames += 1
                    blackHole(frame.payload.count)
                }
                return frames
            }
        }
        // The baseline, the decoder's other entry: each chunk copied into its buffer, then the frames cut.
        let appended = try WireBenchmarkFixtures.decodeRate(of: stream, chunks: chunks, seconds: seconds) {
            decoder, chunk in
            try decoder.append(chunk)
            var frames = 0
            while let frame = try decoder.next() {
                frames += 1
                blackHole(frame.payload.count)
            }
            return frames
        }
        let bytesPerFrame = Double(stream.bytes.count) / Double(stream.frameCount)
        return [
            Figure(name: "frame_decode_per_s", value: inPlace, unit: "frames/s"),
            Figure(name: "frame_decode_mb_per_s", value: inPlace * bytesPerFrame / 1e6, unit: "MB/s"),
            Figure(name: "frame_decode_appended_per_s", value: appended, unit: "frames/s"),
            Figure(name: "frame_decode_in_place_vs_appended_ratio", value: inPlace / appended, unit: "x"),
        ]
    },
    Benchmark(names: ["phase_encode_decode_per_s"]) { quick in
        var rng = WireBenchmarkFixtures.Generator(seed: 7)
        let phases = (0..<BloomConstants.defaultOscillatorCount).map { _ in
            Double(rng.next() >> 11) / Double(1 << 53) * BloomConstants.twoPi
        }
        let (r, psi) = OrderParameter.compute(phases)
        var failures = 0
        let rate = measureRate(seconds: quick ? 0.3 : 2.0) {
            for _ in 0..<100 {
                let payload = PhaseMessage(encoding: phases, r: r, psi: psi).encoded()
                do {
                    let decoded = try PhaseMessage(decoding: payload)
                    if decoded.phases.count != phases.count { failures += 1 }
                    blackHole(decoded)
                } catch {
                    failures += 1
                }
            }
            return 100
        }
        if failures > 0 { throw WireBenchmarkFixtures.Failure(description: "\(failures) PHASE round trips failed") }
        return [Figure(name: "phase_encode_decode_per_s", value: rate, unit: "messages/s")]
    },
]

enum WireBenchmarkFixtures {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// SplitMix64, so the stream is the same on every run.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
    }

    struct Stream {
        var bytes: [UInt8] = []
        var frameCount = 0
    }

    /// Frames a second through a fresh decoder fed `chunks` by `feed` (which returns the frames it cut), checking
    /// every pass gives the stream's frames.
    static func decodeRate(
        of stream: Stream,
        chunks: [[UInt8]],
        seconds: Double,
        feed: (inout FrameDecoder, [UInt8]) throws -> Int
    ) throws -> Double {
        var mismatches = 0
        let rate = try measureRate(seconds: seconds) {
            var decoder = FrameDecoder(largeFramesNegotiated: true)
            var frames = 0
            for chunk in chunks { frames += try feed(&decoder, chunk) }
            try decoder.finish()
            if frames != stream.frameCount { mismatches += 1 }
            return frames
        }
        if mismatches > 0 { throw Failure(description: "decoder lost frames \(mismatches) times") }
        return rate
    }

    /// The traffic mix of a synced node: PHASE gossip (63 phases), COHERENCE, TX relay, BLOCKS/GETDATA
    /// announcements and requests, a few HEADERS; about 230 bytes a frame on average.
    static func mixedStream(targetBytes: Int) throws -> Stream {
        var rng = Generator(seed: 1)
        func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
        func hash() -> Hash256 { Hash256(bytes: bytes(32)) ?? .zero }
        let phases = (0..<63).map { _ in Double(rng.next() >> 11) / Double(1 << 53) * BloomConstants.twoPi }
        let cycle: [PeerMessage] = [
            .phase(PhaseMessage(encoding: phases, r: 0.3, psi: 1.2)),
            .tx(bytes(196)),
            .blocks((0..<8).map { _ in hash() }),
            .coherence(CoherenceMessage(r: 0.9, psi: 1)),
            .headers((0..<3).map { _ in bytes(92) }),
            .getData(.hash(hash())),
            .tx(bytes(400)),
            .phase(PhaseMessage(encoding: phases, r: 0.4, psi: 2.2)),
            .tx(bytes(300)),
            .tx(bytes(267)),
        ]
        let encoder = FrameEncoder(largeFramesNegotiated: true)
        let frames = try cycle.map { message in try encoder.frame(message) }
        var stream = Stream()
        stream.bytes.reserveCapacity(targetBytes + 1024)
        while stream.bytes.count < targetBytes {
            for frame in frames {
                stream.bytes += frame
                stream.frameCount += 1
            }
        }
        return stream
    }
}
