package offer

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewtest"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// faultOf returns err's kind and reason, failing the test for a non-fault.
func faultOf(t *testing.T, err error) (fault.Kind, string) {
	t.Helper()
	f, ok := fault.As(err)
	if !ok {
		t.Fatalf("error %v is not a fault", err)
	}
	return f.Kind, f.Reason
}

func sample(state State) Offer {
	return Offer{
		GSSCode: storetest.Leeds, ID: "abc", Tier: Standard, State: state,
		Reasons:    []string{"a reason"},
		Activities: []Activity{{Kind: Mentoring, Days: 5, ProvidingCouncils: []string{storetest.Hampshire}}},
		History:    []string{HistoryLine(Offered, "adviser-1", reviewtest.Now.Add(-time.Hour), "STANDARD support offered")},
		Version:    3,
		CreateTime: reviewtest.Now.Add(-time.Hour),
	}
}

func TestTransitions(t *testing.T) {
	council := Actor{Subject: "officer-1", Council: storetest.Leeds}
	otherCouncil := Actor{Subject: "officer-2", Council: storetest.Durham}
	lga := Actor{Subject: "adviser-1", LGA: true}
	const (
		ok       = fault.Kind(0)
		denied   = fault.KindPermissionDenied
		badState = fault.KindFailedPrecondition
	)
	for _, tc := range []struct {
		from, to State
		who      Actor
		want     fault.Kind
		reason   string
	}{
		{Offered, Accepted, council, ok, ""},
		{Offered, Declined, council, ok, ""},
		{Accepted, Active, lga, ok, ""},
		{Active, Completed, lga, ok, ""},
		// The council decides on its offer; nobody else does.
		{Offered, Accepted, lga, denied, ReasonCouncilDecides},
		{Offered, Declined, lga, denied, ReasonCouncilDecides},
		{Offered, Accepted, otherCouncil, denied, ReasonCouncilDecides},
		// The LGA runs the support.
		{Accepted, Active, council, denied, ReasonLGARunsSupport},
		{Active, Completed, council, denied, ReasonLGARunsSupport},
		// Every other move is refused by state.
		{Offered, Active, lga, badState, ReasonInvalidTransition},
		{Offered, Completed, lga, badState, ReasonInvalidTransition},
		{Offered, Offered, lga, badState, ReasonInvalidTransition},
		{Accepted, Accepted, council, badState, ReasonInvalidTransition},
		{Accepted, Declined, council, badState, ReasonInvalidTransition},
		{Accepted, Completed, lga, badState, ReasonInvalidTransition},
		{Active, Accepted, council, badState, ReasonInvalidTransition},
		{Active, Declined, council, badState, ReasonInvalidTransition},
		{Active, Active, lga, badState, ReasonInvalidTransition},
		{Completed, Active, lga, badState, ReasonInvalidTransition},
		{Completed, Accepted, council, badState, ReasonInvalidTransition},
		{Declined, Accepted, council, badState, ReasonInvalidTransition},
		{Declined, Active, lga, badState, ReasonInvalidTransition},
	} {
		name := string(tc.from) + "→" + string(tc.to) + " by " + tc.who.Subject
		o := sample(tc.from)
		got, err := o.Transition(tc.to, tc.who, "because", reviewtest.Now)
		if tc.want == ok {
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if got.State != tc.to || got.UpdateTime != reviewtest.Now {
				t.Errorf("%s: state %s, update time %v", name, got.State, got.UpdateTime)
			}
			want := string(tc.to) + " by " + tc.who.Subject + " at 2015-12-14T09:00:00Z: because"
			if len(got.History) != 2 || got.History[1] != want {
				t.Errorf("%s: history %q, want the first entry then %q", name, got.History, want)
			}
			if o.State != tc.from || len(o.History) != 1 {
				t.Errorf("%s: the original offer changed", name)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: allowed, want %v %s", name, tc.want, tc.reason)
			continue
		}
		if kind, reason := faultOf(t, err); kind != tc.want || reason != tc.reason {
			t.Errorf("%s: %v %s, want %v %s", name, kind, reason, tc.want, tc.reason)
		}
	}
}

func TestTransitionRequest(t *testing.T) {
	for _, tc := range []struct {
		to     State
		reason string
		want   []string
	}{
		{Accepted, "", nil},
		{Declined, "we have our own plan", nil},
		{Declined, "  ", []string{"reason"}},
		{"", "", []string{"state"}},
		{"PAUSED", "", []string{"state"}},
		{Accepted, strings.Repeat("x", MaxText+1), []string{"reason"}},
	} {
		err := CheckTransition(tc.to, tc.reason)
		if got := rpctest.Fields(err); !slices.Equal(got, tc.want) {
			t.Errorf("CheckTransition(%q, %.10q) violations %v, want %v (%v)", tc.to, tc.reason, got, tc.want, err)
		}
		if _, terr := sample(Offered).Transition(tc.to, Actor{Subject: "x", Council: storetest.Leeds}, tc.reason, reviewtest.Now); tc.want != nil && !slices.Equal(rpctest.Fields(terr), tc.want) {
			t.Errorf("Transition(%q) does not check the request: %v", tc.to, terr)
		}
	}
}

func TestValidate(t *testing.T) {
	valid := func() Offer {
		return Offer{
			GSSCode: storetest.Leeds, Tier: Enhanced, Reasons: []string{"High risk"},
			Activities: []Activity{{Kind: PracticeWorkshops, Days: 10, ProvidingCouncils: []string{storetest.Hampshire, storetest.Durham}}},
		}
	}
	for _, tc := range []struct {
		name   string
		change func(*Offer)
		want   []string
	}{
		{"valid", func(*Offer) {}, nil},
		{"no activities is allowed", func(o *Offer) { o.Activities = nil }, nil},
		{"100 days", func(o *Offer) { o.Activities[0].Days = MaxDays }, nil},
		{"missing tier", func(o *Offer) { o.Tier = "" }, []string{"p.tier"}},
		{"unknown tier", func(o *Offer) { o.Tier = "GOLD" }, []string{"p.tier"}},
		{"no reasons", func(o *Offer) { o.Reasons = nil }, []string{"p.reasons"}},
		{"blank reason", func(o *Offer) { o.Reasons = append(o.Reasons, " ") }, []string{"p.reasons[1]"}},
		{"too many reasons", func(o *Offer) {
			o.Reasons = slices.Repeat([]string{"r"}, MaxReasons+1)
		}, []string{"p.reasons"}},
		{"long reason", func(o *Offer) { o.Reasons[0] = strings.Repeat("é", MaxText+1) }, []string{"p.reasons[0]"}},
		{"unknown kind", func(o *Offer) { o.Activities[0].Kind = "TEA" }, []string{"p.activities[0].kind"}},
		{"missing kind", func(o *Offer) { o.Activities[0].Kind = "" }, []string{"p.activities[0].kind"}},
		{"zero days", func(o *Offer) { o.Activities[0].Days = 0 }, []string{"p.activities[0].days"}},
		{"101 days", func(o *Offer) { o.Activities[0].Days = MaxDays + 1 }, []string{"p.activities[0].days"}},
		{"self-supply", func(o *Offer) { o.Activities[0].ProvidingCouncils = []string{storetest.Leeds} }, []string{"p.activities[0].providing_councils[0]"}},
		{"unknown council", func(o *Offer) { o.Activities[0].ProvidingCouncils[1] = "E99999999" }, []string{"p.activities[0].providing_councils[1]"}},
		{"repeated council", func(o *Offer) { o.Activities[0].ProvidingCouncils[1] = storetest.Hampshire }, []string{"p.activities[0].providing_councils[1]"}},
		{"long description", func(o *Offer) { o.Activities[0].Description = strings.Repeat("d", MaxText+1) }, []string{"p.activities[0].description"}},
		{"too many activities", func(o *Offer) {
			o.Activities = slices.Repeat([]Activity{{Kind: Mentoring, Days: 1}}, MaxActivities+1)
		}, []string{"p.activities"}},
		{"every problem at once", func(o *Offer) {
			o.Tier, o.Reasons = "", nil
			o.Activities[0].Days = -1
		}, []string{"p.activities[0].days", "p.reasons", "p.tier"}},
	} {
		o := valid()
		tc.change(&o)
		if got := rpctest.Fields(o.Validate("p.")); !slices.Equal(got, tc.want) {
			t.Errorf("%s: violations %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestNames(t *testing.T) {
	storetest.Names(t, storetest.CouncilChildIn(Collection), map[string][2]string{
		"localAuthorities/E08000035/supportOffers/abc-123": {storetest.Leeds, "abc-123"},
	}, []string{
		"localAuthorities/E08000035/supportOffers/",
		"localAuthorities/E08000035/supportOffers/Abc",
		"localAuthorities/E08000035/supportOffers/abc-",
		"localAuthorities/E08000035/supportOffers/a/b",
		"localAuthorities/E99000035/supportOffers/abc",
		"localAuthorities/E08000035/peerReviews/abc",
		"supportOffers/abc",
		"localAuthorities/-/supportOffers/abc",
	})
	if o := (Offer{GSSCode: storetest.Leeds, ID: "x1"}); o.Name() != "localAuthorities/E08000035/supportOffers/x1" {
		t.Errorf("Name = %q", o.Name())
	}
	for range 100 {
		if id := resource.NewID(); !resource.ValidID(id) || len(id) != resource.IDLen {
			t.Fatalf("resource.NewID() = %q, not a valid id", id)
		}
	}
	if _, _, ok := ParseReviewName("localAuthorities/E08000035/peerReviews/{x}"); ok {
		t.Error("a review id with braces was accepted; it would move a key's hash tag")
	}
}

func TestUpdate(t *testing.T) {
	patch := Offer{
		Tier:       Standard,
		Reasons:    []string{"new reason"},
		Activities: []Activity{{Kind: DiagnosticFollowUp, Days: 3, ProvidingCouncils: []string{storetest.Durham}}},
	}
	for _, tc := range []struct {
		name  string
		paths []string
		state State
		patch func(*Offer)
		// want is the error's kind and reason, or 0 for success.
		kind   fault.Kind
		reason string
		check  func(t *testing.T, got Offer)
	}{
		{name: "activities only", paths: []string{"activities"}, state: Accepted, check: func(t *testing.T, got Offer) {
			if got.Activities[0].Kind != DiagnosticFollowUp || got.Reasons[0] != "a reason" {
				t.Errorf("got %+v", got)
			}
		}},
		{name: "reasons, ignoring output fields", paths: []string{"reasons", "name", "etag", "state", "history"}, state: Active, check: func(t *testing.T, got Offer) {
			if got.Reasons[0] != "new reason" || got.Activities[0].Kind != Mentoring || got.State != Active {
				t.Errorf("got %+v", got)
			}
		}},
		{name: "the same tier", paths: []string{"tier", "reasons"}, state: Offered},
		{name: "a completed offer", paths: []string{"reasons"}, state: Completed, kind: fault.KindFailedPrecondition, reason: ReasonClosed},
		{name: "a declined offer", paths: []string{"reasons"}, state: Declined, kind: fault.KindFailedPrecondition, reason: ReasonClosed},
		{name: "another tier", paths: []string{"tier"}, state: Offered, patch: func(p *Offer) { p.Tier = InadequateCouncil }, kind: fault.KindInvalid},
		{name: "invalid activities", paths: []string{"activities"}, state: Offered, patch: func(p *Offer) { p.Activities[0].Days = 0 }, kind: fault.KindInvalid},
		{name: "invalid reasons ignored when not in the mask", paths: []string{"activities"}, state: Offered, patch: func(p *Offer) { p.Reasons = nil }},
	} {
		p := patch.Clone()
		if tc.patch != nil {
			tc.patch(&p)
		}
		m, err := ParseMask(tc.paths)
		if err != nil {
			t.Fatalf("%s: mask: %v", tc.name, err)
		}
		got, err := sample(tc.state).Apply(p, m, reviewtest.Now)
		if tc.kind == 0 {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			} else if tc.check != nil {
				tc.check(t, got)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: applied, want %v", tc.name, tc.kind)
			continue
		}
		if kind, reason := faultOf(t, err); kind != tc.kind || (tc.reason != "" && reason != tc.reason) {
			t.Errorf("%s: %v %s, want %v %s", tc.name, kind, reason, tc.kind, tc.reason)
		}
	}
	for _, paths := range [][]string{nil, {"name"}, {"activities.days"}, {"peer_reviewer"}} {
		if _, err := ParseMask(paths); !slices.Equal(rpctest.Fields(err), []string{"update_mask"}) {
			t.Errorf("ParseMask(%q) = %v, want a violation on update_mask", paths, err)
		}
	}
}

func TestJudgementPlan(t *testing.T) {
	const ins = "localAuthorities/E08000035/inspections/sif2015"
	base := Judgement{
		Inspection: ins, Framework: "SIF", OverallGrade: reference.Inadequate,
		PublishDate: time.Date(2015, 11, 2, 0, 0, 0, 0, time.UTC),
		KeyJudgements: map[string]reference.Grade{
			"HELP_AND_PROTECTION": reference.Inadequate,
			LeadershipArea:        reference.RequiresImprovement,
		},
	}
	for _, g := range []reference.Grade{reference.Outstanding, reference.Good, reference.RequiresImprovement, ""} {
		j := base
		j.OverallGrade = g
		if _, ok := JudgementPlan(j); ok {
			t.Errorf("a %q judgement calls for support", g)
		}
	}
	bad := base
	bad.Inspection = "localAuthorities/E08000035/inspections/"
	if _, ok := JudgementPlan(bad); ok {
		t.Error("a judgement of an unnamed inspection calls for support")
	}
	history := base
	history.Historical = true
	if _, ok := JudgementPlan(history); ok {
		t.Error("an inadequate judgement recorded as history calls for support")
	}

	p, ok := JudgementPlan(base)
	if !ok {
		t.Fatal("an inadequate judgement calls for no support")
	}
	if p.Tier != InadequateCouncil || p.GSSCode != storetest.Leeds || p.Inspection != ins || p.Cause != (Cause{CauseInspection, storetest.Leeds, "sif2015"}) {
		t.Errorf("plan %+v", p)
	}
	if kinds := activityKinds(p.Activities); !slices.Equal(kinds, []ActivityKind{ImprovementPlanSupport}) {
		t.Errorf("activities %v, want improvement plan support only", kinds)
	}
	wantReasons := []string{
		"Inspection " + ins + " (SIF, published 2015-11-02) judged overall effectiveness inadequate",
		"The key judgement on children who need help and protection was inadequate",
	}
	if !slices.Equal(p.Reasons, wantReasons) {
		t.Errorf("reasons %q, want %q", p.Reasons, wantReasons)
	}
	if err := (Offer{GSSCode: storetest.Leeds, Tier: p.Tier, Reasons: p.Reasons, Activities: p.Activities}).Validate(""); err != nil {
		t.Errorf("the plan makes an invalid offer: %v", err)
	}

	lead := base
	lead.KeyJudgements = map[string]reference.Grade{LeadershipArea: reference.Inadequate}
	p, _ = JudgementPlan(lead)
	if kinds := activityKinds(p.Activities); !slices.Equal(kinds, []ActivityKind{ImprovementPlanSupport, LeadershipCoaching}) {
		t.Errorf("with leadership inadequate: activities %v, want improvement plan support and leadership coaching", kinds)
	}
}

func TestReviewPlan(t *testing.T) {
	const rev = "localAuthorities/E08000035/peerReviews/r1"
	for _, tc := range []struct {
		name   string
		risk   string
		themes []string
		want   []ActivityKind
		days   map[ActivityKind]int
		none   bool
	}{
		{name: "no risk", risk: "NONE", none: true},
		{name: "low risk", risk: "LOW", none: true},
		{name: "unspecified", risk: "", none: true},
		{name: "medium risk", risk: "MEDIUM", want: []ActivityKind{DiagnosticFollowUp, PracticeWorkshops},
			days: map[ActivityKind]int{DiagnosticFollowUp: 5, PracticeWorkshops: 4}},
		{name: "high risk", risk: "HIGH", want: []ActivityKind{DiagnosticFollowUp, PracticeWorkshops},
			days: map[ActivityKind]int{DiagnosticFollowUp: 10}},
		{name: "low risk with a severe leadership finding", risk: "LOW", themes: []string{"LEADERSHIP"},
			want: []ActivityKind{DiagnosticFollowUp, LeadershipCoaching}},
		{name: "severe practice themes, prefixed and repeated", risk: "LOW",
			themes: []string{"THEME_CHILD_PROTECTION_PRACTICE", "front_door_and_referrals", "CHILD_PROTECTION_PRACTICE"},
			want:   []ActivityKind{DiagnosticFollowUp, PracticeWorkshops},
			days:   map[ActivityKind]int{PracticeWorkshops: 8}},
		{name: "workforce", risk: "HIGH", themes: []string{"CASELOADS", "DATA_AND_PERFORMANCE"},
			want: []ActivityKind{DiagnosticFollowUp, Mentoring}},
	} {
		p, ok := ReviewPlan(ReviewConclusion{PeerReview: rev, Kind: "SAFEGUARDING_PEER_REVIEW", Risk: tc.risk, SevereThemes: tc.themes})
		if ok == tc.none {
			t.Errorf("%s: calls for support %v", tc.name, ok)
			continue
		}
		if tc.none {
			continue
		}
		if p.Tier != Enhanced || p.PeerReview != rev || p.Cause != (Cause{CausePeerReview, storetest.Leeds, "r1"}) {
			t.Errorf("%s: plan %+v", tc.name, p)
		}
		if got := activityKinds(p.Activities); !slices.Equal(got, tc.want) {
			t.Errorf("%s: activities %v, want %v", tc.name, got, tc.want)
		}
		for _, a := range p.Activities {
			if d, ok := tc.days[a.Kind]; ok && a.Days != d {
				t.Errorf("%s: %s for %d days, want %d", tc.name, a.Kind, a.Days, d)
			}
		}
		if err := (Offer{GSSCode: storetest.Leeds, Tier: p.Tier, Reasons: p.Reasons, Activities: p.Activities}).Validate(""); err != nil {
			t.Errorf("%s: the plan makes an invalid offer: %v", tc.name, err)
		}
	}
	p, _ := ReviewPlan(ReviewConclusion{PeerReview: rev, Risk: "HIGH", SevereThemes: []string{"LEADERSHIP"}})
	want := []string{
		"Peer review " + rev + " concluded a HIGH risk of an inadequate judgement at the next inspection",
		"Peer review " + rev + " found a severe area for improvement in leadership",
	}
	if !slices.Equal(p.Reasons, want) {
		t.Errorf("reasons %q, want %q", p.Reasons, want)
	}
	if _, ok := ReviewPlan(ReviewConclusion{PeerReview: "peerReviews/r1", Risk: "HIGH"}); ok {
		t.Error("a review without a council name calls for support")
	}
}

func TestEscalate(t *testing.T) {
	judgement, _ := JudgementPlan(Judgement{
		Inspection: "localAuthorities/E08000035/inspections/i2", OverallGrade: reference.Inadequate,
		KeyJudgements: map[string]reference.Grade{LeadershipArea: reference.Inadequate},
	})
	review, _ := ReviewPlan(ReviewConclusion{PeerReview: "localAuthorities/E08000035/peerReviews/r1", Risk: "HIGH"})
	offer := func(id string, tier Tier, state State, age time.Duration, acts ...ActivityKind) Offer {
		o := Offer{GSSCode: storetest.Leeds, ID: id, Tier: tier, State: state, Reasons: []string{"earlier"}, CreateTime: reviewtest.Now.Add(-age), Version: 4}
		for _, k := range acts {
			o.Activities = append(o.Activities, Activity{Kind: k, Days: 7})
		}
		return o
	}

	t.Run("no open offer creates one", func(t *testing.T) {
		closed := []Offer{
			offer("old", InadequateCouncil, Completed, time.Hour),
			offer("no", Standard, Declined, time.Hour),
			{GSSCode: storetest.Durham, ID: "elsewhere", Tier: Standard, State: Offered},
		}
		got, created := Escalate(closed, judgement, SystemActor, reviewtest.Now)
		if !created || got.State != Offered || got.Tier != InadequateCouncil || got.GSSCode != storetest.Leeds || got.ID != "" {
			t.Fatalf("got %+v created %v", got, created)
		}
		if got.Inspection != judgement.Inspection || !slices.Equal(got.Reasons, judgement.Reasons) || len(got.Activities) != 2 {
			t.Errorf("got %+v", got)
		}
		if len(got.History) != 1 || !strings.HasPrefix(got.History[0], "OFFERED by system:peerreview at 2015-12-14T09:00:00Z: inspection ") {
			t.Errorf("history %q", got.History)
		}
	})

	t.Run("an open standard offer is upgraded in place", func(t *testing.T) {
		offers := []Offer{
			offer("newer-closed", InadequateCouncil, Declined, time.Minute),
			offer("std", Standard, Accepted, time.Hour, ImprovementPlanSupport),
		}
		got, created := Escalate(offers, judgement, SystemActor, reviewtest.Now)
		if created || got.ID != "std" || got.Tier != InadequateCouncil || got.State != Accepted || got.Version != 4 {
			t.Fatalf("got %+v created %v", got, created)
		}
		wantReasons := append([]string{"earlier"}, judgement.Reasons...)
		if !slices.Equal(got.Reasons, wantReasons) {
			t.Errorf("reasons %q, want %q", got.Reasons, wantReasons)
		}
		// The existing improvement plan support is kept as the LGA set it;
		// only the missing kind is added.
		if kinds := activityKinds(got.Activities); !slices.Equal(kinds, []ActivityKind{ImprovementPlanSupport, LeadershipCoaching}) || got.Activities[0].Days != 7 {
			t.Errorf("activities %+v", got.Activities)
		}
		last := got.History[len(got.History)-1]
		if !strings.HasPrefix(last, "ACCEPTED by system:peerreview at 2015-12-14T09:00:00Z: raised from STANDARD to INADEQUATE_COUNCIL: ") {
			t.Errorf("history entry %q", last)
		}
		if offers[1].Tier != Standard || len(offers[1].Reasons) != 1 {
			t.Error("the stored offer was changed in place")
		}
	})

	t.Run("a higher tier is never lowered", func(t *testing.T) {
		offers := []Offer{offer("inad", InadequateCouncil, Active, time.Hour)}
		got, created := Escalate(offers, review, SystemActor, reviewtest.Now)
		if created || got.Tier != InadequateCouncil || got.PeerReview != review.PeerReview {
			t.Fatalf("got %+v created %v", got, created)
		}
		if last := got.History[len(got.History)-1]; strings.Contains(last, "raised") {
			t.Errorf("history claims a raise: %q", last)
		}
	})

	t.Run("the highest tier, then the newest, open offer is chosen", func(t *testing.T) {
		offers := []Offer{
			offer("std-new", Standard, Offered, time.Minute),
			offer("enh-old", Enhanced, Active, 3*time.Hour),
			offer("enh-new", Enhanced, Offered, 2*time.Hour),
		}
		got, _ := Escalate(offers, judgement, SystemActor, reviewtest.Now)
		if got.ID != "enh-new" {
			t.Errorf("upgraded %s, want enh-new", got.ID)
		}
	})
}

func activityKinds(acts []Activity) []ActivityKind {
	var out []ActivityKind
	for _, a := range acts {
		out = append(out, a.Kind)
	}
	return out
}

func TestHistoryLine(t *testing.T) {
	at := time.Date(2015, 12, 14, 10, 0, 0, 0, time.FixedZone("BST", 3600))
	if got := HistoryLine(Declined, "officer-1", at, " not now "); got != "DECLINED by officer-1 at 2015-12-14T09:00:00Z: not now" {
		t.Errorf("HistoryLine = %q", got)
	}
	if got := HistoryLine(Accepted, "officer-1", at, ""); got != "ACCEPTED by officer-1 at 2015-12-14T09:00:00Z" {
		t.Errorf("HistoryLine without reason = %q", got)
	}
}

func TestTiers(t *testing.T) {
	if !(Standard.Rank() < Enhanced.Rank() && Enhanced.Rank() < InadequateCouncil.Rank()) || Tier("X").Rank() != 0 {
		t.Error("tiers are not ranked lowest first")
	}
	for _, s := range States {
		if s.Open() != (s == Offered || s == Accepted || s == Active) {
			t.Errorf("%s.Open() = %v", s, s.Open())
		}
	}
}
