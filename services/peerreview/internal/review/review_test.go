package review

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
)

var now = time.Date(2015, 12, 14, 9, 0, 0, 0, time.UTC)

// TestTransitions checks every pair of states against the lifecycle:
// requested → scheduled → on site → reporting → completed, or cancelled
// from any state but completed; nothing else.
func TestTransitions(t *testing.T) {
	allowed := map[[2]State]bool{
		{Requested, Scheduled}: true,
		{Scheduled, OnSite}:    true,
		{OnSite, Reporting}:    true,
		{Reporting, Completed}: true,
		{Requested, Cancelled}: true,
		{Scheduled, Cancelled}: true,
		{OnSite, Cancelled}:    true,
		{Reporting, Cancelled}: true,
	}
	for _, from := range States {
		for _, to := range States {
			want := allowed[[2]State{from, to}]
			if got := CanTransition(from, to); got != want {
				t.Errorf("CanTransition(%s, %s) = %v, want %v", from, to, got, want)
			}
			err := CheckTransition(from, to)
			if want {
				if err != nil {
					t.Errorf("CheckTransition(%s, %s) = %v", from, to, err)
				}
				continue
			}
			f, ok := fault.As(err)
			if !ok || f.Kind != fault.KindFailedPrecondition || f.Reason != ReasonInvalidTransition ||
				f.Metadata["from"] != string(from) || f.Metadata["to"] != string(to) {
				t.Errorf("CheckTransition(%s, %s) = %#v, want FAILED_PRECONDITION %s", from, to, err, ReasonInvalidTransition)
			}
		}
	}
}

// twoPeers is a valid two-person team.
var twoPeers = []Member{{ReviewerID: "lead", Lead: true, Days: 4}, {ReviewerID: "psw", Days: 4}}

var findings = []Finding{
	{Theme: reviewer.Leadership, Kind: Strength, Evidence: "Stable senior leadership."},
	{Theme: reviewer.Caseloads, Kind: AreaForImprovement, Severity: Severe, Evidence: "Caseloads above 30."},
}

// inState returns a review that has reached state s by the rules.
func inState(t *testing.T, s State) Review {
	t.Helper()
	rv, err := New(storetest.Leeds, SafeguardingPeerReview, "At risk.", "adviser-1", now)
	if err != nil {
		t.Fatal(err)
	}
	rv.ID = "r1"
	steps := map[State]func(Review) (Review, error){
		Scheduled: func(r Review) (Review, error) {
			r, err := r.Schedule(storetest.Day(2016, 1, 11), storetest.Day(2016, 1, 14), now)
			if err != nil {
				return r, err
			}
			return r.AssignTeam(twoPeers)
		},
		OnSite:    func(r Review) (Review, error) { return r.StartOnSite() },
		Reporting: func(r Review) (Review, error) { return r.RecordFindings(findings) },
		Completed: func(r Review) (Review, error) { return r.Complete(RiskHigh, "High risk.", now) },
	}
	if s == Cancelled {
		out, err := rv.Cancel("No longer needed.")
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, next := range []State{Scheduled, OnSite, Reporting, Completed} {
		if rv.State == s {
			break
		}
		if rv, err = steps[next](rv); err != nil {
			t.Fatalf("to %s: %v", next, err)
		}
	}
	if rv.State != s {
		t.Fatalf("reached %s, want %s", rv.State, s)
	}
	return rv
}

// TestActionsByState runs every action from every state: it succeeds
// exactly where the lifecycle allows, lands in the right state, and fails
// with FAILED_PRECONDITION elsewhere.
func TestActionsByState(t *testing.T) {
	actions := []struct {
		name string
		do   func(Review) (Review, error)
		// from maps each state the action is allowed in to the state it
		// leads to.
		from map[State]State
	}{
		{"schedule", func(r Review) (Review, error) {
			return r.Schedule(storetest.Day(2016, 2, 1), storetest.Day(2016, 2, 5), now)
		},
			map[State]State{Requested: Scheduled}},
		{"assign team", func(r Review) (Review, error) { return r.AssignTeam(twoPeers) },
			map[State]State{Scheduled: Scheduled}},
		{"start on site", func(r Review) (Review, error) { return r.StartOnSite() },
			map[State]State{Scheduled: OnSite}},
		{"record findings", func(r Review) (Review, error) { return r.RecordFindings(findings) },
			map[State]State{OnSite: Reporting, Reporting: Reporting}},
		{"complete", func(r Review) (Review, error) { return r.Complete(RiskLow, "Low risk.", now) },
			map[State]State{Reporting: Completed}},
		{"cancel", func(r Review) (Review, error) { return r.Cancel("Council withdrew.") },
			map[State]State{Requested: Cancelled, Scheduled: Cancelled, OnSite: Cancelled, Reporting: Cancelled}},
	}
	for _, a := range actions {
		for _, s := range States {
			rv := inState(t, s)
			got, err := a.do(rv)
			want, ok := a.from[s]
			switch {
			case ok && err != nil:
				t.Errorf("%s from %s: %v", a.name, s, err)
			case ok && got.State != want:
				t.Errorf("%s from %s: state %s, want %s", a.name, s, got.State, want)
			case !ok && !fault.IsKind(err, fault.KindFailedPrecondition):
				t.Errorf("%s from %s: %v, want FAILED_PRECONDITION", a.name, s, err)
			}
			if rv.State != s {
				t.Errorf("%s from %s changed the original to %s", a.name, s, rv.State)
			}
		}
	}
}

func TestStartOnSiteNeedsTeam(t *testing.T) {
	rv := inState(t, Requested)
	rv, err := rv.Schedule(storetest.Day(2016, 1, 11), storetest.Day(2016, 1, 14), now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rv.StartOnSite(); rpctest.Reason(err) != ReasonTeamNotAssigned {
		t.Fatalf("start on site without a team = %v, want %s", err, ReasonTeamNotAssigned)
	}
}

func TestCompleteRecordsConclusion(t *testing.T) {
	rv := inState(t, Reporting)
	done, err := rv.Complete(RiskMedium, "  Medium risk: caseloads.  ", now)
	if err != nil {
		t.Fatal(err)
	}
	if done.ConclusionRisk != RiskMedium || done.Conclusion != "Medium risk: caseloads." || !done.CompleteTime.Equal(now) {
		t.Fatalf("completed = %+v", done)
	}
	for _, tc := range []struct {
		risk       Risk
		conclusion string
		want       []string
	}{
		{"", "Narrative.", []string{"risk"}},
		{"EXTREME", "Narrative.", []string{"risk"}},
		{RiskHigh, "   ", []string{"conclusion"}},
		{"", "", []string{"conclusion", "risk"}},
		{RiskNone, strings.Repeat("x", MaxNarrative+1), []string{"conclusion"}},
	} {
		_, err := rv.Complete(tc.risk, tc.conclusion, now)
		if got := rpctest.Fields(err); !slices.Equal(got, tc.want) {
			t.Errorf("Complete(%q, %.10q) violations %v, want %v", tc.risk, tc.conclusion, got, tc.want)
		}
	}
}

func TestCancelNeedsReason(t *testing.T) {
	rv := inState(t, OnSite)
	if _, err := rv.Cancel(" "); !slices.Equal(rpctest.Fields(err), []string{"reason"}) {
		t.Fatalf("cancel without reason = %v", err)
	}
	out, err := rv.Cancel(" Council withdrew. ")
	if err != nil || out.CancelReason != "Council withdrew." {
		t.Fatalf("cancel = %+v, %v", out, err)
	}
}

func TestValidateFindings(t *testing.T) {
	ok := Finding{Theme: reviewer.Caseloads, Kind: AreaForImprovement, Severity: Significant, Evidence: "Caseloads of 28."}
	strength := Finding{Theme: reviewer.VoiceOfTheChild, Kind: Strength, Evidence: "Children's views recorded."}
	with := func(f Finding, change func(*Finding)) Finding { change(&f); return f }
	tests := []struct {
		name     string
		findings []Finding
		want     []string
	}{
		{"valid", []Finding{ok, strength}, nil},
		{"none", nil, []string{"findings"}},
		{"too many", slices.Repeat([]Finding{ok}, MaxFindings+1), []string{"findings"}},
		{"no theme", []Finding{with(ok, func(f *Finding) { f.Theme = "" })}, []string{"findings[0].theme"}},
		{"theme outside the taxonomy", []Finding{strength, with(ok, func(f *Finding) { f.Theme = "MORALE" })}, []string{"findings[1].theme"}},
		{"no kind", []Finding{with(ok, func(f *Finding) { f.Kind = "" })}, []string{"findings[0].kind"}},
		{"area for improvement without severity", []Finding{with(ok, func(f *Finding) { f.Severity = "" })}, []string{"findings[0].severity"}},
		{"unknown severity", []Finding{with(ok, func(f *Finding) { f.Severity = "CRITICAL" })}, []string{"findings[0].severity"}},
		{"strength with severity", []Finding{with(strength, func(f *Finding) { f.Severity = Minor })}, []string{"findings[0].severity"}},
		{"no evidence", []Finding{with(ok, func(f *Finding) { f.Evidence = " \n" })}, []string{"findings[0].evidence"}},
		{"evidence too long", []Finding{with(ok, func(f *Finding) { f.Evidence = strings.Repeat("é", MaxText+1) })}, []string{"findings[0].evidence"}},
		{"every problem at once", []Finding{{Kind: Strength, Severity: Severe}, with(ok, func(f *Finding) { f.Severity = "" })},
			[]string{"findings[0].evidence", "findings[0].severity", "findings[0].theme", "findings[1].severity"}},
	}
	for _, tc := range tests {
		err := ValidateFindings(tc.findings)
		if got := rpctest.Fields(err); !slices.Equal(got, tc.want) {
			t.Errorf("%s: violations %v (%v), want %v", tc.name, got, err, tc.want)
		}
	}
}

func TestRecordFindingsReplacesAndTrims(t *testing.T) {
	rv := inState(t, Reporting)
	next, err := rv.RecordFindings([]Finding{{Theme: reviewer.Permanence, Kind: Strength, Evidence: "  Timely adoption.  "}})
	if err != nil {
		t.Fatal(err)
	}
	if len(next.Findings) != 1 || next.Findings[0].Evidence != "Timely adoption." || len(rv.Findings) != 2 {
		t.Fatalf("findings = %+v, original %+v", next.Findings, rv.Findings)
	}
	if _, err := rv.RecordFindings(nil); !slices.Equal(rpctest.Fields(err), []string{"findings"}) {
		t.Fatalf("recording no findings = %v", err)
	}
}

func TestCheckDates(t *testing.T) {
	tests := []struct {
		name       string
		start, end time.Time
		want       []string
	}{
		{"one day", storetest.Day(2016, 1, 11), storetest.Day(2016, 1, 11), nil},
		{"ten days", storetest.Day(2016, 1, 11), storetest.Day(2016, 1, 20), nil},
		{"in the past", storetest.Day(2015, 3, 2), storetest.Day(2015, 3, 5), nil},
		{"eleven days", storetest.Day(2016, 1, 11), storetest.Day(2016, 1, 21), []string{"end_date"}},
		{"end before start", storetest.Day(2016, 1, 11), storetest.Day(2016, 1, 10), []string{"end_date"}},
		{"no dates", time.Time{}, time.Time{}, []string{"end_date", "start_date"}},
		{"no end", storetest.Day(2016, 1, 11), time.Time{}, []string{"end_date"}},
		{"before the earliest date", storetest.Day(2009, 12, 30), storetest.Day(2010, 1, 1), []string{"start_date"}},
		{"more than two years ahead", storetest.Day(2018, 1, 8), storetest.Day(2018, 1, 9), []string{"end_date", "start_date"}},
	}
	for _, tc := range tests {
		err := CheckDates(tc.start, tc.end, now)
		if got := rpctest.Fields(err); !slices.Equal(got, tc.want) {
			t.Errorf("%s: violations %v (%v), want %v", tc.name, got, err, tc.want)
		}
	}
}

func TestCheckRequest(t *testing.T) {
	if err := CheckRequest(CarePracticeDiagnostic, ""); err != nil {
		t.Errorf("valid request: %v", err)
	}
	if got := rpctest.Fields(CheckRequest("", strings.Repeat("x", MaxText+1))); !slices.Equal(got, []string{"peer_review.kind", "peer_review.reason"}) {
		t.Errorf("invalid request: violations %v", got)
	}
	if got := rpctest.Fields(CheckRequest("PEER_AUDIT", "")); !slices.Equal(got, []string{"peer_review.kind"}) {
		t.Errorf("unknown kind: violations %v", got)
	}
}

func TestCheckTeamShape(t *testing.T) {
	m := func(id string, lead bool, days int) Member { return Member{ReviewerID: id, Lead: lead, Days: days} }
	big := make([]Member, MaxTeamSize+1)
	for i := range big {
		big[i] = m(string(rune('a'+i)), i == 0, 3)
	}
	tests := []struct {
		name string
		team []Member
		want []string
	}{
		{"lead and practitioner", []Member{m("a", true, 4), m("b", false, 4)}, nil},
		{"lead alone", []Member{m("a", true, 4)}, []string{"team"}},
		{"empty", nil, []string{"team"}},
		{"too big", big, []string{"team"}},
		{"no lead", []Member{m("a", false, 4), m("b", false, 4)}, []string{"team[0].lead"}},
		{"lead not first", []Member{m("a", false, 4), m("b", true, 4)}, []string{"team[0].lead", "team[1].lead"}},
		{"two leads", []Member{m("a", true, 4), m("b", true, 4)}, []string{"team[1].lead"}},
		{"same reviewer twice", []Member{m("a", true, 4), m("a", false, 4)}, []string{"team[1].reviewer"}},
		{"no reviewer", []Member{m("a", true, 4), m("", false, 4)}, []string{"team[1].reviewer"}},
		{"no days", []Member{m("a", true, 0), m("b", false, MaxMemberDays+1)}, []string{"team[0].days", "team[1].days"}},
	}
	for _, tc := range tests {
		if got := rpctest.Fields(CheckTeamShape(tc.team)); !slices.Equal(got, tc.want) {
			t.Errorf("%s: violations %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestCheckTeam re-validates a team against the pool: each exclusion, the
// lead's role and a reviewer missing from the pool.
func TestCheckTeam(t *testing.T) {
	pool := map[string]Candidate{
		"dir":       {ID: "dir", HomeCouncil: storetest.Hampshire, Director: true, AvailableDays: 20},
		"psw":       {ID: "psw", HomeCouncil: "E09000033", AvailableDays: 20, CommittedDays: 10},
		"local":     {ID: "local", HomeCouncil: storetest.Leeds, AvailableDays: 20},
		"failing":   {ID: "failing", HomeCouncil: storetest.Doncaster, AvailableDays: 20},
		"conflict":  {ID: "conflict", HomeCouncil: "E06000047", Conflicts: []string{storetest.Leeds}, AvailableDays: 20},
		"busy":      {ID: "busy", HomeCouncil: "E10000023", AvailableDays: 12, CommittedDays: 10},
		"associate": {ID: "associate", AvailableDays: 20},
	}
	inadequate := map[string]bool{storetest.Doncaster: true}
	lead := Member{ReviewerID: "dir", Lead: true, Days: 4}
	tests := []struct {
		name string
		team []Member
		want []string
	}{
		{"eligible", []Member{lead, {ReviewerID: "psw", Days: 4}, {ReviewerID: "associate", Days: 4}}, nil},
		{"exactly the days left", []Member{lead, {ReviewerID: "psw", Days: 10}}, nil},
		{"not in the pool", []Member{lead, {ReviewerID: "gone", Days: 4}}, []string{"team[1].reviewer"}},
		{"same council", []Member{lead, {ReviewerID: "local", Days: 4}}, []string{"team[1].reviewer"}},
		{"inadequate council", []Member{lead, {ReviewerID: "failing", Days: 4}}, []string{"team[1].reviewer"}},
		{"declared conflict", []Member{lead, {ReviewerID: "conflict", Days: 4}}, []string{"team[1].reviewer"}},
		{"no days left", []Member{lead, {ReviewerID: "busy", Days: 4}}, []string{"team[1].reviewer"}},
		{"lead not a director", []Member{{ReviewerID: "psw", Lead: true, Days: 4}, {ReviewerID: "associate", Days: 4}}, []string{"team[0].lead"}},
		{"several at once", []Member{{ReviewerID: "local", Lead: true, Days: 4}, {ReviewerID: "failing", Days: 4}},
			[]string{"team[0].lead", "team[0].reviewer", "team[1].reviewer"}},
	}
	for _, tc := range tests {
		err := CheckTeam(storetest.Leeds, tc.team, pool, inadequate)
		if got := rpctest.Fields(err); !slices.Equal(got, tc.want) {
			t.Errorf("%s: violations %v (%v), want %v", tc.name, got, err, tc.want)
		}
		if tc.want != nil && rpctest.Reason(err) != ReasonTeamNotEligible {
			t.Errorf("%s: reason %q, want %s", tc.name, rpctest.Reason(err), ReasonTeamNotEligible)
		}
	}
}

func TestSevereThemesAndEnhancedOffer(t *testing.T) {
	severe := func(th Theme) Finding {
		return Finding{Theme: th, Kind: AreaForImprovement, Severity: Severe, Evidence: "e"}
	}
	tests := []struct {
		name     string
		state    State
		risk     Risk
		findings []Finding
		themes   []Theme
		enhanced bool
	}{
		{"low risk, nothing severe", Completed, RiskLow, []Finding{{Theme: reviewer.Leadership, Kind: AreaForImprovement, Severity: Significant, Evidence: "e"}}, nil, false},
		{"no risk", Completed, RiskNone, []Finding{{Theme: reviewer.Leadership, Kind: Strength, Evidence: "e"}}, nil, false},
		{"medium risk", Completed, RiskMedium, nil, nil, true},
		{"high risk", Completed, RiskHigh, nil, nil, true},
		{"low risk with a severe finding", Completed, RiskLow,
			[]Finding{severe(reviewer.VoiceOfTheChild), severe(reviewer.Caseloads), severe(reviewer.Caseloads)},
			[]Theme{reviewer.Caseloads, reviewer.VoiceOfTheChild}, true},
		{"not completed", Reporting, RiskHigh, []Finding{severe(reviewer.Caseloads)}, []Theme{reviewer.Caseloads}, false},
	}
	for _, tc := range tests {
		rv := Review{State: tc.state, ConclusionRisk: tc.risk, Findings: tc.findings}
		if got := rv.SevereThemes(); !slices.Equal(got, tc.themes) {
			t.Errorf("%s: severe themes %v, want %v", tc.name, got, tc.themes)
		}
		if got := rv.NeedsEnhancedOffer(); got != tc.enhanced {
			t.Errorf("%s: enhanced offer %v, want %v", tc.name, got, tc.enhanced)
		}
	}
}

func TestLinkOffer(t *testing.T) {
	const offer = "localAuthorities/" + storetest.Leeds + "/supportOffers/o1"
	if _, _, err := inState(t, Reporting).LinkOffer(offer); rpctest.Reason(err) != ReasonNotCompleted {
		t.Fatalf("link to a reporting review = %v", err)
	}
	done := inState(t, Completed)
	linked, changed, err := done.LinkOffer(offer)
	if err != nil || !changed || linked.SupportOffer != offer {
		t.Fatalf("link = %+v, %v, %v", linked, changed, err)
	}
	again, changed, err := linked.LinkOffer(offer)
	if err != nil || changed || again.SupportOffer != offer {
		t.Fatalf("link again = %v, %v", changed, err)
	}
	if _, _, err := linked.LinkOffer(offer + "x"); rpctest.Reason(err) != ReasonOfferLinked {
		t.Fatalf("link another offer = %v", err)
	}
}

func TestCommittedDaysAndFingerprint(t *testing.T) {
	mk := func(id string, s State, team ...Member) Review {
		return Review{GSSCode: storetest.Leeds, ID: id, State: s, Team: team}
	}
	all := []Review{
		mk("a", Scheduled, Member{ReviewerID: "x", Lead: true, Days: 4}, Member{ReviewerID: "y", Days: 4}),
		mk("b", OnSite, Member{ReviewerID: "x", Lead: true, Days: 3}),
		mk("c", Reporting, Member{ReviewerID: "z", Days: 2}),
		mk("d", Completed, Member{ReviewerID: "x", Days: 9}),
		mk("e", Cancelled, Member{ReviewerID: "y", Days: 9}),
		mk("f", Requested),
	}
	got := CommittedDays(all, "")
	if want := map[string]int{"x": 7, "y": 4, "z": 2}; !equalMaps(got, want) {
		t.Errorf("committed = %v, want %v", got, want)
	}
	got = CommittedDays(all, Name(storetest.Leeds, "a"))
	if want := map[string]int{"x": 3, "z": 2}; !equalMaps(got, want) {
		t.Errorf("committed except a = %v, want %v", got, want)
	}

	name := Name(storetest.Leeds, "a")
	base := PoolFingerprint(name, "pool-1", map[string]int{"x": 3, "z": 2})
	if again := PoolFingerprint(name, "pool-1", map[string]int{"z": 2, "x": 3, "w": 0}); again != base {
		t.Errorf("fingerprint depends on map order or zero entries: %s vs %s", again, base)
	}
	for what, fp := range map[string]string{
		"pool etag":      PoolFingerprint(name, "pool-2", map[string]int{"x": 3, "z": 2}),
		"committed days": PoolFingerprint(name, "pool-1", map[string]int{"x": 4, "z": 2}),
		"review":         PoolFingerprint(Name(storetest.Leeds, "b"), "pool-1", map[string]int{"x": 3, "z": 2}),
	} {
		if fp == base {
			t.Errorf("fingerprint ignores the %s", what)
		}
	}
}

func equalMaps(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestParseName(t *testing.T) {
	storetest.Names(t, storetest.CouncilChildIn(Collection), map[string][2]string{
		"localAuthorities/E08000035/peerReviews/abc123": {storetest.Leeds, "abc123"},
	}, []string{
		"localAuthorities/E08000035/peerReviews/",
		"localAuthorities/E08000035/inspections/abc",
		"localAuthorities/X08000035/peerReviews/abc",
		"localAuthorities/E08000035/peerReviews/ABC",
		"localAuthorities/E08000035/peerReviews/abc/def",
		"peerReviews/abc",
	})
}

func TestSelect(t *testing.T) {
	at := func(d int) time.Time { return now.AddDate(0, 0, d) }
	all := []Review{
		{GSSCode: storetest.Leeds, ID: "old", Kind: SafeguardingPeerReview, State: Completed, CreateTime: at(-30)},
		{GSSCode: storetest.Leeds, ID: "new", Kind: CarePracticeDiagnostic, State: Scheduled, CreateTime: at(0)},
		{GSSCode: storetest.Hampshire, ID: "mid", Kind: SafeguardingPeerReview, State: Scheduled, CreateTime: at(-10)},
		{GSSCode: storetest.Doncaster, ID: "tie", Kind: SafeguardingPeerReview, State: Requested, CreateTime: at(-10)},
	}
	ids := func(rs []Review) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	// Doncaster (E08000017) sorts before Hampshire on the tie.
	if got := ids(Select(all, nil)); !slices.Equal(got, []string{"new", "tie", "mid", "old"}) {
		t.Errorf("newest first = %v", got)
	}
	for text, want := range map[string][]string{
		"state = SCHEDULED":                                     {"new", "mid"},
		"kind = SAFEGUARDING_PEER_REVIEW":                       {"tie", "mid", "old"},
		"state = SCHEDULED AND kind = CARE_PRACTICE_DIAGNOSTIC": {"new"},
	} {
		f, err := filter.Compile(text, FilterSchema)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(Select(all, f)); !slices.Equal(got, want) {
			t.Errorf("%s = %v, want %v", text, got, want)
		}
	}
	if _, err := filter.Compile("region = LONDON", FilterSchema); !errors.Is(err, filter.ErrInvalidFilter) {
		t.Errorf("unknown filter field = %v", err)
	}
}
