package delivery

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/turnaround-sli/turnaround/services/platform/telemetry"
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
	m := telemetry.NewMeter(mp, instrumentationScope)
	return metrics{
		attempts: m.Counter(AttemptsMetric, "{attempt}", "Webhook delivery attempts, by outcome (success, failure)."),
		dead:     m.Counter(DeadLettersMetric, "{delivery}", "Webhook deliveries dead-lettered after the maximum age."),
		latency:  m.Histogram(LatencyMetric, "s", "Time from an event's publication to its successful webhook delivery."),
	}
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
