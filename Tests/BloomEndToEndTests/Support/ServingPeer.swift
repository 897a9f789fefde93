import BloomCore
import BloomWire
import Foundation
import Synchronization

/// A fixture chain built in code, valid by construction (DESIGN.md: "fixture chains need not be mined"): each block
/// a coinbase, 60 s after its parent, at the genesis's difficulty, with a certificate whose final phases are spread
/// over a small arc as the genesis's are (r ≈ 1). The end-to-end target links BloomCore only, so this repeats
/// BloomChain's `FixtureBlocks` in a few lines instead of adding a dependency.
enum FixtureChain {
    static let reward = Hash256(bytes: [UInt8](repeating: 0x5E, count: 32)) ?? .zero

    static let certificate: ConsensusCertificate = {
        let count = BloomConstants.defaultOscillatorCount
        let phases = (0..<count).map { Double($0) * 0.1 / Double(count - 1) }
        let (r, psi) = OrderParameter.compute(phases)
        let rounds = BloomConstants.minCoherenceRounds
        return ConsensusCertificate(
            bloomStart: 0,
            bloomEnd: UInt32(rounds - 1),
            oscillatorCount: UInt32(count),
            rValues: Array(repeating: Float(r), count: rounds),
            psiValues: Array(repeating: Float(psi), count: rounds),
            finalPhases: phases.map { Float($0) }
        )
    }()

    /// Blocks 1…`count` on the genesis.
    static func make(count: Int) -> [Block] {
        var blocks: [Block] = []
        var parent = Genesis.block().header
        for height in 1...count {
            let coinbase = Transaction.coinbase(height: UInt32(height), address: reward, fees: 0, extraData: [])
            let header = BlockHeader(
                version: 1,
                prevHash: parent.hash,
                merkleRoot: MerkleTree.root([coinbase.txid]),
                timestamp: parent.timestamp + 60,
                difficulty: parent.difficulty,
                nonce: 0,
                orderParameter: certificate.rValues.last ?? 0,
                meanPhase: certificate.psiValues.last ?? 0,
                oscillatorCount: certificate.oscillatorCount
            )
            let block = Block(header: header, certificate: certificate, transactions: [coinbase])
            blocks.append(block)
            parent = header
        }
        return blocks
    }
}

/// A serving peer the node dials (`--connect`): like a reference node, it answers what it is asked from its chain
/// (VERSION, GETBLOCKS, GETDATA, and the bulk-sync GETHEADERS and GETBLOCKDATA, advertising services 7 as the
/// node measured in issue 12 did) and never sends anything unless asked, so a node that forgets to ask waits
/// forever. It accepts again after the node's bloom-net restarts.
///
/// Block bodies above ``released`` are held back (the connection waits, as a slow peer would) until the test
/// releases them: the test decides how far a download has got when it kills a service, whatever the machine's
/// speed. Headers are always served, so the node knows the whole chain is there.
final class ServingPeer: @unchecked Sendable {
    let address: String
    let port: Int
    private let listener: Int32
    private let hashes: [Hash256]
    private let headers: [[UInt8]]
    private let bytes: [Hash256: [UInt8]]
    private let heights: [Hash256: Int]
    private let stopped = Atomic<Bool>(false)
    private let released: Atomic<Int>
    /// Connections accepted so far (a restarted bloom-net dials again).
    let accepted = Atomic<Int>(0)

    /// "address:port", for `--connect`.
    var endpoint: String { "\(address):\(port)" }

    /// Listens on `address` (a port chosen by the system) and serves `blocks` on top of the genesis, bodies up to
    /// `released` (all by default).
    init(address: String, blocks: [Block], released: Int = .max) throws {
        self.address = address
        self.released = Atomic(released)
        let genesis = Genesis.block()
        hashes = [genesis.hash] + blocks.map(\.hash)
        headers = ([genesis] + blocks).map { $0.header.encoded() }
        var table: [Hash256: [UInt8]] = [genesis.hash: genesis.serialized()]
        for block in blocks { table[block.hash] = block.serialized() }
        bytes = table
        heights = Dictionary(uniqueKeysWithValues: hashes.enumerated().map { ($1, $0) })
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw E2EError("socket: errno \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, address, &addr.sin_addr)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 8) == 0 else {
            close(fd)
            throw E2EError("bind/listen \(address): errno \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: addr.sin_port))
        // accept() wakes every 200 ms to notice stop().
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        listener = fd
        Thread { [self] in acceptLoop() }.start()
    }

    /// Serves bodies up to `height` from now on (requests waiting for them are answered).
    func release(upTo height: Int) {
        released.store(height, ordering: .sequentiallyConsistent)
    }

    /// Waits until the body at `height` is released; false when the peer stops first.
    private func waitUntilReleased(_ height: Int) -> Bool {
        while released.load(ordering: .sequentiallyConsistent) < height {
            if stopped.load(ordering: .sequentiallyConsistent) { return false }
            usleep(20_000)
        }
        return true
    }

    /// The body of `hash` once it is released; nil for an unknown hash or when the peer stops.
    private func body(_ hash: Hash256) -> [UInt8]? {
        guard let height = heights[hash], waitUntilReleased(height) else { return nil }
        return bytes[hash]
    }

    /// Stops accepting and serving: the listener and every connection close within 200 ms.
    func stop() {
        stopped.store(true, ordering: .sequentiallyConsistent)
    }

    private func acceptLoop() {
        // The loop owns the listener: closed here, never while accept() may run on it.
        defer { close(listener) }
        while !stopped.load(ordering: .sequentiallyConsistent) {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            accepted.add(1, ordering: .relaxed)
            var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
            setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            Thread { [self] in serve(client) }.start()
        }
    }

    /// Answers one connection until it closes or the peer stops.
    private func serve(_ fd: Int32) {
        defer { close(fd) }
        // Both sides advertise LARGE_FRAMES: payloads of 64 KiB or more (2,000 headers) travel in escape form.
        var decoder = FrameDecoder(largeFramesNegotiated: true)
        let encoder = FrameEncoder(largeFramesNegotiated: true)
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while !stopped.load(ordering: .sequentiallyConsistent) {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { return }
            if count < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { continue }
                return
            }
            do {
                try decoder.append(buffer[0..<count])
                while let frame = try decoder.next() {
                    let delivered = respond(to: frame) { answer in
                        guard let bytes = try? encoder.frame(answer) else { return false }
                        return self.sendAll(fd, bytes)
                    }
                    guard delivered else { return }
                }
            } catch {
                return
            }
        }
    }

    /// Sends what a reference node answers, each message as soon as it is ready (a body held back does not hold
    /// the ones before it); nothing for anything else. False once a send failed.
    private func respond(to frame: Frame, send: (PeerMessage) -> Bool) -> Bool {
        // BLOOM_E2E_TRACE_PEER=1: every request on stderr, with how far bodies are released (how the stall of
        // `Downloader.peerConnected` showed itself: a connection asked only for heights above a hole).
        if ProcessInfo.processInfo.environment["BLOOM_E2E_TRACE_PEER"] == "1",
            let message = try? PeerMessage(type: frame.type, payload: frame.payload)
        {
            switch message {
            case .getBlockData(let wanted):
                let asked = wanted.compactMap { self.heights[$0] }
                let released = released.load(ordering: .relaxed)
                trace("GETBLOCKDATA \(asked.min() ?? -1)...\(asked.max() ?? -1) (\(asked.count)) released \(released)")
            case .getHeaders(let range):
                trace("GETHEADERS \(range.startHeight) +\(range.count)")
            default:
                trace("\(frame.type)")
            }
        }
        if case .getBlockData(let wanted)? = try? PeerMessage(type: frame.type, payload: frame.payload) {
            var missing: [Hash256] = []
            for hash in wanted {
                if let block = body(hash) {
                    guard send(.block(block)) else { return false }
                } else {
                    missing.append(hash)
                }
            }
            return missing.isEmpty || send(.notFound(missing))
        }
        return answers(to: frame).allSatisfy(send)
    }

    /// What a reference node answers to one message (GETBLOCKDATA aside); nothing for anything else.
    private func answers(to frame: Frame) -> [PeerMessage] {
        guard let message = try? PeerMessage(type: frame.type, payload: frame.payload) else { return [] }
        switch message {
        case .version:
            let version = VersionMessage(
                height: UInt32(hashes.count - 1),
                timestamp: UInt64(Date().timeIntervalSince1970),
                port: UInt32(port),
                services: [.largeFrames, .blockServe, .bulkSync]
            )
            return [.version(version), .verack]
        case .getBlocks(let range):
            let start = Int(range.startHeight)
            guard start < hashes.count else { return [.blocks([])] }
            let end = min(hashes.count, start + Int(min(range.count, UInt32(WireLimits.maxBlocksPerGetBlocks))))
            return [.blocks(Array(hashes[start..<end]))]
        case .getData(.hash(let hash)):
            return body(hash).map { [.block($0)] } ?? []
        case .getData(.height(let height)):
            guard Int(height) < hashes.count, let block = body(hashes[Int(height)]) else { return [] }
            return [.block(block)]
        case .getHeaders(let range):
            let start = Int(range.startHeight)
            guard start < headers.count else { return [.headers([])] }
            let end = min(headers.count, start + Int(min(range.count, UInt32(WireLimits.maxHeadersPerMessage))))
            return [.headers(Array(headers[start..<end]))]
        default:
            return []
        }
    }

    private func trace(_ line: String) {
        FileHandle.standardError.write(Data("serving peer: \(line)\n".utf8))
    }

    private func sendAll(_ fd: Int32, _ data: [UInt8]) -> Bool {
        var offset = 0
        while offset < data.count {
            // Safe to force unwrap: offset < count, so the buffer is not empty and has a base address.
            let sent = data.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, data.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }
}
