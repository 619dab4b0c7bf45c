package councilapi_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/council"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/councilapi"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/councilstore"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/servertest"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// server serves the council handlers alone, as the service's composite
// server does; every other method of the service is unimplemented.
type server struct {
	servertest.Fallback
	*councilapi.Councils
}

func newClient(t *testing.T) inspectionv1.InspectionServiceClient { return newClientB(t) }

func newClientB(t testing.TB) inspectionv1.InspectionServiceClient {
	t.Helper()
	st := rpctest.NewStore(t)
	codec := rpctest.Codec(councilapi.ToProto, councilapi.FromStored)
	councils := councilstore.NewCouncils(st, codec)
	if _, err := councils.Seed(context.Background(), reference.Councils()); err != nil {
		t.Fatal(err)
	}
	h := councilapi.New(council.NewService(councils), rpctest.NewPages(t))
	return rpctest.Client(t, councilapi.Policies, &inspectionv1.InspectionService_ServiceDesc,
		server{Councils: h}, inspectionv1.NewInspectionServiceClient)
}

func TestListLocalAuthoritiesPagesThroughTheRegister(t *testing.T) {
	c := newClient(t)
	ctx := rpctest.As(t, rpctest.Partner)
	var names []string
	token := ""
	for range 10 {
		resp, err := c.ListLocalAuthorities(ctx, &inspectionv1.ListLocalAuthoritiesRequest{PageSize: 50, PageToken: token, OrderBy: "gss_code"})
		if err != nil {
			t.Fatal(err)
		}
		if int(resp.GetTotalSize()) != len(reference.Councils()) {
			t.Errorf("total_size %d, want %d", resp.GetTotalSize(), len(reference.Councils()))
		}
		for _, la := range resp.GetLocalAuthorities() {
			names = append(names, la.GetGssCode())
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	if len(names) != len(reference.Councils()) || !slices.IsSorted(names) || len(slices.Compact(slices.Clone(names))) != len(names) {
		t.Errorf("paging by gss_code gave %d councils (sorted %v), want every one of %d once, in order", len(names), slices.IsSorted(names), len(reference.Councils()))
	}
}

func TestListLocalAuthoritiesFilters(t *testing.T) {
	c := newClient(t)
	ctx := rpctest.As(t, rpctest.Official)
	resp, err := c.ListLocalAuthorities(ctx, &inspectionv1.ListLocalAuthoritiesRequest{Filter: `region = "REGION_LONDON"`, PageSize: 200})
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, la := range reference.Councils() {
		if la.Region == reference.London {
			want++
		}
	}
	if want == 0 || len(resp.GetLocalAuthorities()) != want || int(resp.GetTotalSize()) != want {
		t.Errorf("London councils: %d listed, total %d, want %d", len(resp.GetLocalAuthorities()), resp.GetTotalSize(), want)
	}
	for _, la := range resp.GetLocalAuthorities() {
		if la.GetRegion().String() != "REGION_LONDON" {
			t.Errorf("%s of %v in a London list", la.GetName(), la.GetRegion())
		}
	}
}

func TestListLocalAuthoritiesRefusesBadRequests(t *testing.T) {
	c := newClient(t)
	ctx := rpctest.As(t, rpctest.Official)
	_, err := c.ListLocalAuthorities(ctx, &inspectionv1.ListLocalAuthoritiesRequest{PageSize: -1, Filter: "colour = red", OrderBy: "zzz"})
	rpctest.ExpectError(t, "a list with a bad page size, filter and order", err, codes.InvalidArgument, "", "filter", "order_by", "page_size")

	first, err := c.ListLocalAuthorities(ctx, &inspectionv1.ListLocalAuthoritiesRequest{PageSize: 10, Filter: `region = "REGION_LONDON"`})
	if err != nil || first.GetNextPageToken() == "" {
		t.Fatalf("first London page: %v (token %q)", err, first.GetNextPageToken())
	}
	_, err = c.ListLocalAuthorities(ctx, &inspectionv1.ListLocalAuthoritiesRequest{PageSize: 10, Filter: `region = "REGION_SOUTH_EAST"`, PageToken: first.GetNextPageToken()})
	rpctest.ExpectError(t, "a London page token with another filter", err, codes.InvalidArgument, "", "page_token")
	_, err = c.ListLocalAuthorities(ctx, &inspectionv1.ListLocalAuthoritiesRequest{PageSize: 10, Filter: `region = "REGION_LONDON"`, OrderBy: "gss_code", PageToken: first.GetNextPageToken()})
	rpctest.ExpectError(t, "a London page token with another order", err, codes.InvalidArgument, "", "page_token")
}

// TestReadsShowEveryWrite reads a council, records a judgement on it
// through the store, and reads it again, alone and in a list: each read
// renders the council as it now stands, and an earlier answer is unchanged.
func TestReadsShowEveryWrite(t *testing.T) {
	bg := context.Background()
	st := rpctest.NewStore(t)
	codec := rpctest.Codec(councilapi.ToProto, councilapi.FromStored)
	councils := councilstore.NewCouncils(st, codec)
	if _, err := councils.Seed(bg, reference.Councils()); err != nil {
		t.Fatal(err)
	}
	h := councilapi.New(council.NewService(councils), rpctest.NewPages(t))
	c := rpctest.Client(t, councilapi.Policies, &inspectionv1.InspectionService_ServiceDesc,
		server{Councils: h}, inspectionv1.NewInspectionServiceClient)
	ctx := rpctest.As(t, rpctest.Official)
	const gss = "E08000035"
	get := &inspectionv1.GetLocalAuthorityRequest{Name: "localAuthorities/" + gss}
	list := &inspectionv1.ListLocalAuthoritiesRequest{Filter: "latest_grade = GRADE_GOOD", PageSize: 200}

	before, err := c.GetLocalAuthority(ctx, get)
	if err != nil || before.GetLatestJudgement() != nil {
		t.Fatalf("before: %v, %v", before, err)
	}
	if again, err := c.GetLocalAuthority(ctx, get); err != nil || !proto.Equal(again, before) {
		t.Fatalf("read again: %v, %v; want %v", again, err, before)
	}
	if resp, err := c.ListLocalAuthorities(ctx, list); err != nil || len(resp.GetLocalAuthorities()) != 0 {
		t.Fatalf("good councils before: %v, %v", resp, err)
	}
	// The message the handler answered with, which later answers may share.
	answered, err := h.GetLocalAuthority(bg, get)
	if err != nil {
		t.Fatal(err)
	}
	kept := proto.Clone(answered)

	la, err := councils.Get(bg, gss)
	if err != nil {
		t.Fatal(err)
	}
	published := time.Date(2015, 6, 1, 0, 0, 0, 0, time.UTC)
	la = la.WithJudgement(council.LatestJudgement{Inspection: "localAuthorities/" + gss + "/inspections/x", Framework: "SIF", OverallGrade: reference.Good, PublishDate: published})
	w, err := councils.Write(la)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Commit(bg, store.Mutation{Tag: keyspace.CouncilTag(gss), Writes: []store.Write{w}}); err != nil {
		t.Fatal(err)
	}
	la.Version++

	after, err := c.GetLocalAuthority(ctx, get)
	if err != nil {
		t.Fatal(err)
	}
	if want := councilapi.ToProto(la); !proto.Equal(after, want) || after.GetEtag() == before.GetEtag() {
		t.Errorf("after the judgement: %v, want %v", after, want)
	}
	resp, err := c.ListLocalAuthorities(ctx, list)
	if err != nil || len(resp.GetLocalAuthorities()) != 1 || !proto.Equal(resp.GetLocalAuthorities()[0], after) {
		t.Errorf("good councils after: %v, %v; want %v alone", resp, err, after)
	}
	if !proto.Equal(answered, kept) {
		t.Errorf("an earlier answer changed: %v, was %v", answered, kept)
	}
}

// BenchmarkGetLocalAuthority reads one council through the real interceptor
// chain on a real Redis: the CPU a read costs besides the round trip.
func BenchmarkGetLocalAuthority(b *testing.B) {
	c := newClientB(b)
	ctx := rpctest.As(b, rpctest.Official)
	req := &inspectionv1.GetLocalAuthorityRequest{Name: "localAuthorities/E08000035"}
	b.ReportAllocs()
	// Fifty callers at once on two CPUs, as make bench drives the service.
	b.SetParallelism(25)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.GetLocalAuthority(ctx, req); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkListLocalAuthorities reads a page of 50 councils through the
// real interceptor chain on a real Redis.
func BenchmarkListLocalAuthorities(b *testing.B) {
	c := newClientB(b)
	ctx := rpctest.As(b, rpctest.Official)
	req := &inspectionv1.ListLocalAuthoritiesRequest{PageSize: 50}
	b.ReportAllocs()
	b.SetParallelism(25)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.ListLocalAuthorities(ctx, req); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
