package access

import (
	"errors"
	"strings"
	"testing"

	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

func p(role auth.Role, authority, sponsor string) auth.Principal {
	return auth.Principal{Subject: string(role) + "-1", Roles: []auth.Role{role}, Authority: authority, Sponsor: sponsor}
}

var (
	leedsOfficer = p(auth.RoleCouncilOfficer, "E08000035", "")
	leedsSponsor = p(auth.RoleSponsorOfficer, "", "leeds")
	official     = p(auth.RoleDfEOfficial, "", "")
	adviser      = p(auth.RoleLGAAdviser, "", "")
	inspector    = p(auth.RoleOfstedInspector, "", "")
	partnerSys   = p(auth.RolePartnerSystem, "", "")
)

func TestTableIsWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range table {
		key := string(c.Resource) + " " + string(c.Action)
		if seen[key] {
			t.Errorf("%s appears twice", key)
		}
		seen[key] = true
		if len(c.Grants) == 0 || c.Why == "" {
			t.Errorf("%s: no grants or no reason", key)
		}
		for _, gr := range c.Grants {
			if _, err := auth.ParseRole(string(gr.Role)); err != nil || gr.Scope < Every || gr.Scope > Summary {
				t.Errorf("%s: bad grant %+v", key, gr)
			}
		}
	}
}

// The boundaries the memorandum of understanding draws, cell by cell.
func TestBoundaries(t *testing.T) {
	leeds := Object{Council: "E08000035", Name: "localAuthorities/E08000035/x/1"}
	bradford := Object{Council: "E08000032", Name: "localAuthorities/E08000032/x/1"}
	supported := Object{Council: "E08000032", SupportedBy: []string{"leeds"}}
	published := Object{Council: "E08000032", Public: true}
	for _, c := range []struct {
		who  auth.Principal
		res  Resource
		act  Action
		obj  Object
		want View
	}{
		// Peer review content stays with the council and the LGA.
		{adviser, PeerReview, Read, bradford, Full},
		{leedsOfficer, PeerReview, Read, leeds, Full},
		{leedsOfficer, PeerReview, Read, bradford, Denied},
		{official, PeerReview, Read, bradford, Summarised},
		{inspector, PeerReview, Read, bradford, Summarised},
		{partnerSys, PeerReview, Read, bradford, Denied},
		// DfE reads support offers and reviewers.
		{official, SupportOffer, Read, bradford, Full},
		{official, Reviewer, Read, Object{}, Full},
		// A sponsor reads the plans, progress reviews and interventions of
		// councils it actively supports, and no others.
		{leedsSponsor, ImprovementPlan, Read, supported, Full},
		{leedsSponsor, ProgressReview, Read, supported, Full},
		{leedsSponsor, Intervention, Read, supported, Full},
		{leedsSponsor, ImprovementPlan, Read, bradford, Denied},
		// A council officer reads its own concerns and recommendations.
		{leedsOfficer, Concern, Read, leeds, Full},
		{leedsOfficer, Recommendation, Read, leeds, Full},
		{leedsOfficer, Concern, Read, bradford, Denied},
		// Interventions are public once ordered; risk is not.
		{partnerSys, Intervention, Read, published, Full},
		{partnerSys, Intervention, Read, bradford, Denied},
		{partnerSys, RiskAssessment, Read, published, Denied},
		{partnerSys, Inspection, Read, published, Full},
		{partnerSys, Inspection, Read, bradford, Denied},
		// The LGA sees which sponsor supports a council.
		{adviser, Engagement, Read, bradford, Full},
		// Writes stay with their owners.
		{official, Inspection, Publish, bradford, Denied},
		{inspector, Inspection, Publish, bradford, Full},
		// Ofsted and DfE import judgements already published; nobody else.
		{inspector, Inspection, Import, bradford, Full},
		{official, Inspection, Import, bradford, Full},
		{adviser, Inspection, Import, bradford, Denied},
		{partnerSys, Inspection, Import, published, Denied},
		{leedsOfficer, ImprovementPlan, Submit, leeds, Full},
		{leedsOfficer, ImprovementPlan, Submit, bradford, Denied},
		{leedsSponsor, Deployment, Record, Object{Sponsor: "leeds"}, Full},
		{leedsSponsor, Deployment, Record, Object{Sponsor: "nspcc"}, Denied},
		// Only DfE moves the suite's clock (rehearsals of the six-month
		// clock).
		{official, Clock, Advance, Object{}, Full},
		{inspector, Clock, Advance, Object{}, Denied},
		{leedsOfficer, Clock, Advance, Object{}, Denied},
		{partnerSys, Clock, Advance, Object{}, Denied},
	} {
		if got := ViewOf(c.who, c.res, c.act, c.obj); got != c.want {
			t.Errorf("%s %s %s of %+v: view %d, want %d", c.who.Roles[0], c.act, c.res, c.obj, got, c.want)
		}
	}
}

func TestNarrowRoleNeverWidens(t *testing.T) {
	twoHats := auth.Principal{Subject: "x", Roles: []auth.Role{auth.RoleSponsorOfficer, auth.RoleCouncilOfficer}, Sponsor: "leeds", Authority: "E08000035"}
	if v := ViewOf(twoHats, ImprovementPlan, Read, Object{Council: "E08000032"}); v != Denied {
		t.Errorf("two narrow roles read another council's plan: %d", v)
	}
}

func TestCheckDenies(t *testing.T) {
	err := Check(partnerSys, RiskAssessment, Read, Object{Council: "E08000035", Name: "localAuthorities/E08000035/riskAssessment"})
	var f *fault.Error
	if !errors.As(err, &f) || f.Kind != fault.KindPermissionDenied || !strings.Contains(f.Message, "localAuthorities/E08000035") {
		t.Fatalf("Check: %v, want PERMISSION_DENIED naming the record", err)
	}
	if Check(official, PeerReview, Read, Object{}) == nil {
		t.Error("Check allowed a summary view in full")
	}
}

func TestRule(t *testing.T) {
	pol := Rule(PeerReview, Read)
	if pol.Resource != "PeerReview" || pol.Action != "read" || len(pol.Roles) != 4 {
		t.Errorf("Rule: %+v", pol)
	}
	defer func() {
		if recover() == nil {
			t.Error("Rule of a missing cell did not panic")
		}
	}()
	Rule(PeerReview, Order)
}

func TestMarkdown(t *testing.T) {
	md := Markdown()
	if !strings.Contains(md, "| PeerReview | read | summary | all | summary | own | — | — |") {
		t.Errorf("Markdown row for peer reviews:\n%s", md)
	}
	if n := strings.Count(md, "\n"); n != len(table)+2 {
		t.Errorf("Markdown has %d lines, want %d", n, len(table)+2)
	}
}
