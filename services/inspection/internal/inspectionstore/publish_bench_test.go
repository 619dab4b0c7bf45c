package inspectionstore

import (
	"context"
	"fmt"
	"testing"

	"github.com/turnaround-sli/turnaround/services/inspection/internal/inspection"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// BenchmarkPublish measures the publication use case over real Redis in
// the API's stored form, with a request_id as clients send one, on
// inspections with complete SIF judgements spread across the councils, and
// counts its round trips.
func BenchmarkPublish(b *testing.B) {
	ctx := context.Background()
	f := newFixture(b)
	councils := reference.Councils()
	m, _ := inspection.ParseMask([]string{"judgement"})
	patch := inspection.Inspection{Judgement: sifJudgement(reference.Inadequate, reference.RequiresImprovement)}
	ready := make([]inspection.Inspection, b.N)
	for i := range ready {
		gss := councils[i%len(councils)].GSSCode
		ins, err := f.svc.Schedule(ctx, gss, inspection.Inspection{Framework: inspection.SIF, StartDate: storetest.Day(2015, 9, 7), EndDate: storetest.Day(2015, 9, 28)}, inspector)
		if err != nil {
			b.Fatal(err)
		}
		if ready[i], err = f.svc.Update(ctx, gss, ins.ID, patch, m, change.At(1), inspector); err != nil {
			b.Fatal(err)
		}
	}
	trips := redistest.CountRoundTrips(f.st.Client())
	b.ReportAllocs()
	b.ResetTimer()
	before := trips.Count()
	for i := range b.N {
		r := inspector
		r.RequestID, r.RequestHash = fmt.Sprintf("publish-%d", i), []byte{byte(i)}
		ins := ready[i]
		if _, err := f.svc.PublishAs(ctx, ins.GSSCode, ins.ID, storetest.Day(2015, 11, 20), true, change.At(2), r); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(trips.Count()-before)/float64(b.N), "roundtrips/op")
}
