import NIOCore
import NIOPosix

extension NetNode {
    /// Fills free outbound slots from the candidates this replica owns: not banned, not connected, not being
    /// dialled, not ourselves, due for a retry; a candidate outside every outbound peer's /16 first (spec §9),
    /// loopback exempt.
    func maintainOutbound(now: Double) {
        guard !stopping, serverChannel != nil else { return }
        let outbound = peers.values.filter { $0.connection.direction == .outbound && !$0.connection.isClosed }
        let free = configuration.outboundTarget(replicaCount: replicaCount) - outbound.count - dialling.count
        guard free > 0 else { return }
        let connected = Set(peers.values.map(\.address))
        var groups = Set(outbound.compactMap { $0.dialled?.group })
        groups.formUnion(dialling.map(\.group))
        let wall = clock.wall()
        let due = candidates.filter { endpoint, state in
            ownsCandidate(endpoint) && state.nextAttempt <= now && !connected.contains(endpoint)
                && !dialling.contains(endpoint) && !selfAddresses.contains(endpoint)
                && !bans.isBanned(endpoint.host, now: wall)
        }.keys.sorted()
        let chosen = OutboundPlanner.choose(due: due, usedGroups: groups, free: free)
        for endpoint in chosen { dial(endpoint, now: now) }
    }

    /// Replicas split the candidates by address, so no address is dialled by two of them.
    func ownsCandidate(_ endpoint: PeerEndpoint) -> Bool {
        OutboundPlanner.owns(endpoint, replica: Int(configuration.replica), count: replicaCount)
    }

    private func dial(_ endpoint: PeerEndpoint, now: Double) {
        dialling.insert(endpoint)
        var bootstrap = ClientBootstrap(group: loop)
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelOption(Self.keepAliveIdle, value: Self.keepAliveIdleSeconds)
            .channelOption(Self.keepAliveInterval, value: Self.keepAliveIntervalSeconds)
            .channelOption(Self.keepAliveCount, value: Self.keepAliveProbes)
            .channelOption(Self.userTimeout, value: Self.userTimeoutMilliseconds)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelOption(.writeBufferWaterMark, value: waterMark)
            .connectTimeout(.seconds(10))
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        PeerChannelHandler(node: self, direction: .outbound, dialled: endpoint)
                    )
                }
            }
        if configuration.bindHost != "0.0.0.0", configuration.bindHost != "::",
            let local = try? SocketAddress(ipAddress: configuration.bindHost, port: 0)
        {
            // Dial from our own address, so peers on a local test network see distinct IPs per node.
            bootstrap = bootstrap.bind(to: local)
        }
        bootstrap.connect(host: endpoint.host, port: endpoint.port).whenFailure { error in
            self.dialling.remove(endpoint)
            self.logger.debug(
                "dial failed",
                metadata: [
                    NetLogKeys.address: "\(endpoint)",
                    NetLogKeys.error: "\(error)",
                ]
            )
            self.scheduleRedial(endpoint, now: self.clock.monotonic())
        }
    }

    func scheduleRedial(_ endpoint: PeerEndpoint, now: Double) {
        guard var state = candidates[endpoint] else { return }
        state.nextAttempt = now + state.delay
        state.delay = min(configuration.maxRedialDelay, state.delay * 2)
        candidates[endpoint] = state
    }
}
