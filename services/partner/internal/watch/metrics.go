package watch

import (
	"context"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

const instrumentationScope = "github.com/turnaround-sli/turnaround/services/partner/watch"

// The metrics of the event streams.
const (
	// StreamsMetric is the number of WatchEvents streams open.
	StreamsMetric = "turnaround.partner.watch.streams"
	// RefusedMetric counts streams refused or cut off, by reason
	// (SLOW_CONSUMER, TOO_MANY_STREAMS).
	RefusedMetric = "turnaround.partner.watch.refused"
	// EventsMetric counts events sent on the streams.
	EventsMetric = "turnaround.partner.watch.events"
)

type metrics struct {
	streams metric.Int64UpDownCounter
	refused metric.Int64Counter
	events  metric.Int64Counter
}

func newMetrics(mp metric.MeterProvider) metrics {
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	m := mp.Meter(instrumentationScope)
	var out metrics
	// Creation fails only on invalid names; a failed instrument is a no-op.
	out.streams, _ = m.Int64UpDownCounter(StreamsMetric, metric.WithUnit("{stream}"),
		metric.WithDescription("WatchEvents streams open."))
	out.refused, _ = m.Int64Counter(RefusedMetric, metric.WithUnit("{stream}"),
		metric.WithDescription("WatchEvents streams refused or cut off, by reason."))
	out.events, _ = m.Int64Counter(EventsMetric, metric.WithUnit("{event}"),
		metric.WithDescription("Events sent on WatchEvents streams."))
	return out
}

func (m metrics) refuse(ctx context.Context, reason string) {
	m.refused.Add(ctx, 1, metric.WithAttributes(attribute.String("reason", reason)))
}
