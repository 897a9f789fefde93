import CZeroMQ

/// A CurveZMQ key (a Curve25519 public or secret key) in its Z85 text form: 40 printable characters for 32 bytes.
///
/// Z85 is what libzmq's `zmq_curve_keypair` prints and what its socket options accept, and it survives being put
/// in a file, an environment variable or a Kubernetes secret, so the node only ever handles keys as Z85 text.
public struct CurveKey: Hashable, Sendable, CustomStringConvertible {
    /// The 40-character Z85 text.
    public let z85: String

    /// Length of a Z85-encoded 32-byte key.
    public static let z85Length = 40

    /// Validates Z85 text: exactly 40 characters of the Z85 alphabet that decode to 32 bytes.
    /// - Throws: ``CurveKeyError/malformed(_:reason:)`` naming what is wrong (a secret is never echoed in full).
    public init(z85 text: String) throws(CurveKeyError) {
        let trimmed = text.trimmingWhitespace()
        guard trimmed.utf8.count == Self.z85Length else {
            throw .malformed(Self.redacted(trimmed), reason: "a key is \(Self.z85Length) Z85 characters")
        }
        var decoded = [UInt8](repeating: 0, count: 32)
        guard zmq_z85_decode(&decoded, trimmed) != nil else {
            throw .malformed(Self.redacted(trimmed), reason: "not Z85 text")
        }
        z85 = trimmed
    }

    /// The key's 32 bytes (the form the ZAP protocol carries credentials in).
    public var bytes: [UInt8] {
        var decoded = [UInt8](repeating: 0, count: 32)
        _ = zmq_z85_decode(&decoded, z85)
        return decoded
    }

    /// The key of 32 raw bytes (a ZAP credential frame).
    /// - Throws: ``CurveKeyError/malformed(_:reason:)`` when `bytes` is not 32 bytes long.
    public init(bytes: [UInt8]) throws(CurveKeyError) {
        guard bytes.count == 32 else { throw .malformed("\(bytes.count) bytes", reason: "a key is 32 bytes") }
        var text = [CChar](repeating: 0, count: Self.z85Length + 1)
        guard zmq_z85_encode(&text, bytes, 32) != nil else {
            throw .malformed("\(bytes.count) bytes", reason: "not encodable")
        }
        z85 = String(decoding: text.prefix(Self.z85Length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The first 8 characters and an ellipsis: enough to tell keys apart in a log, never the whole key.
    public var fingerprint: String { String(z85.prefix(8)) + "…" }

    public var description: String { z85 }

    /// Key text shortened for an error message: a secret pasted in the wrong place must not end up in a log.
    public static func redacted(_ text: String) -> String {
        text.count > 8 ? String(text.prefix(4)) + "…(\(text.count) characters)" : "'\(text)'"
    }
}

/// A CurveZMQ key pair. Its description never shows the secret key.
public struct CurveKeyPair: Hashable, Sendable, CustomStringConvertible {
    /// The public key, which peers put in their authorized keys.
    public let publicKey: CurveKey
    /// The secret key.
    public let secretKey: CurveKey

    /// Whether this libzmq was built with CURVE (Debian's is, with libsodium).
    public static var isAvailable: Bool { zmq_has("curve") != 0 }

    /// A new random key pair.
    /// - Throws: ``CurveKeyError/unavailable`` when libzmq has no CURVE support.
    public static func generate() throws(CurveKeyError) -> CurveKeyPair {
        var publicText = [CChar](repeating: 0, count: CurveKey.z85Length + 1)
        var secretText = [CChar](repeating: 0, count: CurveKey.z85Length + 1)
        guard zmq_curve_keypair(&publicText, &secretText) == 0 else { throw .unavailable }
        return CurveKeyPair(
            publicKey: try CurveKey(z85: String(cString: publicText)),
            secretKey: try CurveKey(z85: String(cString: secretText))
        )
    }

    /// The pair of a secret key (its public key is derived from it, so a key file holds only the secret).
    /// - Throws: ``CurveKeyError/unavailable`` when libzmq has no CURVE support.
    public init(secretKey: CurveKey) throws(CurveKeyError) {
        var publicText = [CChar](repeating: 0, count: CurveKey.z85Length + 1)
        guard zmq_curve_public(&publicText, secretKey.z85) == 0 else { throw .unavailable }
        self.publicKey = try CurveKey(z85: String(cString: publicText))
        self.secretKey = secretKey
    }

    private init(publicKey: CurveKey, secretKey: CurveKey) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    public var description: String { "CurveKeyPair(public: \(publicKey), secret: <redacted>)" }
}

/// Why a CURVE key cannot be used.
public enum CurveKeyError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Not a Z85-encoded 32-byte key; the text is shown shortened.
    case malformed(String, reason: String)
    /// This libzmq has no CURVE support (built without libsodium).
    case unavailable

    public var description: String {
        switch self {
        case .malformed(let text, let reason): "malformed CURVE key \(text): \(reason)"
        case .unavailable: "this libzmq has no CURVE support (it must be built with libsodium)"
        }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
