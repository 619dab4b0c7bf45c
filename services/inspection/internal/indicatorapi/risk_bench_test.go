package indicatorapi

import (
	"context"
	"testing"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
)

// BenchmarkGetRiskAssessment measures one council's explained assessment
// over real Redis with every council's set of one period imported: the
// handler called in process (one call at a time, and many at once, as a
// loaded server serves them) and through gRPC with the interceptor chain.
func BenchmarkGetRiskAssessment(b *testing.B) {
	h := newHarness(b)
	h.seedSets(b, nil)
	req := &inspectionv1.GetRiskAssessmentRequest{Name: resource.CouncilName(leeds) + "/riskAssessment"}
	check := func(b *testing.B, resp *inspectionv1.RiskAssessment, err error) {
		if err != nil || len(resp.GetFactors()) == 0 {
			b.Fatalf("%d factors, %v", len(resp.GetFactors()), err)
		}
	}
	ctx := auth.NewContext(context.Background(), principals["lga"])
	b.Run("handler", func(b *testing.B) {
		b.ReportAllocs()
		before := h.trips.Count()
		for b.Loop() {
			resp, err := h.handler.GetRiskAssessment(ctx, req)
			check(b, resp, err)
		}
		b.ReportMetric(float64(h.trips.Count()-before)/float64(b.N), "roundtrips/op")
	})
	b.Run("handler_parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.SetParallelism(8)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				resp, err := h.handler.GetRiskAssessment(ctx, req)
				check(b, resp, err)
			}
		})
	})
	b.Run("grpc", func(b *testing.B) {
		b.ReportAllocs()
		gctx := h.as("lga")
		for b.Loop() {
			resp, err := h.client.GetRiskAssessment(gctx, req)
			check(b, resp, err)
		}
	})
}
