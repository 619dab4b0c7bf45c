package auditstore

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/oversight/internal/audit"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
)

var (
	actors   = []string{"dfe-1", "dfe-2", "leeds-dcs"}
	methods  = []string{"/m.v1.S/SubmitPlan", "/m.v1.S/ApprovePlan", "/m.v1.S/RaiseConcern", "/m.v1.S/CreateSponsor"}
	councils = []string{"E08000035", "E08000017"}
	base     = time.Date(2016, 1, 4, 9, 0, 0, 0, time.UTC)
)

// trail records n entries spread over actors, methods and councils (and
// records of no council), several to a microsecond, and returns them.
func trail(t *testing.T, svc *audit.Service, n int) []audit.Entry {
	t.Helper()
	var out []audit.Entry
	for i := range n {
		resource := "sponsors/s" + fmt.Sprint(i%5)
		if i%4 != 0 {
			resource = fmt.Sprintf("localAuthorities/%s/improvementPlans/p%d", councils[i%2], i%7)
		}
		e := audit.Entry{
			ID: fmt.Sprintf("ev-%04d", i),
			Audit: change.Audit{
				Actor: actors[i%3], Method: methods[i%4], Resource: resource,
				RequestID: fmt.Sprintf("rq-%d", i%50), Time: base.Add(time.Duration(i/3) * time.Second),
			},
		}
		if _, err := svc.Record(context.Background(), e); err != nil {
			t.Fatal(err)
		}
		e.Council = audit.CouncilOf(resource)
		out = append(out, e)
	}
	return out
}

// newest is what the trail should list: entries of gss ("" for all) that
// match f, newest first, equal times by id descending.
func newest(all []audit.Entry, gss string, f *filter.Filter) []string {
	var out []audit.Entry
	for _, e := range all {
		if (gss == "" || e.Council == gss) && f.Match(e) {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b audit.Entry) int {
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		return -compareStrings(a.ID, b.ID)
	})
	ids := make([]string, len(out))
	for i, e := range out {
		ids[i] = e.ID
	}
	return ids
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Filtered pages of a long trail come from the indexes: each page costs
// the same two round trips however long the trail, the pages together are
// exactly the filtered trail, newest first, and entries recorded while a
// caller pages through are neither repeated nor skipped.
func TestFilteredPagesFromIndexes(t *testing.T) {
	ctx := context.Background()
	c, ks := redistest.New(t)
	hook := redistest.CountRoundTrips(c)
	mark := hook.Count()
	// take is the round trips since the last take.
	take := func() int64 { n := hook.Count() - mark; mark += n; return n }
	svc := audit.NewService(New(store.New(c, ks)))
	all := trail(t, svc, 1200)

	for _, tc := range []struct {
		council, filter string
		complete        bool
	}{
		{"", ``, true},
		{"", `actor = "dfe-2"`, true},
		{"E08000017", `actor = "leeds-dcs"`, true},
		{"", `method = "/m.v1.S/ApprovePlan" AND actor = "dfe-1"`, true},
		{"E08000035", `resource = "localAuthorities/E08000035/improvementPlans/p3" AND time >= "2016-01-04T09:01:00Z" AND time < "2016-01-04T09:04:00Z"`, true},
		{"", `request_id = "rq-7"`, true},
		{"", `time > "2016-01-04T09:05:00Z"`, true},
		{"", `actor = "dfe-1" AND (method = "/m.v1.S/SubmitPlan" OR method = "/m.v1.S/CreateSponsor")`, false},
		{"", `actor = "nobody"`, true},
	} {
		f, err := filter.Compile(tc.filter, audit.FilterSchema)
		if err != nil {
			t.Fatal(err)
		}
		want := newest(all, tc.council, f)
		var got []string
		var after *audit.Cursor
		pages := 0
		_, _ = svc.List(ctx, tc.council, f, nil, 1) // the script is loaded once
		take()
		for {
			p, err := svc.List(ctx, tc.council, f, after, 7)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			if n := take(); tc.complete && n > 2 {
				t.Errorf("%q: page %d took %d round trips, want at most 2", tc.filter, pages, n)
			}
			if tc.complete && p.Total != len(want) {
				t.Errorf("%q: total %d, want %d", tc.filter, p.Total, len(want))
			}
			if !tc.complete && p.Total != -1 {
				t.Errorf("%q: total %d given though the indexes do not answer the filter", tc.filter, p.Total)
			}
			for _, e := range p.Entries {
				got = append(got, e.ID)
			}
			if p.Next == nil {
				break
			}
			after = p.Next
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q in %q: %d entries in %d pages, want %d (first %v, want %v)", tc.filter, tc.council, len(got), pages, len(want), head(got), head(want))
		}
	}

	// A caller on page two while new entries are recorded: the next page
	// carries on where the last ended.
	f, _ := filter.Compile(`actor = "dfe-2"`, audit.FilterSchema)
	first, err := svc.List(ctx, "", f, nil, 10)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := svc.Record(ctx, audit.Entry{ID: fmt.Sprintf("new-%d", i), Audit: change.Audit{Actor: "dfe-2", Method: methods[0],
			Resource: "sponsors/s1", Time: base.Add(time.Hour)}}); err != nil {
			t.Fatal(err)
		}
	}
	second, err := svc.List(ctx, "", f, first.Next, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := newest(all, "", f)
	var got []string
	for _, e := range append(first.Entries, second.Entries...) {
		got = append(got, e.ID)
	}
	if !slices.Equal(got, want[:20]) {
		t.Errorf("pages across new entries: %v, want %v", got, want[:20])
	}
	// A redelivered entry is not indexed twice.
	if created, err := svc.Record(ctx, all[3]); err != nil || created {
		t.Errorf("a redelivery was recorded again: %v, %v", created, err)
	}
}

func head(ids []string) []string { return ids[:min(len(ids), 5)] }
