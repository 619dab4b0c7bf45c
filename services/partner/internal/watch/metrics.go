package watch

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/turnaround-sli/turnaround/services/platform/telemetry"
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
	m := telemetry.NewMeter(mp, instrumentationScope)
	return metrics{
		streams: m.UpDownCounter(StreamsMetric, "{stream}", "WatchEvents streams open."),
		refused: m.Counter(RefusedMetric, "{stream}", "WatchEvents streams refused or cut off, by reason."),
		events:  m.Counter(EventsMetric, "{event}", "Events sent on WatchEvents streams."),
	}
}

func (m metrics) refuse(ctx context.Context, reason string) {
	m.refused.Add(ctx, 1, metric.WithAttributes(attribute.String("reason", reason)))
}
