import Foundation
import Logging

/// libzmq's ZAP handler (RFC 27, ZMTP authentication protocol) for the forwarder's CURVE listener: libzmq asks it,
/// over a REP socket bound to `inproc://zeromq.zap.01` in the forwarder's context, whether each connecting client's
/// public key may in; the answer is yes only for keys listed under the authorized-keys directory.
///
/// It runs on the forwarder's loop thread and never blocks: the directory is re-read when an unknown key knocks (so
/// adding a key file takes effect without a restart) if it changed since the last read, else at most once a second
/// (so a stranger's reconnect loop cannot turn into a file-system scan loop). Every refusal is logged with the client's address; repeats of the same key
/// from the same address within a minute are counted and reported with the next warning instead of one line each.
final class ZAPAuthenticator {
    /// The endpoint libzmq sends ZAP requests to (fixed by RFC 27).
    static let endpoint = "inproc://zeromq.zap.01"
    /// The ZAP domain the forwarder sets on its CURVE listener.
    static let domain = "bloom.bus"

    private let directory: String
    private let logger: Logger
    private var authorized: Set<CurveKey> = []
    private var lastLoad: ContinuousClock.Instant?
    private var loadedStamp: Int?
    private var refusals: [String: (first: ContinuousClock.Instant, suppressed: Int)] = [:]
    private let clock = ContinuousClock()
    private let counters: ForwarderCounters

    init(authorizedKeysDirectory: String, counters: ForwarderCounters, logger: Logger) {
        self.directory = authorizedKeysDirectory
        self.counters = counters
        self.logger = logger
        reload()
        logger.info(
            "bus CURVE listener: \(authorized.count) authorized client key(s)",
            metadata: ["bloom.keys": "\(directory)"]
        )
    }

    /// Answers the requests waiting on `socket` (a bounded batch).
    func serve(_ socket: ZMQSocket) {
        for _ in 0..<100 {
            let request: [[UInt8]]?
            do { request = try socket.receive(nonBlocking: true) } catch { return }
            guard let request else { return }
            let reply = answer(request)
            do { _ = try socket.send(reply, nonBlocking: true) } catch {
                logger.warning("ZAP reply failed", metadata: [BusLogKeys.error: "\(error)"])
            }
        }
    }

    /// The reply to one request: `[version, request id, status code, status text, user id, metadata]`.
    func answer(_ frames: [[UInt8]]) -> [[UInt8]] {
        // version, request id, domain, address, identity, mechanism, credentials…
        guard frames.count >= 6, frames[0] == Array("1.0".utf8) else {
            logger.warning("malformed ZAP request", metadata: ["bloom.frames": "\(frames.count)"])
            let requestID = frames.count > 1 ? frames[1] : []
            return reply(requestID, "400", "malformed request", user: "")
        }
        let requestID = frames[1]
        let address = String(decoding: frames[3], as: UTF8.self)
        let mechanism = String(decoding: frames[5], as: UTF8.self)
        guard mechanism == "CURVE", frames.count == 7, let key = try? CurveKey(bytes: frames[6]) else {
            refuse(key: nil, mechanism: mechanism, address: address)
            return reply(requestID, "400", "CURVE required", user: "")
        }
        if !authorized.contains(key), reloadAllowed() { reload() }
        guard authorized.contains(key) else {
            refuse(key: key, mechanism: mechanism, address: address)
            return reply(requestID, "400", "key not authorized", user: "")
        }
        counters.admitted.add(1, ordering: .relaxed)
        logger.debug("bus client admitted", metadata: ["bloom.key": "\(key.fingerprint)", "bloom.address": "\(address)"])
        return reply(requestID, "200", "OK", user: key.z85)
    }

    private func reply(_ requestID: [UInt8], _ code: String, _ text: String, user: String) -> [[UInt8]] {
        [Array("1.0".utf8), requestID, Array(code.utf8), Array(text.utf8), Array(user.utf8), []]
    }

    private func refuse(key: CurveKey?, mechanism: String, address: String) {
        counters.refused.add(1, ordering: .relaxed)
        let who = key?.fingerprint ?? "(\(mechanism.isEmpty ? "no" : mechanism) mechanism)"
        let id = who + "@" + address
        let now = clock.now
        if let seen = refusals[id], now - seen.first < .seconds(60) {
            refusals[id]?.suppressed += 1
            return
        }
        let suppressed = refusals[id]?.suppressed ?? 0
        refusals[id] = (now, 0)
        if refusals.count > 1024 { refusals = refusals.filter { now - $0.value.first < .seconds(60) } }
        logger.warning(
            "refused a bus client: its key is not in the authorized keys",
            metadata: [
                "bloom.key": "\(who)",
                "bloom.address": "\(address)",
                "bloom.keys": "\(directory)",
                "bloom.earlier_attempts": "\(suppressed)",
            ]
        )
    }

    /// A key file added since the last read is seen at once (the directory's modification time moved); otherwise
    /// the directory is read again at most once a second (a key edited in place).
    private func reloadAllowed() -> Bool {
        guard let lastLoad else { return true }
        return directoryStamp() != loadedStamp || clock.now - lastLoad >= .seconds(1)
    }

    /// The directory's modification time in nanoseconds, nil when it does not exist.
    private func directoryStamp() -> Int? {
        var status = stat()
        guard stat(directory, &status) == 0 else { return nil }
        return Int(status.st_mtim.tv_sec) * 1_000_000_000 + Int(status.st_mtim.tv_nsec)
    }

    private func reload() {
        lastLoad = clock.now
        loadedStamp = directoryStamp()
        let result = AuthorizedKeys.read(directory: directory)
        authorized = result.keys
        for problem in result.problems {
            logger.warning("ignored an authorized-keys file", metadata: ["bloom.problem": "\(problem)"])
        }
    }
}

/// The authorized-keys directory: one Z85 public key per file (blank lines and `#` comments allowed).
public enum AuthorizedKeys {
    /// The keys in `directory` and a line per file that could not be used. A missing directory holds no keys.
    public static func read(directory: String) -> (keys: Set<CurveKey>, problems: [String]) {
        let fileManager = FileManager.default
        guard let names = try? fileManager.contentsOfDirectory(atPath: directory) else { return ([], []) }
        var keys: Set<CurveKey> = []
        var problems: [String] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            let path = directory + "/" + name
            guard let data = fileManager.contents(atPath: path), data.count <= 4096 else {
                problems.append("\(path): unreadable or larger than 4 KiB")
                continue
            }
            let lines = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
                .map { String($0).trimmingWhitespace() }
                .filter { !$0.isEmpty && !$0.hasPrefix("#") }
            guard lines.count == 1 else {
                problems.append("\(path): expected one key, found \(lines.count) lines")
                continue
            }
            do {
                keys.insert(try CurveKey(z85: lines[0]))
            } catch {
                problems.append("\(path): \(error)")
            }
        }
        return (keys, problems)
    }
}
