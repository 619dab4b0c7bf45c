package concern

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
)

func TestRecommendationLifecycle(t *testing.T) {
	at := time.Date(2015, 12, 1, 10, 0, 0, 0, time.FixedZone("BST", 3600))
	start := time.Date(2015, 12, 7, 0, 0, 0, 0, time.UTC)
	sched := Schedule{Start: start, End: start.AddDate(0, 0, 4)}
	rec := func(s State) Recommendation {
		return Recommendation{GSSCode: "E08000035", ID: "r1", Rule: siw, Concerns: []string{"a", "b"}, State: s, Version: 3}
	}
	accept := func(r Recommendation) (Recommendation, error) {
		return r.Accept(Decision{By: "inspector-1", At: at, Rationale: "risk to children"}, sched)
	}
	dismiss := func(r Recommendation) (Recommendation, error) {
		return r.Dismiss(Decision{By: "inspector-2", At: at, Rationale: "already under a monitoring visit"})
	}
	tests := []struct {
		name   string
		from   State
		act    func(Recommendation) (Recommendation, error)
		to     State
		kind   fault.Kind // of the error; 0 when the transition succeeds
		by     string
		reason string
	}{
		{"accept pending", Pending, accept, Accepted, 0, "inspector-1", ""},
		{"dismiss pending", Pending, dismiss, Dismissed, 0, "inspector-2", ""},
		{"accept accepted", Accepted, accept, "", fault.KindFailedPrecondition, "", ReasonNotPending},
		{"dismiss accepted", Accepted, dismiss, "", fault.KindFailedPrecondition, "", ReasonNotPending},
		{"accept dismissed", Dismissed, accept, "", fault.KindFailedPrecondition, "", ReasonNotPending},
		{"dismiss dismissed", Dismissed, dismiss, "", fault.KindFailedPrecondition, "", ReasonNotPending},
		{"accept without dates", Pending, func(r Recommendation) (Recommendation, error) {
			return r.Accept(Decision{By: "i", At: at}, Schedule{})
		}, "", fault.KindInvalid, "", ""},
		{"accept with the end before the start", Pending, func(r Recommendation) (Recommendation, error) {
			return r.Accept(Decision{By: "i", At: at}, Schedule{Start: start, End: start.AddDate(0, 0, -1)})
		}, "", fault.KindInvalid, "", ""},
		{"accept a one-day inspection without a rationale", Pending, func(r Recommendation) (Recommendation, error) {
			return r.Accept(Decision{By: "i", At: at}, Schedule{Start: start, End: start})
		}, Accepted, 0, "i", ""},
		{"dismiss without a rationale", Pending, func(r Recommendation) (Recommendation, error) {
			return r.Dismiss(Decision{By: "i", At: at, Rationale: "  "})
		}, "", fault.KindInvalid, "", ""},
		{"invalid input is reported before the state", Dismissed, func(r Recommendation) (Recommendation, error) {
			return r.Dismiss(Decision{By: "i", At: at})
		}, "", fault.KindInvalid, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := rec(tt.from)
			got, err := tt.act(before)
			if tt.kind != 0 {
				f, ok := fault.As(err)
				if !ok || f.Kind != tt.kind || (tt.reason != "" && f.Reason != tt.reason) {
					t.Fatalf("err = %v, want kind %d reason %q", err, tt.kind, tt.reason)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.State != tt.to || got.DecidedBy != tt.by || !got.DecideTime.Equal(at) || got.DecideTime.Location() != time.UTC {
				t.Fatalf("after %s: %+v", tt.name, got)
			}
			if got.Version != before.Version || !reflect.DeepEqual(got.Concerns, before.Concerns) || before.State != tt.from {
				t.Fatalf("transition changed identity or the original: %+v from %+v", got, before)
			}
		})
	}
}

func TestAcceptanceViolations(t *testing.T) {
	start := time.Date(2015, 12, 7, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		sched     Schedule
		rationale string
		want      []string
	}{
		{"valid", Schedule{start, start.AddDate(0, 0, 3)}, "", nil},
		{"no start", Schedule{End: start}, "", []string{"start_date"}},
		{"no end", Schedule{Start: start}, "", []string{"end_date"}},
		{"neither", Schedule{}, "", []string{"end_date", "start_date"}},
		{"reversed", Schedule{start, start.AddDate(0, 0, -1)}, "", []string{"end_date"}},
		{"rationale too long", Schedule{start, start}, strings.Repeat("r", MaxRationaleLen+1), []string{"rationale"}},
	}
	for _, tt := range tests {
		vs := ValidateAcceptance(tt.sched, tt.rationale)
		var got []string
		if f, ok := fault.As(vs.Err()); ok {
			got = rpctest.ViolationFields(f.Violations)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: violations on %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestRecommendationNames(t *testing.T) {
	r := Recommendation{GSSCode: "E08000035", ID: "r1", Concerns: []string{"a", "b"}}
	want := []string{"localAuthorities/E08000035/concerns/a", "localAuthorities/E08000035/concerns/b"}
	if got := r.ConcernNames(); !reflect.DeepEqual(got, want) {
		t.Fatalf("ConcernNames = %v", got)
	}
	if got := r.ResourceName(); got != "localAuthorities/E08000035/emergencyInspectionRecommendations/r1" {
		t.Fatalf("ResourceName = %q", got)
	}
}
