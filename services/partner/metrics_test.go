package partner_test

import (
	"context"
	"net/http"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"google.golang.org/grpc/codes"

	partnerv1 "github.com/turnaround-sli/turnaround/proto/turnaround/partner/v1"
	"github.com/turnaround-sli/turnaround/services/partner"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
)

// sums reads every counter's value by metric name and attribute value.
func sums(t *testing.T, reader *sdkmetric.ManualReader) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					key := m.Name
					for _, kv := range p.Attributes.ToSlice() {
						key += " " + kv.Value.AsString()
					}
					out[key] += p.Value
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					out[m.Name] += int64(p.Count)
				}
			}
		}
	}
	return out
}

func TestDeliveriesAndStreamsAreMeasured(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	r := newReceiver(t, func(n int, _ []byte) int {
		if n == 0 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	e := newEnv(t, r.trust, func(d *partner.Deps) {
		d.Delivery.MeterProvider, d.Watch.MeterProvider = mp, mp
		d.Watch.MaxStreams = 1
	})
	// The stream first: its marker event comes before the subscription,
	// which takes only the events from its creation on.
	w := e.open(rpctest.Partner, "JudgementPublished")
	sub := e.subscribe(rpctest.Partner, r.srv.URL, []string{"JudgementPublished"})
	refused, err := e.client.WatchEvents(rpctest.As(t, rpctest.Partner), &partnerv1.WatchEventsRequest{})
	if err == nil {
		_, err = refused.Recv()
	}
	rpctest.ExpectError(t, "a second stream", err, codes.ResourceExhausted, "TOO_MANY_STREAMS")
	e.publish(judgement(leeds, "measured"))
	w.next(t)
	r.next(t)
	r.next(t)
	waitDelivery(t, e, rpctest.Partner, sub.GetName(), partnerv1.Delivery_STATE_SUCCEEDED)
	got := sums(t, reader)
	for key, want := range map[string]int64{
		"turnaround.partner.webhook.attempts failure":       1,
		"turnaround.partner.webhook.attempts success":       1,
		"turnaround.partner.webhook.latency":                1,
		"turnaround.partner.watch.events":                   2, // the marker and the event
		"turnaround.partner.watch.streams":                  1,
		"turnaround.partner.watch.refused TOO_MANY_STREAMS": 1,
	} {
		if got[key] != want {
			t.Errorf("%s = %d, want %d (all: %v)", key, got[key], want, got)
		}
	}
}
