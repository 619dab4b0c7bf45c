package delivery

import (
	"context"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// instrumentationScope names the delivery worker's meter.
const instrumentationScope = "github.com/turnaround-sli/turnaround/services/partner/delivery"

// The metrics of webhook delivery.
const (
	// AttemptsMetric counts attempts by outcome: success, failure.
	AttemptsMetric = "turnaround.partner.webhook.attempts"
	// DeadLettersMetric counts deliveries given up after the maximum age.
	DeadLettersMetric = "turnaround.partner.webhook.dead_letters"
	// LatencyMetric is the time from an event's publication to its
	// successful delivery.
	LatencyMetric = "turnaround.partner.webhook.latency"
)

type metrics struct {
	attempts metric.Int64Counter
	dead     metric.Int64Counter
	latency  metric.Float64Histogram
}

func newMetrics(mp metric.MeterProvider) metrics {
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	m := mp.Meter(instrumentationScope)
	var out metrics
	// Instrument creation fails only on invalid names, which these are not;
	// a failed instrument is a no-op one.
	out.attempts, _ = m.Int64Counter(AttemptsMetric, metric.WithUnit("{attempt}"),
		metric.WithDescription("Webhook delivery attempts, by outcome (success, failure)."))
	out.dead, _ = m.Int64Counter(DeadLettersMetric, metric.WithUnit("{delivery}"),
		metric.WithDescription("Webhook deliveries dead-lettered after the maximum age."))
	out.latency, _ = m.Float64Histogram(LatencyMetric, metric.WithUnit("s"),
		metric.WithDescription("Time from an event's publication to its successful webhook delivery."))
	return out
}

func (m metrics) attempt(ctx context.Context, ok bool) {
	outcome := "failure"
	if ok {
		outcome = "success"
	}
	m.attempts.Add(ctx, 1, metric.WithAttributes(attribute.String("outcome", outcome)))
}

func (m metrics) delivered(ctx context.Context, since time.Duration) {
	m.latency.Record(ctx, since.Seconds())
}

func (m metrics) deadLettered(ctx context.Context) { m.dead.Add(ctx, 1) }
