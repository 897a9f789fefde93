import BloomCore
import BloomWire

/// Frames and payloads a test peer sends, built with BloomWire's encoders.
enum Wire {
    /// A plain frame (header + payload), whatever the payload's size allows.
    static func frame(_ type: MessageType, _ payload: [UInt8] = []) -> [UInt8] {
        var bytes: [UInt8] = [type.rawValue, UInt8(payload.count & 0xFF), UInt8((payload.count >> 8) & 0xFF)]
        bytes += payload
        return bytes
    }

    /// An escape frame: `type, 0xFFFF, u32 real_length, payload`.
    static func escapeFrame(_ type: MessageType, realLength: UInt32, payload: [UInt8]) -> [UInt8] {
        var writer = ByteWriter(capacity: 7 + payload.count)
        writer.u8(type.rawValue)
        writer.u16(0xFFFF)
        writer.u32(realLength)
        writer.append(payload)
        return writer.bytes
    }

    /// A VERSION frame; `services: nil` gives the reference's 20-byte form.
    static func version(height: UInt32 = 0, port: UInt32 = 17_619, services: ServiceFlags? = nil) -> [UInt8] {
        let message = VersionMessage(height: height, timestamp: 1_700_000_000, port: port, services: services)
        return frame(.version, PeerMessage.version(message).encodedPayload())
    }

    static let verack = frame(.verack)

    /// A well-formed PHASE of `n` phases.
    static func phase(n: Int = 63) -> [UInt8] {
        let message = PhaseMessage(r: 0.5, psi: 1, phases: (0..<n).map { Float($0) / Float(n) })
        return frame(.phase, message.encoded())
    }

    /// GETDATA by hash.
    static func getData(_ hash: Hash256) -> [UInt8] { frame(.getData, hash.bytes) }

    /// A hash derived from a small integer.
    static func hash(_ i: Int) -> Hash256 {
        var bytes = [UInt8](repeating: 0, count: 32)
        bytes[0] = UInt8(i & 0xFF)
        bytes[1] = UInt8((i >> 8) & 0xFF)
        bytes[31] = 0x5A
        // 32 bytes: always a hash.
        return Hash256(bytes: bytes) ?? .zero
    }

    /// A BLOCKS payload listing `hashes`.
    static func blocksPayload(_ hashes: [Hash256]) -> [UInt8] {
        var writer = ByteWriter(capacity: 4 + 32 * hashes.count)
        writer.u32(UInt32(hashes.count))
        for hash in hashes { writer.append(hash.bytes) }
        return writer.bytes
    }

    /// The frames in a byte string, cut by a plain (non-escape) decoder.
    static func frames(in bytes: [UInt8], largeFrames: Bool = false) -> [Frame] {
        var decoder = FrameDecoder(largeFramesNegotiated: largeFrames)
        var frames: [Frame] = []
        guard (try? decoder.append(bytes)) != nil else { return [] }
        while let frame = try? decoder.next() { frames.append(frame) }
        return frames
    }
}
