package sponsorstore

import (
	"context"
	"fmt"
	"testing"

	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsor"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsorapi"
)

// BenchmarkCreateSponsor measures the create use case over real Redis in
// the API's stored form, with a request_id as clients send one, and counts
// its round trips.
func BenchmarkCreateSponsor(b *testing.B) {
	st := rpctest.NewStore(b)
	trips := redistest.CountRoundTrips(st.Client())
	codec := store.ProtoCodec(func() *sponsorv1.Sponsor { return new(sponsorv1.Sponsor) }, sponsorapi.ToStored, sponsorapi.FromStored)
	svc := sponsor.NewService(New(st, codec), nil)
	ctx := context.Background()
	sp := tri()
	sp.ID = ""
	b.ReportAllocs()
	before := trips.Count()
	i := 0
	for b.Loop() {
		i++
		r := official
		r.RequestID = fmt.Sprintf("bench-%d", i)
		if _, err := svc.Create(ctx, sp, "", r); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(trips.Count()-before)/float64(b.N), "roundtrips/op")
}
