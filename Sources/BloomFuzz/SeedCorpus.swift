import BloomBus
import BloomCore
import BloomWire
import Foundation

/// The starting inputs of each target: values built here with the same constructors the tests use, and every
/// relevant byte string of the reference's vectors (`$BLOOM_VECTORS`). `Scripts/fuzz` writes them into a
/// git-ignored directory before a run; libFuzzer then mutates from there.
public enum SeedCorpus {
    /// The seeds for every target, by target name.
    /// - Parameters:
    ///   - vectors: the vectors directory, or nil to use only the built-in seeds.
    ///   - services: the `Services/` directory (seeds for `service-definition`), or nil.
    public static func all(vectors: String?, services: String?) -> [String: [[UInt8]]] {
        var seeds = builtIn()
        if let vectors {
            for (target, inputs) in fromVectors(vectors) { seeds[target, default: []] += inputs }
        }
        if let services, let files = try? FileManager.default.contentsOfDirectory(atPath: services) {
            for file in files.sorted() where file.hasSuffix(".toml") {
                if let data = FileManager.default.contents(atPath: services + "/" + file) {
                    seeds["service-definition", default: []].append(Array(data))
                }
            }
        }
        return seeds
    }

    /// Writes each target's seeds to `directory/<target>/<hash>`; returns how many files were written.
    public static func write(_ seeds: [String: [[UInt8]]], to directory: String) throws -> Int {
        var written = 0
        for (target, inputs) in seeds {
            let folder = directory + "/" + target
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for input in inputs {
                let name = SHA256d.hash(input).hex.prefix(16)
                try Data(input).write(to: URL(fileURLWithPath: folder + "/seed-" + name))
                written += 1
            }
        }
        return written
    }

    // MARK: Built-in seeds

    static func builtIn() -> [String: [[UInt8]]] {
        let genesis = Genesis.block()
        let hashA = SHA256d.hash(Array("a".utf8))
        let hashB = SHA256d.hash(Array("b".utf8))
        let coinbase = Transaction.coinbase(height: 1, address: hashA, fees: 0, extraData: [1, 2, 3])
        let messages: [PeerMessage] = [
            .version(VersionMessage(height: 5, timestamp: 1_700_000_000, port: 7618)),
            .version(VersionMessage(height: 0, timestamp: 0, port: 1, services: nil)),
            .verack,
            .getBlocks(HeightRange(startHeight: 1, count: 500)),
            .blocks([hashA, hashB]),
            .getData(.hash(hashA)),
            .getData(.height(3)),
            .block(genesis.serialized()),
            .tx(coinbase.serialized()),
            .phase(PhaseMessage(r: 0.5, psi: 1, phases: [0.1, 0.2, 0.3])),
            .getPhase,
            .coherence(CoherenceMessage(r: Float(0.9), psi: Float(1))),
            .bloom(genesis.certificate.encoded()),
            .getHeaders(HeightRange(startHeight: 0, count: 2000)),
            .headers([genesis.header.encoded()]),
            .getBlockData([hashA]),
            .notFound([hashB]),
        ]
        var seeds: [String: [[UInt8]]] = [:]
        var stream: [UInt8] = []
        for message in messages {
            let payload = message.encodedPayload()
            seeds[payloadTarget(message.type), default: []].append(payload)
            seeds["message", default: []].append([message.type.rawValue, UInt8(ServiceFlags.node.rawValue)] + payload)
            if let frame = try? FrameEncoder(largeFramesNegotiated: true).frame(message) { stream += frame }
        }
        // Chunked as one byte, then small and large chunks; plain and negotiated.
        seeds["frame", default: []] += [[0, 0, 0] + stream, [1, 7, 0] + stream, [2, 200, 1] + stream]
        seeds["block", default: []].append(genesis.serialized())
        seeds["tx", default: []].append(coinbase.serialized())

        let tip = ChainTip(height: 1, hash: hashA, parentHash: genesis.hash, certificateHash: hashB)
        let peer = PeerID(rawValue: 9)
        let envelope = Envelope(kind: .event, sender: SenderID(service: ServiceKind(rawValue: 1), replica: 0, bootID: 3),
                                sequence: 1, peerID: peer, requestID: 0)
        seeds["bus-envelope"] = [envelope.encoded()]
        let topic = Topic("chain.tip").frame
        seeds["bus-message"] = [[UInt8(topic.count)] + topic + envelope.encoded() + tip.encoded()]
        seeds["bus-chain-tip"] = [tip.encoded()]
        seeds["bus-heartbeat"] = [
            Heartbeat(service: "bloom-net", replica: 0, pid: 4321, bootID: 7, state: .ready, tip: tip).encoded(),
            Heartbeat(service: "bloom-sync", replica: 1, pid: 1, bootID: 0, state: .starting).encoded(),
        ]
        seeds["bus-p2p-in"] = [P2PIn(payload: [1, 2, 3]).encoded()]
        seeds["bus-p2p-out"] = [
            P2POut(messageType: 0x20, target: .all, payload: [4, 5]).encoded(),
            P2POut(messageType: 0x13, target: .peer(peer), payload: []).encoded(),
            P2POut(messageType: 0x30, target: .allExcept(peer), payload: [6]).encoded(),
        ]
        seeds["bus-p2p-ctl"] = [
            P2PControl.penalise(peer: peer, points: 1, reason: "bad phase").encoded(),
            P2PControl.disconnect(peer: peer, reason: "bye").encoded(),
            P2PControl.ban(.ip("127.0.0.1"), seconds: 60, reason: "flood").encoded(),
            P2PControl.ban(.peer(peer), seconds: 60, reason: "flood").encoded(),
            P2PControl.connect(address: "127.0.0.1:7618").encoded(),
        ]
        seeds["bus-p2p-peer"] = [
            PeerEvent.connected(.init(peer: peer, address: "127.0.0.1:7618", direction: .inbound, version: 1,
                                      height: 5, services: 7, listenPort: 7618)).encoded(),
            PeerEvent.disconnected(peer: peer, reason: "handshake_timeout").encoded(),
        ]
        seeds["bus-gossip-sealed"] = [
            GossipSealed(prevHash: genesis.hash, nonce: 3, orderParameter: 0.9, meanPhase: 1, oscillatorCount: 63,
                         certificate: genesis.certificate.encoded()).encoded(),
        ]
        seeds["bus-gossip-score"] = [GossipScore(peer: peer, score: 0.75).encoded()]
        seeds["bus-p2p-flow"] = [P2PFlow(peer: peer, state: .open).encoded()]
        seeds["bus-gossip-expect"] = [GossipExpect(announcer: peer, certificateHash: hashA).encoded()]
        seeds["bus-replicas"] = [ServiceReplicas(counts: ["bloom-net": 2, "bloom-sync": 1]).encoded()]
        seeds["bus-query"] = [ServiceQuery(json: Array(#"{"id":1,"cmd":"peers","args":{}}"#.utf8)).encoded()]
        seeds["bus-reply"] = [ServiceReply(json: Array(#"{"peers":[]}"#.utf8)).encoded()]
        seeds["bus-hello"] = [[]]

        seeds["config"] = [
            Array("port = 7618\nconnect = [\"127.0.0.1:7619\"]\nmine = true\nlog-level = \"debug\"\n".utf8),
            Array("# comment\nmin-block-interval = 1.5\nmax-inbound = 3\nban-time = 60\n".utf8),
        ]
        seeds["control"] = [
            Array(#"{"id":1,"cmd":"status"}"#.utf8),
            Array(#"{"id":"x","cmd":"restart","args":{"service":"bloom-net","replica":0}}"#.utf8),
            Array(#"{"id":2,"cmd":"tx.submit","args":{"hex":"00ff"}}"#.utf8),
        ]
        return seeds
    }

    /// The payload target of a message type (BLOCK, TX and BLOOM go to the targets that decode their contents).
    static func payloadTarget(_ type: MessageType) -> String {
        switch type {
        case .block: "block"
        case .tx: "tx"
        case .bloom: "bloom"
        default: (type.name ?? "message").lowercased()
        }
    }

    // MARK: Vectors

    /// Every hex string of the vectors that one of the decoders reads, routed by file and key.
    static func fromVectors(_ directory: String) -> [String: [[UInt8]]] {
        var seeds: [String: [[UInt8]]] = [:]
        func add(_ target: String, _ hex: Any?) {
            if let hex = hex as? String, let bytes = [UInt8](hex: hex) { seeds[target, default: []].append(bytes) }
        }
        func load(_ file: String) -> Any? {
            guard let data = FileManager.default.contents(atPath: directory + "/" + file) else { return nil }
            return try? JSONSerialization.jsonObject(with: data)
        }
        // Walks every dictionary of a document, with the key it was found under.
        func walk(_ value: Any?, under key: String, _ visit: (String, [String: Any]) -> Void) {
            if let dictionary = value as? [String: Any] {
                visit(key, dictionary)
                for (child, inner) in dictionary { walk(inner, under: child, visit) }
            } else if let array = value as? [Any] {
                for inner in array { walk(inner, under: key, visit) }
            }
        }
        walk(load("messages.json"), under: "") { _, entry in
            if let type = entry["type"] as? Int, let code = UInt8(exactly: type), let payload = entry["payload"] {
                let messageType = MessageType(rawValue: code)
                add(messageType.isKnown ? payloadTarget(messageType) : "message", payload)
                if let bytes = (payload as? String).flatMap({ [UInt8](hex: $0) }) {
                    seeds["message", default: []].append([code, UInt8(ServiceFlags.node.rawValue)] + bytes)
                }
            }
            if let frame = entry["frame"] as? String, let bytes = [UInt8](hex: frame) {
                seeds["frame", default: []].append([1, 0, 0] + bytes)
                seeds["frame", default: []].append([0, 3, 0] + bytes)
            }
        }
        walk(load("block_cases.json"), under: "") { _, entry in add("block", entry["block"]) }
        walk(load("chain.json"), under: "") { _, entry in
            add("block", entry["block"])
            add("bloom", entry["certificate"])
            for tx in entry["transactions"] as? [Any] ?? [] { add("tx", tx) }
        }
        walk(load("genesis.json"), under: "") { _, entry in
            add("block", entry["block"])
            add("bloom", entry["certificate"])
        }
        walk(load("certificates.json"), under: "") { _, entry in add("bloom", entry["bytes"]) }
        walk(load("transactions.json"), under: "") { _, entry in
            add("tx", entry["serialized"])
            add("tx", entry["bytes"])
        }
        walk(load("phase_gossip.json"), under: "") { key, entry in
            switch key {
            case "phase", "malformed_phase": add("phase", entry["payload"])
            case "coherence": add("coherence", entry["payload"])
            default: break
            }
        }
        walk(load("headers.json"), under: "") { _, entry in
            for field in ["header", "bytes"] {
                if let hex = entry[field] as? String, let bytes = [UInt8](hex: hex) {
                    seeds["headers", default: []].append([1, 0, 0, 0] + bytes)
                }
            }
        }
        return seeds
    }
}
