package inspectionapi

import (
	"reflect"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/inspection/internal/inspection"
	"github.com/turnaround-sli/turnaround/services/reference"
)

func midnight(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// TestEncodeRoundTrip checks the stored form the service builds from
// ToProto and FromStored.
func TestEncodeRoundTrip(t *testing.T) {
	ins := inspection.Inspection{
		GSSCode: "E08000035", ID: "abc", Framework: inspection.MonitoringVisit, State: inspection.Published,
		StartDate: midnight(2015, 6, 1), EndDate: midnight(2015, 6, 2), PublishDate: midnight(2015, 7, 1),
		LeadInspector:      "L",
		MonitoringFindings: &inspection.MonitoringFindings{Findings: []string{"a", "b"}, Progress: inspection.ProgressDeteriorated, Narrative: "n"},
		Recommendations:    []inspection.Recommendation{{Text: "t", Area: inspection.CareLeavers}},
		Version:            4, CreateTime: clock(), UpdateTime: clock().Add(time.Hour),
	}
	sif := ins
	sif.Framework, sif.MonitoringFindings, sif.Judgement = inspection.SIF, nil, inspection.Judgement{
		inspection.OverallEffectiveness: {Grade: reference.Outstanding, Narrative: "overall"},
		inspection.CareLeavers:          {Grade: reference.Good, Narrative: "care leavers"},
	}
	for _, in := range []inspection.Inspection{ins, sif} {
		b, err := codec.Encode(in)
		if err != nil {
			t.Fatal(err)
		}
		out, err := codec.Decode(b, in.Version)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(out, in) {
			t.Fatalf("round trip:\n%+v\n%+v", out, in)
		}
	}
	seen := map[inspection.Area]bool{}
	for _, p := range judgementParts {
		seen[p.area] = true
	}
	if len(seen) != len(inspection.Areas) {
		t.Fatalf("judgementParts covers %d of %d areas", len(seen), len(inspection.Areas))
	}
}
