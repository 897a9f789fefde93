import Foundation

/// The settings of bloom-net that a configuration reload (`SIGHUP`) changes in a running node.
public struct NetReloadableSettings: Equatable, Sendable {
    /// Peers to keep connected.
    public var connect: [PeerEndpoint]
    /// Outbound connections all replicas together aim for.
    public var maxOutbound: Int
    /// Inbound connections this replica accepts.
    public var maxInbound: Int
    /// Seconds a new ban lasts.
    public var banTime: Double

    /// Creates the settings.
    public init(connect: [PeerEndpoint], maxOutbound: Int, maxInbound: Int, banTime: Double) {
        self.connect = connect
        self.maxOutbound = maxOutbound
        self.maxInbound = maxInbound
        self.banTime = banTime
    }
}

extension NetNode {
    /// Applies reloaded settings on the loop. A peer added to the connect list is dialled (if this replica owns
    /// it); one removed is no longer redialled, but a connection to it stays until it ends. Lower limits close
    /// nothing: they hold back new connections until the counts are under them. A new ban time applies to the
    /// next ban, not to bans in force.
    public func apply(reloaded settings: NetReloadableSettings) {
        onLoop {
            let removed = Set(self.configuration.connect).subtracting(settings.connect)
            for endpoint in removed { self.candidates[endpoint] = nil }
            self.configuration.connect = settings.connect
            self.configuration.maxOutbound = settings.maxOutbound
            self.configuration.maxInbound = settings.maxInbound
            self.configuration.banTime = settings.banTime
            for endpoint in settings.connect where self.candidates[endpoint] == nil {
                self.candidates[endpoint] = DialState(nextAttempt: 0, delay: self.configuration.redialDelay)
            }
            self.logger.notice(
                "reloaded settings applied",
                metadata: [
                    "bloom.connect": "\(settings.connect.map { "\($0)" })",
                    "bloom.max_outbound": "\(settings.maxOutbound)", "bloom.max_inbound": "\(settings.maxInbound)",
                    "bloom.ban_time": "\(settings.banTime)",
                ]
            )
            self.maintainOutbound(now: self.clock.monotonic())
        }
    }
}
