package overviewapi

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/turnaround-sli/turnaround/services/oversight/internal/overview"
	"github.com/turnaround-sli/turnaround/services/oversight/internal/timeline"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// A response rendered again from the same overview is the whole overview,
// field for field, with its own time.
func TestRenderedAgainIsTheWholeOverview(t *testing.T) {
	now := time.Date(2016, 7, 1, 9, 0, 0, 0, time.UTC)
	o := overview.Compute([]timeline.Standing{{Council: "E08000017",
		Latest: timeline.Judgement{Grade: "INADEQUATE", Framework: "SIF"}, SIF: timeline.Judgement{Grade: "INADEQUATE", Framework: "SIF"},
		Records: map[string]timeline.Record{
			"p1": {Kind: timeline.KindPlan, State: timeline.PlanDraft, Deadline: now.AddDate(0, 0, 10), Pending: true},
			"r1": {Kind: timeline.KindRecommendation, State: timeline.Open},
			"n1": {Kind: timeline.KindNeed, State: timeline.Open},
			"e1": {Kind: timeline.KindEngagement, State: timeline.Open, Sponsor: "leeds"},
		}}}, reference.Councils(), now, nil)
	o.Generation = 7
	h := &Overview{}
	first := h.render(o)
	o.At = now.Add(time.Minute)
	again := h.render(o)
	if want := toProto(o); !proto.Equal(again, want) {
		t.Errorf("rendered again:\n%v\nwant\n%v", again, want)
	}
	if !first.GetComputeTime().AsTime().Equal(now) || !again.GetComputeTime().AsTime().Equal(now.Add(time.Minute)) {
		t.Errorf("times %v, %v", first.GetComputeTime().AsTime(), again.GetComputeTime().AsTime())
	}
}
