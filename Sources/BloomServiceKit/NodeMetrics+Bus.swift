import BloomBus

extension NodeMetrics {
    /// Exports `bus`'s own counters at every snapshot: `bloom_bus_messages_total{direction}` and
    /// `bloom_bus_dropped_total` (sequence gaps seen plus publishes refused by a full queue).
    public func collect(_ bus: BusClient) {
        addCollector { [weak bus] in
            guard let bus else { return "" }
            let stats = bus.statistics
            return """
                # TYPE \(MetricNames.busMessages) counter
                \(MetricNames.busMessages){direction="published"} \(stats.published)
                \(MetricNames.busMessages){direction="received"} \(stats.received)
                # TYPE \(MetricNames.busDropped) counter
                \(MetricNames.busDropped) \(stats.dropped + stats.droppedPublishes)

                """
        }
    }
}
