package council

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// memoryStore is a Storer over a slice, returning a fresh copy each time in
// an order that changes from call to call, as a store's set does.
type memoryStore struct {
	all   []LocalAuthority
	calls int
}

func (m *memoryStore) Get(context.Context, string) (LocalAuthority, error) {
	return LocalAuthority{}, ErrNotFound
}

func (m *memoryStore) All(context.Context) ([]LocalAuthority, error) {
	m.calls++
	out := slices.Clone(m.all)
	if m.calls%2 == 0 {
		slices.Reverse(out)
	}
	return out, nil
}

func (m *memoryStore) Seed(context.Context, []reference.Council) (int, error) { return 0, nil }

// TestListFollowsEveryChange lists through a Service, which keeps its
// selections per state of the councils: each list is what Select returns
// for the councils as they stand, after a council changes, after another is
// added, and for every filter and order asked, in turn and again.
func TestListFollowsEveryChange(t *testing.T) {
	ctx := context.Background()
	st := &memoryStore{all: councils()}
	svc := NewService(st)
	type query struct{ filter, order string }
	queries := []query{
		{"", ""}, {"", "display_name desc"}, {`region = LONDON`, "gss_code"},
		{`latest_grade = GOOD`, ""}, {`inspected_under_sif = true`, "display_name desc"},
	}
	check := func(when string) {
		t.Helper()
		for range 2 {
			for _, q := range queries {
				f, err := filter.Compile(q.filter, FilterSchema)
				if err != nil {
					t.Fatal(err)
				}
				o, err := filter.ParseOrderBy(q.order, OrderFields, DefaultOrder)
				if err != nil {
					t.Fatal(err)
				}
				got, err := svc.List(ctx, f, o)
				if err != nil {
					t.Fatal(err)
				}
				if want := Select(st.all, f, o); !reflect.DeepEqual(got, want) {
					t.Errorf("%s: List(%q, %q) holds %d councils, want %d as Select gives", when, q.filter, q.order, len(got), len(want))
				}
			}
		}
	}
	check("at the start")

	// Leeds gets a judgement: a new version of one council.
	i := slices.IndexFunc(st.all, func(la LocalAuthority) bool { return la.GSSCode == "E08000035" })
	st.all[i] = st.all[i].WithJudgement(LatestJudgement{Framework: "SIF", OverallGrade: reference.Good, PublishDate: time.Date(2015, 6, 1, 0, 0, 0, 0, time.UTC)})
	st.all[i].Version++
	check("after a judgement")

	// A council added, named to sort first.
	st.all = append(st.all, LocalAuthority{Council: reference.Council{
		GSSCode: "E06999999", Name: "Aardvark", Type: reference.Unitary, Region: reference.London,
	}, Version: 1})
	check("after a council is added")
}

// BenchmarkList lists the 152 councils in the default order, the councils
// unchanged between calls.
func BenchmarkList(b *testing.B) {
	ctx := context.Background()
	svc := NewService(&memoryStore{all: councils()})
	o, err := filter.ParseOrderBy("", OrderFields, DefaultOrder)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.List(ctx, nil, o); err != nil {
			b.Fatal(err)
		}
	}
}
