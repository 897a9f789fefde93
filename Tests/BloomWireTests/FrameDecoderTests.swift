import BloomCore
import BloomTestSupport
import Testing

@testable import BloomWire

/// The frame decoder driven the way a socket drives it: arbitrary chunks, empty reads, EOF.
@Suite(.dedicatedThread) struct FrameDecoderTests {
    /// A stream of frames and, for each, the stream offset just past its last byte.
    struct Stream {
        var bytes: [UInt8] = []
        var frames: [Frame] = []
        var ends: [Int] = []

        mutating func add(_ frame: Frame, encoder: FrameEncoder) throws {
            bytes += try encoder.frame(type: frame.type, payload: frame.payload)
            frames.append(frame)
            ends.append(bytes.count)
        }
    }

    static func mixedStream(negotiated: Bool, seed: UInt64) throws -> Stream {
        var rng = SplitMix64(seed: seed)
        let encoder = FrameEncoder(largeFramesNegotiated: negotiated)
        var stream = Stream()
        let sizes = [0, 1, 2, 3, 4, 7, 8, 12, 31, 32, 33, 92, 230, 1000, 4096, 65_534, 65_535]
            + (negotiated ? [65_536, 70_000, 200_000] : [])
        for size in sizes.shuffled(using: &rng) {
            let type = MessageType(rawValue: UInt8.random(in: 0...255, using: &rng))
            try stream.add(Frame(type: type, payload: .random(count: size, using: &rng)), encoder: encoder)
            // Small frames between the big ones, several per typical read.
            for _ in 0..<Int.random(in: 0...6, using: &rng) {
                let small = Int.random(in: 0...40, using: &rng)
                try stream.add(Frame(type: .phase, payload: .random(count: small, using: &rng)), encoder: encoder)
            }
        }
        return stream
    }

    /// Feeds `stream` in random chunks (empty ones included) and checks that after every chunk exactly the frames
    /// whose last byte has arrived have come out, in order and intact.
    static func feedRandomly(_ stream: Stream, negotiated: Bool, seed: UInt64, maxChunk: Int) throws {
        var rng = SplitMix64(seed: seed)
        var decoder = FrameDecoder(largeFramesNegotiated: negotiated)
        var out: [Frame] = []
        var fed = 0
        while fed < stream.bytes.count {
            let size = Bool.random(using: &rng) && Int.random(in: 0..<4, using: &rng) == 0
                ? 0 : Int.random(in: 1...maxChunk, using: &rng)
            let end = min(stream.bytes.count, fed + size)
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: try decoder.append(Array(stream.bytes[fed..<end]))
            case 1: try decoder.append(stream.bytes[fed..<end])
            case 2:
                let chunk = Array(stream.bytes[fed..<end])
                try chunk.withUnsafeBytes { raw in try decoder.append(raw) }
            default:
                // As a connection reads: frames cut from the chunk itself.
                let chunk = Array(stream.bytes[fed..<end])
                try chunk.withUnsafeBytes { raw in
                    var offset = 0
                    while let frame = try decoder.next(in: raw, at: &offset) { out.append(frame) }
                    try #require(offset == raw.count, "\(raw.count - offset) bytes of the chunk left unread")
                }
            }
            fed = end
            while let frame = try decoder.next() { out.append(frame) }
            let complete = stream.ends.prefix { $0 <= fed }.count
            try #require(out.count == complete, "after \(fed) bytes: \(out.count) frames out, \(complete) complete")
        }
        #expect(out.count == stream.frames.count)
        let identical = out == stream.frames  // not inside #expect: it would print megabytes on failure
        #expect(identical, "frames differ")
        try decoder.finish()
    }

    @Test func randomChunks_withEmptyReads_yieldEveryFrameExactlyWhenComplete() throws {
        for iteration in 0..<40 {
            let negotiated = iteration % 2 == 1
            let stream = try Self.mixedStream(negotiated: negotiated, seed: UInt64(iteration))
            let maxChunk = [3, 17, 1000, 16_384, 100_000][iteration % 5]
            try Self.feedRandomly(stream, negotiated: negotiated, seed: UInt64(1000 + iteration), maxChunk: maxChunk)
        }
    }

    @Test func byteByByte_emitsNothingUntilTheLastByteOfEachFrame() throws {
        var stream = Stream()
        let encoder = FrameEncoder(largeFramesNegotiated: true)
        try stream.add(Frame(type: .verack, payload: []), encoder: encoder)
        try stream.add(Frame(type: .coherence, payload: [1, 2, 3, 4, 5, 6, 7, 8]), encoder: encoder)
        try stream.add(Frame(type: .block, payload: [UInt8](repeating: 9, count: 65_535)), encoder: encoder)
        try stream.add(Frame(type: .getPhase, payload: []), encoder: encoder)
        var decoder = FrameDecoder(largeFramesNegotiated: true)
        var out: [Frame] = []
        for (index, byte) in stream.bytes.enumerated() {
            try decoder.append([byte])
            let frame = try decoder.next()
            let isEnd = stream.ends.contains(index + 1)
            try #require((frame != nil) == isEnd, "byte \(index)")
            if let frame { out.append(frame) }
            #expect(try decoder.next() == nil)
        }
        let identical = out == stream.frames
        #expect(identical, "frames differ")
    }

    @Test func headerSplitAcrossReads_isReassembled() throws {
        var decoder = FrameDecoder()
        try decoder.append([0x22])
        #expect(try decoder.next() == nil)
        try decoder.append([0x08])
        #expect(try decoder.next() == nil)
        try decoder.append([0x00, 1, 2, 3])
        #expect(try decoder.next() == nil)
        try decoder.append([4, 5, 6, 7, 8, 0x02])
        #expect(try decoder.next() == Frame(type: .coherence, payload: [1, 2, 3, 4, 5, 6, 7, 8]))
        #expect(try decoder.next() == nil)
        #expect(decoder.bufferedByteCount == 1)
        try decoder.append([0x00, 0x00])
        #expect(try decoder.next() == Frame(type: .verack, payload: []))
    }

    @Test func severalFramesInOneRead_comeOutOneAtATime() throws {
        var decoder = FrameDecoder()
        try decoder.append([0x02, 0, 0, 0x21, 0, 0, 0x12, 4, 0, 2, 0, 0, 0])
        #expect(try decoder.next() == Frame(type: .verack, payload: []))
        #expect(try decoder.next() == Frame(type: .getPhase, payload: []))
        #expect(try decoder.next() == Frame(type: .getData, payload: [2, 0, 0, 0]))
        #expect(try decoder.next() == nil)
        try decoder.finish()
    }

    @Test func lengthFFFF_withoutNegotiation_isAPlain65535BytePayload() throws {
        let payload = [UInt8](repeating: 0xab, count: 65_535)
        var decoder = FrameDecoder(largeFramesNegotiated: false)
        try decoder.append([0x13, 0xff, 0xff] + payload + [0x02, 0, 0])
        let frame = try #require(try decoder.next())
        #expect(frame.type == .block)
        #expect(frame.payload == payload)
        #expect(try decoder.next() == Frame(type: .verack, payload: []))
    }

    @Test func lengthFFFF_withNegotiation_readsTheEscapeLength() throws {
        let payload = [UInt8](repeating: 0x5a, count: 70_000)
        var decoder = FrameDecoder(largeFramesNegotiated: true)
        try decoder.append([0x13, 0xff, 0xff, 0x70, 0x11])  // real_length split mid-field
        #expect(try decoder.next() == nil)
        try decoder.append([0x01, 0x00])
        #expect(try decoder.next() == nil)
        try decoder.append(payload)
        #expect(try decoder.next() == Frame(type: .block, payload: payload))
    }

    @Test func escapeWithRealLengthZeroAndSmall_areAccepted() throws {
        var decoder = FrameDecoder(largeFramesNegotiated: true)
        try decoder.append([0x21, 0xff, 0xff, 0, 0, 0, 0, 0x13, 0xff, 0xff, 2, 0, 0, 0, 7, 8])
        #expect(try decoder.next() == Frame(type: .getPhase, payload: []))
        #expect(try decoder.next() == Frame(type: .block, payload: [7, 8]))
    }

    @Test func escapeAtExactlyMaxMessageSize_isAccepted() throws {
        let payload = [UInt8](repeating: 1, count: BloomConstants.maxMessageSize)
        var decoder = FrameDecoder(largeFramesNegotiated: true)
        try decoder.append(try FrameEncoder(largeFramesNegotiated: true).frame(type: .block, payload: payload))
        #expect(try decoder.next()?.payload.count == BloomConstants.maxMessageSize)
    }

    @Test func escapeAboveMaxMessageSize_disconnectsFromTheSevenHeaderBytesAlone() throws {
        var decoder = FrameDecoder(largeFramesNegotiated: true)
        try decoder.append([0x13, 0xff, 0xff, 0x01, 0x00, 0x10])
        #expect(try decoder.next() == nil)
        try decoder.append([0x00])
        #expect(throws: FrameError.escapeLengthTooLarge(realLength: 0x10_0001, limit: BloomConstants.maxMessageSize)) {
            try decoder.next()
        }
        // The stream stays unusable.
        #expect(throws: FrameError.self) { try decoder.next() }
        #expect(FrameError.escapeLengthTooLarge(realLength: 0, limit: 0).verdict == .disconnect)
    }

    @Test func negotiationSetBetweenFrames_appliesToTheNextHeader() throws {
        var decoder = FrameDecoder()
        let version = [UInt8](repeating: 0, count: 28)
        let big = [UInt8](repeating: 3, count: 65_536)
        let stream = try FrameEncoder().frame(type: .version, payload: version)
            + FrameEncoder(largeFramesNegotiated: true).frame(type: .block, payload: big)
        try decoder.append(stream)
        #expect(try decoder.next() == Frame(type: .version, payload: version))
        decoder.largeFramesNegotiated = true
        #expect(try decoder.next() == Frame(type: .block, payload: big))
    }

    @Test func eofMidFrame_throwsDisconnect_atEveryCutPoint() throws {
        let encoder = FrameEncoder(largeFramesNegotiated: true)
        let frame = try encoder.frame(type: .block, payload: [UInt8](repeating: 4, count: 70_000))
        for cut in [1, 2, 3, 5, 6, 7, 8, 1000, frame.count - 1] {
            var decoder = FrameDecoder(largeFramesNegotiated: true)
            try decoder.append(Array(frame[..<cut]))
            #expect(try decoder.next() == nil)
            #expect(throws: FrameError.eofMidFrame(pendingBytes: cut)) { try decoder.finish() }
        }
        var whole = FrameDecoder(largeFramesNegotiated: true)
        try whole.append(frame)
        _ = try whole.next()
        try whole.finish()
        try FrameDecoder().finish()
    }

    @Test func appendingWhileAMaximalFrameIsUndrained_isRefused() throws {
        var decoder = FrameDecoder()
        let frame = [UInt8]([0x13, 0xff, 0xff]) + [UInt8](repeating: 0, count: 65_535)
        try decoder.append(frame)
        #expect(throws: FrameError.bufferLimitExceeded(buffered: frame.count, limit: frame.count)) {
            try decoder.append([0x02, 0, 0])
        }
        #expect(try decoder.next()?.payload.count == 65_535)
        try decoder.append([0x02, 0, 0])
        #expect(try decoder.next() == Frame(type: .verack, payload: []))
    }

    @Test func framesWhollyInAChunk_areCutFromIt_andOnlyTheIncompleteTailIsKept() throws {
        var decoder = FrameDecoder()
        var chunk: [UInt8] = []
        for index in 0..<100 { chunk += [0x22, 3, 0, UInt8(index), 1, 2] }
        chunk += [0x22, 8, 0, 9]
        var frames: [Frame] = []
        try chunk.withUnsafeBytes { raw throws in
            var offset = 0
            while let frame = try decoder.next(in: raw, at: &offset) { frames.append(frame) }
            #expect(offset == raw.count)
        }
        #expect(frames == (0..<100).map { Frame(type: .coherence, payload: [UInt8($0), 1, 2]) })
        #expect(decoder.bufferedByteCount == 4)
        // The kept tail takes only the bytes it lacks; the next frame comes from the new chunk itself.
        let next: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 0x02, 0, 0, 0x22]
        try next.withUnsafeBytes { raw throws in
            var offset = 0
            let completed = try decoder.next(in: raw, at: &offset)
            #expect(completed == Frame(type: .coherence, payload: [9, 1, 2, 3, 4, 5, 6, 7]))
            #expect(offset == 7)
            #expect(decoder.bufferedByteCount == 0)
            #expect(try decoder.next(in: raw, at: &offset) == Frame(type: .verack, payload: []))
            #expect(try decoder.next(in: raw, at: &offset) == nil)
            #expect(offset == raw.count)
        }
        #expect(decoder.bufferedByteCount == 1)
    }

    @Test func framesCutFromAChunk_followANegotiationMadeBetweenThem() throws {
        var decoder = FrameDecoder()
        let chunk: [UInt8] = [0x01, 2, 0, 0xAA, 0xBB] + [0x13, 0xFF, 0xFF, 3, 0, 0, 0, 7, 8, 9]
        try chunk.withUnsafeBytes { raw throws in
            var offset = 0
            #expect(try decoder.next(in: raw, at: &offset) == Frame(type: .version, payload: [0xAA, 0xBB]))
            decoder.largeFramesNegotiated = true
            #expect(try decoder.next(in: raw, at: &offset) == Frame(type: .block, payload: [7, 8, 9]))
            #expect(try decoder.next(in: raw, at: &offset) == nil)
        }
    }

    @Test func escapeAboveTheLimit_inAChunk_isRefusedOnEveryLaterCall() throws {
        var decoder = FrameDecoder(largeFramesNegotiated: true)
        let tooLarge = UInt32(WireLimits.maxMessageSize + 1)
        let header: [UInt8] = [0x13, 0xFF, 0xFF] + withUnsafeBytes(of: tooLarge.littleEndian, Array.init)
        let expected = FrameError.escapeLengthTooLarge(realLength: tooLarge, limit: WireLimits.maxMessageSize)
        try header.withUnsafeBytes { raw throws in
            var offset = 0
            #expect(throws: expected) { try decoder.next(in: raw, at: &offset) }
        }
        try [UInt8]([0x02, 0, 0]).withUnsafeBytes { raw throws in
            var offset = 0
            #expect(throws: expected) { try decoder.next(in: raw, at: &offset) }
        }
        // A header split across chunks is refused as soon as its seven bytes are in.
        var split = FrameDecoder(largeFramesNegotiated: true)
        for part in [Array(header[0..<2]), Array(header[2...])] {
            try part.withUnsafeBytes { raw throws in
                var offset = 0
                if part.count == 2 {
                    #expect(try split.next(in: raw, at: &offset) == nil)
                } else {
                    #expect(throws: expected) { try split.next(in: raw, at: &offset) }
                }
            }
        }
    }

    @Test func drainedBuffer_holdsOnlyTheIncompleteTail() throws {
        var decoder = FrameDecoder()
        var chunk: [UInt8] = []
        for _ in 0..<1000 { chunk += [0x22, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0] }
        chunk += [0x22, 8, 0, 1]
        try decoder.append(chunk)
        var count = 0
        while try decoder.next() != nil { count += 1 }
        #expect(count == 1000)
        #expect(decoder.bufferedByteCount == 4)
    }
}
