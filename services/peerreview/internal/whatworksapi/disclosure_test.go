package whatworksapi

import (
	"encoding/json"
	"fmt"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"

	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/review"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewtest"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/disclosure"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// reviewed gives each council one completed review: i+1 severe areas for
// improvement on leadership for the i-th, so every council's count differs.
func reviewed(councils []string) reviewtest.Reviews {
	var out reviewtest.Reviews
	for i, gss := range councils {
		var fs []review.Finding
		for range i + 1 {
			fs = append(fs, finding(reviewer.Leadership, review.AreaForImprovement, review.Severe))
		}
		out = append(out, completed(gss, fmt.Sprintf("r%d", i), fs...))
	}
	return out
}

// gatewayJSON renders m as the REST gateway does (proto field names, zero
// values included), decoded into a generic map.
func gatewayJSON(t *testing.T, m *peerreviewv1.ListThemeSummariesResponse) map[string]any {
	t.Helper()
	b, err := protojson.MarshalOptions{UseProtoNames: true, EmitDefaultValues: true}.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestTwoCouncilsAreNotSummarised is the attack on What Works at the
// suite's threshold of ten councils: with two councils reviewed, a council
// officer who knows its own findings would read the other's as the total
// minus its own. The answer withholds every count and says why, and over
// REST the reason and the threshold are there beside an empty list, not a
// zero count.
func TestTwoCouncilsAreNotSummarised(t *testing.T) {
	two := rpctest.CouncilsIn(t, reference.London, 2)
	e := newEnv(t, reviewed(two))
	me := auth.Principal{Subject: "officer-2", Roles: []auth.Role{auth.RoleCouncilOfficer}, Authority: two[0]}
	resp, err := e.client.ListThemeSummaries(e.as(me), &peerreviewv1.ListThemeSummariesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetWithheld() != disclosure.ReasonTooFewCouncils || resp.GetMinCouncils() != 10 || resp.GetCouncils() != 0 || resp.GetCompletedReviews() != 0 ||
		len(resp.GetThemeSummaries()) != 0 || len(resp.GetSuppressedGroups()) != 0 {
		t.Fatalf("two councils: %v", resp)
	}
	if calls := e.double.Calls(); len(calls) != 0 {
		t.Errorf("grades read for a summary that is withheld: %v", calls)
	}
	rest := gatewayJSON(t, resp)
	if rest["withheld"] != "FEWER_THAN_MIN_COUNCILS" || rest["min_councils"] != 10.0 || rest["councils"] != 0.0 || rest["completed_reviews"] != 0.0 {
		t.Errorf("REST body %v", rest)
	}
	if ts, ok := rest["theme_summaries"].([]any); !ok || len(ts) != 0 {
		t.Errorf("REST theme_summaries %v, want an empty list", rest["theme_summaries"])
	}
}

// TestTenCouncilsAreSummarised: at the threshold the counts are given, and
// no count covers fewer councils than the threshold. With an eleventh
// council alone in its region, the region breakdown folds both regions
// into OTHER: showing the ten would give the eleventh away as the total
// minus the ten.
func TestTenCouncilsAreSummarised(t *testing.T) {
	nw := rpctest.CouncilsIn(t, reference.NorthWest, 10)
	e := newEnv(t, reviewed(nw))
	resp, err := e.client.ListThemeSummaries(e.as(rpctest.Adviser), &peerreviewv1.ListThemeSummariesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetWithheld() != "" || resp.GetCouncils() != 10 || len(resp.GetThemeSummaries()) != 1 {
		t.Fatalf("ten councils: %v", resp)
	}
	lead := resp.GetThemeSummaries()[0]
	// Severe areas 1+2+...+10 = 55, all in the North West.
	if o := lead.GetOverall(); o.GetSevere() != 55 || o.GetCouncils() != 10 {
		t.Errorf("overall %v", o)
	}
	if r := lead.GetByRegion(); len(r) != 1 || r[0].GetRegion() != typev1.Region_REGION_NORTH_WEST || r[0].GetSevere() != 55 {
		t.Errorf("by region %v", r)
	}
	rest := gatewayJSON(t, resp)
	if rest["withheld"] != "" || rest["min_councils"] != 10.0 {
		t.Errorf("REST body %v", rest)
	}
	// Groups print as the Region and Grade enums do everywhere else.
	if sums, _ := rest["theme_summaries"].([]any); len(sums) == 0 {
		t.Errorf("REST body has no summaries: %v", rest)
	} else {
		sum, _ := sums[0].(map[string]any)
		overall, _ := sum["overall"].(map[string]any)
		byRegion, _ := sum["by_region"].([]any)
		if overall["aggregate"] != "AGGREGATE_GROUP_ALL" || len(byRegion) != 1 || byRegion[0].(map[string]any)["region"] != "REGION_NORTH_WEST" {
			t.Errorf("REST groups: overall %v, by region %v", overall, byRegion)
		}
	}

	london := rpctest.CouncilsIn(t, reference.London, 1)[0]
	e = newEnv(t, reviewed(append(nw, london)))
	resp, err = e.client.ListThemeSummaries(e.as(rpctest.Adviser), &peerreviewv1.ListThemeSummariesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	lead = resp.GetThemeSummaries()[0]
	if r := lead.GetByRegion(); len(r) != 1 || r[0].GetAggregate() != peerreviewv1.AggregateGroup_AGGREGATE_GROUP_OTHER || r[0].GetCouncils() != 11 {
		t.Errorf("eleven councils by region %v, want AGGREGATE_GROUP_OTHER only", r)
	}
	hidden := map[string]string{}
	for _, g := range resp.GetSuppressedGroups() {
		hidden[g.GetGrouping()+" "+group(g)] = g.GetWithheld()
	}
	if hidden["region REGION_LONDON"] != disclosure.ReasonTooFewCouncils || hidden["region REGION_NORTH_WEST"] != disclosure.ReasonComplementary {
		t.Errorf("suppressed groups %v", resp.GetSuppressedGroups())
	}
	for _, c := range append(lead.GetByRegion(), lead.GetByLaterGrade()...) {
		if c.GetCouncils() < 10 {
			t.Errorf("group %s of %d councils shown", group(c), c.GetCouncils())
		}
	}

	// A caller may ask for larger groups, never smaller ones.
	resp, err = e.client.ListThemeSummaries(e.as(rpctest.Adviser), &peerreviewv1.ListThemeSummariesRequest{MinGroupSize: 12})
	if err != nil || resp.GetWithheld() != disclosure.ReasonTooFewCouncils || resp.GetMinCouncils() != 12 {
		t.Errorf("minimum 12 of 11 councils: %v, %v", resp, err)
	}
}
