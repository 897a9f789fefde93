import BloomBus
import Foundation

/// The node's CURVE keys for the bus, in `<data-dir>/keys/`:
///
/// - `bus.key`: this node's secret key (Z85), mode 0600; a file that every user can read is refused (group access is
///   allowed, because a Kubernetes Secret mounted with an `fsGroup` is group-readable);
/// - `bus.pub`: its public key (Z85), to give to the hosts it connects to;
/// - `authorized/`: one file per client allowed into this node's tcp bus, each holding one Z85 public key.
///
/// Files may hold `#` comment lines. The public key is derived from the secret one when loading, so a copied or
/// hand-edited `bus.pub` can never disagree with the key actually used.
public enum BusKeys {
    /// `<data-dir>/keys`.
    public static func directory(dataDirectory: String) -> String { dataDirectory + "/keys" }
    /// `bus.key` in a keys directory.
    public static func secretKeyFile(in directory: String) -> String { directory + "/bus.key" }
    /// `bus.pub` in a keys directory.
    public static func publicKeyFile(in directory: String) -> String { directory + "/bus.pub" }
    /// `authorized/` in a keys directory.
    public static func authorizedDirectory(in directory: String) -> String { directory + "/authorized" }

    /// The key pair in `directory`.
    /// - Throws: ``BusKeyError`` when `bus.key` is missing, readable by others, or not a key.
    public static func load(from directory: String) throws(BusKeyError) -> CurveKeyPair {
        let path = secretKeyFile(in: directory)
        var status = stat()
        guard stat(path, &status) == 0 else { throw .missing(path: path) }
        if status.st_mode & 0o007 != 0 {
            throw .tooOpen(path: path, mode: String(status.st_mode & 0o777, radix: 8))
        }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        do {
            return try CurveKeyPair(secretKey: CurveKey(z85: keyLine(of: text)))
        } catch {
            throw .malformed(path: path, error)
        }
    }

    /// The key pair in `directory`, made (with the directory, mode 0700) when there is none yet.
    /// - Returns: the pair and whether it was just made.
    public static func loadOrCreate(in directory: String) throws(BusKeyError) -> (CurveKeyPair, created: Bool) {
        if FileManager.default.fileExists(atPath: secretKeyFile(in: directory)) {
            return (try load(from: directory), false)
        }
        let pair: CurveKeyPair
        do { pair = try CurveKeyPair.generate() } catch { throw .malformed(path: directory, error) }
        try write(pair, to: directory, overwrite: false)
        return (pair, true)
    }

    /// Writes `bus.key` (0600) and `bus.pub` (0644) into `directory` (made with mode 0700 if missing), and an
    /// empty `authorized/`.
    /// - Throws: ``BusKeyError/exists(path:)`` when `bus.key` exists and `overwrite` is false.
    public static func write(_ pair: CurveKeyPair, to directory: String, overwrite: Bool) throws(BusKeyError) {
        let secretPath = secretKeyFile(in: directory)
        if !overwrite, FileManager.default.fileExists(atPath: secretPath) { throw .exists(path: secretPath) }
        do {
            try FileManager.default.createDirectory(
                atPath: authorizedDirectory(in: directory),
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
        } catch {
            throw .cannotWrite(path: directory, reason: error.localizedDescription)
        }
        try writeFile(
            secretPath,
            "# BloomCoin bus secret key (CurveZMQ, Z85). Keep it private.\n\(pair.secretKey.z85)\n",
            mode: 0o600
        )
        try writeFile(
            publicKeyFile(in: directory),
            "# BloomCoin bus public key (CurveZMQ, Z85).\n\(pair.publicKey.z85)\n",
            mode: 0o644
        )
    }

    /// A server key given as Z85 text or as the path of a file holding it (`--bus-server-key`).
    public static func serverKey(_ value: String) throws(BusKeyError) -> CurveKey {
        if let key = try? CurveKey(z85: value) { return key }
        guard FileManager.default.fileExists(atPath: value) else {
            throw .malformed(path: "--bus-server-key", .malformed(CurveKey.redacted(value), reason: "neither a Z85 key nor a file"))
        }
        let text: String
        do { text = try String(contentsOfFile: value, encoding: .utf8) } catch {
            throw .unreadable(path: value, reason: error.localizedDescription)
        }
        do { return try CurveKey(z85: keyLine(of: text)) } catch { throw .malformed(path: value, error) }
    }

    private static func keyLine(of text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .first { !$0.isEmpty && !$0.hasPrefix("#") } ?? ""
    }

    private static func writeFile(_ path: String, _ text: String, mode: mode_t) throws(BusKeyError) {
        // Created with its final mode (no window where a secret is world-readable), then replaced atomically.
        let temporary = path + ".tmp"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced, fchmodat(AT_FDCWD, temporary, mode, 0) == 0,
            rename(temporary, path) == 0
        else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw .cannotWrite(path: path, reason: reason)
        }
    }
}

/// Why the bus keys cannot be used.
public enum BusKeyError: Error, Hashable, Sendable, CustomStringConvertible {
    /// No `bus.key` (run `bloom keygen`, or start the supervisor that makes one).
    case missing(path: String)
    /// `bus.key` is readable or writable by every user.
    case tooOpen(path: String, mode: String)
    /// A key file that cannot be read.
    case unreadable(path: String, reason: String)
    /// A key file without a valid key.
    case malformed(path: String, CurveKeyError)
    /// `bloom keygen` would overwrite a key.
    case exists(path: String)
    /// A key file that cannot be written.
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .missing(let path): "no bus key at \(path): run `bloom keygen` first"
        case .tooOpen(let path, let mode): "\(path) has mode \(mode): a secret key must be private (chmod 600 \(path))"
        case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
        case .malformed(let path, let error): "\(path): \(error)"
        case .exists(let path): "\(path) exists: keep it, or pass --force to replace it (clients must then be given the new public key)"
        case .cannotWrite(let path, let reason): "cannot write \(path): \(reason)"
        }
    }
}
