package team

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
)

// Councils of the tests.
const (
	sheffield   = "E08000019" // the reviewed council
	leeds       = "E08000035"
	hampshire   = "E10000014"
	durham      = "E06000047"
	westminster = "E09000033"
	kingston    = "E09000021"
	richmond    = "E09000027"
	northYorks  = "E10000023"
	manchester  = "E08000003"
	portsmouth  = "E06000044"
	birmingham  = "E08000025" // judged inadequate in these tests
)

// rv builds a reviewer with avail days a quarter.
func rv(id string, role reviewer.Role, home string, avail int, themes ...reviewer.Theme) reviewer.Reviewer {
	return reviewer.Reviewer{
		ID: id, DisplayName: "Reviewer " + strings.ToUpper(id), Role: role, HomeCouncil: home,
		AvailableDaysPerQuarter: avail, Expertise: themes,
	}
}

func withConflicts(r reviewer.Reviewer, gss ...string) reviewer.Reviewer {
	r.Conflicts = gss
	return r
}

// basePool holds a director and three practitioners from four different
// councils, none excluded, none with expertise.
func basePool() []reviewer.Reviewer {
	return []reviewer.Reviewer{
		rv("dir-a", reviewer.Director, leeds, 20),
		rv("psw-a", reviewer.PrincipalSocialWorker, hampshire, 20),
		rv("psw-b", reviewer.PrincipalSocialWorker, durham, 20),
		rv("tm-a", reviewer.TeamManager, westminster, 20),
	}
}

func input(pool ...reviewer.Reviewer) Input {
	return Input{Council: sheffield, Pool: pool, Inadequate: []string{birmingham}}
}

func ids(p Proposal) []string {
	var out []string
	for _, pk := range p.Picks {
		out = append(out, pk.ReviewerID)
	}
	return out
}

func mustPropose(t *testing.T, in Input) Proposal {
	t.Helper()
	p, err := Propose(in)
	if err != nil {
		t.Fatalf("Propose: %v", err)
	}
	return p
}

func TestProposeFullTeam(t *testing.T) {
	p := mustPropose(t, input(basePool()...))
	if got, want := ids(p), []string{"dir-a", "psw-a", "psw-b", "tm-a"}; !slices.Equal(got, want) {
		t.Fatalf("picks %v, want %v", got, want)
	}
	if !p.Picks[0].Lead || p.Picks[1].Lead {
		t.Errorf("lead flags %v %v, want only the first to lead", p.Picks[0].Lead, p.Picks[1].Lead)
	}
	if p.Days != DefaultDays {
		t.Errorf("days %d, want the default %d for an unscheduled review", p.Days, DefaultDays)
	}
	for _, pk := range p.Picks {
		if pk.Days != DefaultDays || pk.Reason == "" || pk.RunnerUpReason == "" {
			t.Errorf("pick %+v lacks days or explanations", pk)
		}
	}
	if !strings.Contains(p.Picks[0].Reason, "takes the lead place") || !strings.Contains(p.Picks[0].Reason, "Leeds (E08000035)") {
		t.Errorf("lead reason %q does not name the place and council", p.Picks[0].Reason)
	}
	if p.Picks[0].RunnerUpID != "" || !strings.Contains(p.Picks[0].RunnerUpReason, "no other candidate") {
		t.Errorf("lead runner-up %q %q, want none", p.Picks[0].RunnerUpID, p.Picks[0].RunnerUpReason)
	}
	if len(p.Exclusions) != 0 {
		t.Errorf("exclusions %v, want none", p.Exclusions)
	}
}

func TestProposeExclusions(t *testing.T) {
	tests := []struct {
		name      string
		candidate reviewer.Reviewer
		committed int
		days      int
		want      []ExclusionReason
		text      string
	}{
		{"same council", rv("psw-x", reviewer.PrincipalSocialWorker, sheffield, 30), 0, 0,
			[]ExclusionReason{SameCouncil}, "works for the reviewed council, Sheffield (E08000019)"},
		{"inadequate council", rv("psw-x", reviewer.PrincipalSocialWorker, birmingham, 30), 0, 0,
			[]ExclusionReason{InadequateCouncil}, "works for Birmingham (E08000025), which is judged inadequate"},
		{"declared conflict", withConflicts(rv("psw-x", reviewer.PrincipalSocialWorker, manchester, 30), leeds, sheffield), 0, 0,
			[]ExclusionReason{Conflict}, "declared a conflict with Sheffield (E08000019)"},
		{"declared conflict of an associate without council", withConflicts(rv("assoc-x", reviewer.LGAAssociate, "", 30), sheffield), 0, 0,
			[]ExclusionReason{Conflict}, "declared a conflict"},
		{"no days: committed leaves one too few", rv("psw-x", reviewer.PrincipalSocialWorker, manchester, 10), 6, 0,
			[]ExclusionReason{NoDays}, "has 4 of 10 days left this quarter (6 committed) but the review needs 5"},
		{"no days: none available", rv("psw-x", reviewer.PrincipalSocialWorker, manchester, 0), 0, 0,
			[]ExclusionReason{NoDays}, "has 0 of 0 days left"},
		{"no days: over-committed", rv("psw-x", reviewer.PrincipalSocialWorker, manchester, 10), 12, 0,
			[]ExclusionReason{NoDays}, "has 0 of 10 days left this quarter (12 committed)"},
		{"no days for a longer review", rv("psw-x", reviewer.PrincipalSocialWorker, manchester, 10), 0, 11,
			[]ExclusionReason{NoDays}, "but the review needs 11"},
		{"every reason at once", withConflicts(rv("dir-x", reviewer.Director, sheffield, 3), sheffield), 0, 0,
			[]ExclusionReason{SameCouncil, Conflict, NoDays}, "works for the reviewed council"},
		{"director of an inadequate council", rv("dir-x", reviewer.Director, birmingham, 30), 0, 0,
			[]ExclusionReason{InadequateCouncil}, "judged inadequate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pool := append(basePool(), rv("psw-spare", reviewer.PrincipalSocialWorker, kingston, 20), tt.candidate)
			in := input(pool...)
			in.Days = tt.days
			in.Committed = map[string]int{tt.candidate.ID: tt.committed}
			if tt.days > 10 {
				// Give the rest of the team the days a longer review needs.
				for i := range in.Pool {
					if in.Pool[i].ID != tt.candidate.ID {
						in.Pool[i].AvailableDaysPerQuarter = 60
					}
				}
			}
			p := mustPropose(t, in)
			if slices.Contains(ids(p), tt.candidate.ID) {
				t.Fatalf("excluded reviewer %s was picked: %v", tt.candidate.ID, ids(p))
			}
			if len(p.Exclusions) != 1 {
				t.Fatalf("exclusions %+v, want one", p.Exclusions)
			}
			e := p.Exclusions[0]
			if e.ReviewerID != tt.candidate.ID || !slices.Equal(e.Reasons, tt.want) {
				t.Errorf("exclusion %s %v, want %s %v", e.ReviewerID, e.Reasons, tt.candidate.ID, tt.want)
			}
			if !strings.Contains(e.Text, tt.text) || !strings.Contains(e.Text, "reviewers/"+tt.candidate.ID) {
				t.Errorf("exclusion text %q, want it to contain %q and the reviewer's name", e.Text, tt.text)
			}
		})
	}
}

func TestProposeExactlyEnoughDaysIsEligible(t *testing.T) {
	pool := basePool()
	pool[0].AvailableDaysPerQuarter = 12
	in := input(pool...)
	in.Committed = map[string]int{"dir-a": 7} // 5 left, 5 needed
	p := mustPropose(t, in)
	if p.Picks[0].ReviewerID != "dir-a" {
		t.Fatalf("lead %s, want dir-a with exactly the days needed", p.Picks[0].ReviewerID)
	}
	if !strings.Contains(p.Picks[0].Reason, "leaving 5 days for the 5 needed") {
		t.Errorf("reason %q does not show days left", p.Picks[0].Reason)
	}
}

func TestProposeDaysFromDates(t *testing.T) {
	pool := basePool()
	pool[1].AvailableDaysPerQuarter = 9 // psw-a cannot give a two-week review
	in := input(append(pool, rv("tm-b", reviewer.TeamManager, kingston, 20))...)
	in.Start = time.Date(2016, 2, 1, 0, 0, 0, 0, time.UTC) // Monday
	in.End = time.Date(2016, 2, 12, 0, 0, 0, 0, time.UTC)  // Friday week
	p := mustPropose(t, in)
	if p.Days != 10 {
		t.Fatalf("days %d, want the 10 working days on site", p.Days)
	}
	if slices.Contains(ids(p), "psw-a") {
		t.Errorf("psw-a with 9 days was picked for a 10-day review: %v", ids(p))
	}
}

func TestProposeExpertisePreference(t *testing.T) {
	focus := []reviewer.Theme{reviewer.Leadership, reviewer.WorkforceStability, reviewer.Caseloads, reviewer.Permanence}
	tests := []struct {
		name     string
		a, b     []reviewer.Theme // expertise of dir-a and dir-b
		wantLead string
		points   [2]int // points of the lead and the runner-up
	}{
		{"a match beats none", []reviewer.Theme{reviewer.Permanence}, nil, "dir-a", [2]int{2, 0}},
		{"the weakest theme beats a later one", []reviewer.Theme{reviewer.Caseloads}, []reviewer.Theme{reviewer.Leadership}, "dir-b", [2]int{8, 4}},
		{"two middling themes beat the weakest alone", []reviewer.Theme{reviewer.Leadership}, []reviewer.Theme{reviewer.WorkforceStability, reviewer.Caseloads}, "dir-b", [2]int{10, 8}},
		{"themes outside the focus count nothing", []reviewer.Theme{reviewer.VoiceOfTheChild, reviewer.CareLeavers}, []reviewer.Theme{reviewer.Permanence}, "dir-b", [2]int{2, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pool := append(basePool(), rv("dir-b", reviewer.Director, richmond, 20, tt.b...))
			pool[0].Expertise = tt.a
			in := input(pool...)
			in.Focus = focus
			p := mustPropose(t, in)
			lead := p.Picks[0]
			if lead.ReviewerID != tt.wantLead {
				t.Fatalf("lead %s, want %s (%s)", lead.ReviewerID, tt.wantLead, lead.RunnerUpReason)
			}
			if lead.Points != tt.points[0] {
				t.Errorf("lead points %d, want %d", lead.Points, tt.points[0])
			}
			if !strings.Contains(lead.RunnerUpReason, "scores fewer points") {
				t.Errorf("runner-up reason %q does not say expertise decided", lead.RunnerUpReason)
			}
			if tt.points[1] == 0 && !strings.Contains(lead.RunnerUpReason, "matches none of the focus themes") {
				t.Errorf("runner-up reason %q does not say nothing matched", lead.RunnerUpReason)
			}
		})
	}
}

func TestProposeExpertiseBeatsLoad(t *testing.T) {
	pool := append(basePool(), rv("dir-b", reviewer.Director, richmond, 20, reviewer.Caseloads))
	in := input(pool...)
	in.Focus = []reviewer.Theme{reviewer.Caseloads}
	in.Committed = map[string]int{"dir-b": 15}
	p := mustPropose(t, in)
	if p.Picks[0].ReviewerID != "dir-b" {
		t.Fatalf("lead %s, want the expert dir-b despite a 75%% load", p.Picks[0].ReviewerID)
	}
	want := "matches CASELOADS (1st of 1), 2 points; 15 of 20 days committed this quarter (75%), leaving 5 days"
	if !strings.Contains(p.Picks[0].Reason, want) {
		t.Errorf("reason %q, want it to contain %q", p.Picks[0].Reason, want)
	}
}

func TestProposeSpreadsExpertiseOverTheFocus(t *testing.T) {
	focus := []reviewer.Theme{reviewer.Leadership, reviewer.Caseloads, reviewer.Permanence}
	pool := []reviewer.Reviewer{
		rv("dir-a", reviewer.Director, leeds, 20, reviewer.Leadership),
		// psw-a claims the weakest theme, which the lead already covers:
		// 6 points halved to 3. psw-b claims the second: 4 points.
		rv("psw-a", reviewer.PrincipalSocialWorker, hampshire, 20, reviewer.Leadership),
		rv("psw-b", reviewer.PrincipalSocialWorker, durham, 20, reviewer.Caseloads),
	}
	in := input(pool...)
	in.Focus = focus
	in.Practitioners = 1
	p := mustPropose(t, in)
	if got := ids(p); !slices.Equal(got, []string{"dir-a", "psw-b"}) {
		t.Fatalf("picks %v, want psw-b, whose theme the team lacks", got)
	}
	pk := p.Picks[1]
	if pk.RunnerUpID != "psw-a" || !strings.Contains(pk.RunnerUpReason, "LEADERSHIP (1st of 3, already covered), 3 points") {
		t.Errorf("runner-up %s %q, want psw-a with its covered theme explained", pk.RunnerUpID, pk.RunnerUpReason)
	}
}

func TestProposeLoadSpread(t *testing.T) {
	tests := []struct {
		name      string
		committed map[string]int
		availB    int
		reason    string
	}{
		{"lower share wins", map[string]int{"dir-a": 10, "dir-b": 2}, 20,
			"higher load: 10 of 20 days committed this quarter (50%), against 2 of 20 days committed this quarter (10%)"},
		{"share, not days, decides", map[string]int{"dir-a": 6, "dir-b": 10}, 40,
			"higher load: 6 of 20 days committed this quarter (30%), against 10 of 40 days committed this quarter (25%)"},
		{"nothing committed beats something", map[string]int{"dir-a": 1}, 20,
			"higher load: 1 of 20 days committed this quarter (5%), against 0 of 20"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pool := append(basePool(), rv("dir-b", reviewer.Director, richmond, tt.availB))
			in := input(pool...)
			in.Committed = tt.committed
			lead := mustPropose(t, in).Picks[0]
			if lead.ReviewerID != "dir-b" || lead.RunnerUpID != "dir-a" {
				t.Fatalf("lead %s runner-up %s, want dir-b then dir-a", lead.ReviewerID, lead.RunnerUpID)
			}
			if !strings.Contains(lead.RunnerUpReason, tt.reason) {
				t.Errorf("runner-up reason %q, want it to contain %q", lead.RunnerUpReason, tt.reason)
			}
		})
	}
}

func TestProposeTiesGoToTheLowerID(t *testing.T) {
	pool := append(basePool(), rv("dir-0", reviewer.Director, richmond, 20))
	p := mustPropose(t, input(pool...))
	lead := p.Picks[0]
	if lead.ReviewerID != "dir-0" || lead.RunnerUpID != "dir-a" {
		t.Fatalf("lead %s runner-up %s, want dir-0 then dir-a", lead.ReviewerID, lead.RunnerUpID)
	}
	if !strings.Contains(lead.RunnerUpReason, "ties go to the lower reviewer id, and dir-0 comes before dir-a") {
		t.Errorf("runner-up reason %q does not explain the tie", lead.RunnerUpReason)
	}
}

func TestProposeRoles(t *testing.T) {
	t.Run("directors only lead and others never lead", func(t *testing.T) {
		pool := []reviewer.Reviewer{
			rv("assoc-a", reviewer.LGAAssociate, "", 20, reviewer.Leadership),
			rv("dir-a", reviewer.Director, leeds, 20),
			rv("dir-b", reviewer.Director, hampshire, 20, reviewer.Leadership),
			rv("psw-a", reviewer.PrincipalSocialWorker, durham, 20, reviewer.Leadership),
		}
		in := input(pool...)
		in.Focus = []reviewer.Theme{reviewer.Leadership}
		in.Practitioners = 1
		p := mustPropose(t, in)
		if got := ids(p); !slices.Equal(got, []string{"dir-b", "psw-a"}) {
			t.Fatalf("picks %v, want dir-b to lead and psw-a, not a second director", got)
		}
	})
	t.Run("associates and members fill in only when nobody else fits", func(t *testing.T) {
		pool := []reviewer.Reviewer{
			rv("dir-a", reviewer.Director, leeds, 20),
			rv("assoc-a", reviewer.LGAAssociate, "", 20, reviewer.Caseloads),
			rv("member-a", reviewer.ElectedMember, kingston, 20, reviewer.Caseloads),
			rv("tm-a", reviewer.TeamManager, hampshire, 20),
		}
		in := input(pool...)
		in.Focus = []reviewer.Theme{reviewer.Caseloads}
		in.Practitioners = 2
		p := mustPropose(t, in)
		if got := ids(p); !slices.Equal(got, []string{"dir-a", "tm-a", "assoc-a"}) {
			t.Fatalf("picks %v, want tm-a first despite the associate's expertise, then assoc-a", got)
		}
		if r := p.Picks[1].RunnerUpReason; !strings.Contains(r, "is an LGA associate, who fills a practitioner place only when no principal social worker or team manager fits") {
			t.Errorf("runner-up reason %q does not explain the role rule", r)
		}
		if p.Picks[2].RunnerUpID != "member-a" || !strings.Contains(p.Picks[2].RunnerUpReason, "ties on expertise") {
			t.Errorf("third place runner-up %s %q, want member-a losing on id", p.Picks[2].RunnerUpID, p.Picks[2].RunnerUpReason)
		}
	})
	t.Run("associates without a home council may serve together", func(t *testing.T) {
		pool := []reviewer.Reviewer{
			rv("dir-a", reviewer.Director, leeds, 20),
			rv("assoc-a", reviewer.LGAAssociate, "", 20),
			rv("assoc-b", reviewer.LGAAssociate, "", 20),
		}
		in := input(pool...)
		in.Practitioners = 2
		p := mustPropose(t, in)
		if got := ids(p); !slices.Equal(got, []string{"dir-a", "assoc-a", "assoc-b"}) {
			t.Fatalf("picks %v, want both associates", got)
		}
		if !strings.Contains(p.Picks[1].Reason, "an LGA associate with no home council") {
			t.Errorf("reason %q does not describe the associate", p.Picks[1].Reason)
		}
	})
}

func TestProposeOneMemberPerHomeCouncil(t *testing.T) {
	pool := []reviewer.Reviewer{
		rv("dir-a", reviewer.Director, leeds, 20),
		rv("psw-a", reviewer.PrincipalSocialWorker, leeds, 20, reviewer.Caseloads),     // the lead's council
		rv("psw-b", reviewer.PrincipalSocialWorker, hampshire, 20, reviewer.Caseloads), // best practitioner
		rv("psw-c", reviewer.PrincipalSocialWorker, hampshire, 20, reviewer.Caseloads), // same council as psw-b
		rv("tm-a", reviewer.TeamManager, durham, 20),
	}
	in := input(pool...)
	in.Focus = []reviewer.Theme{reviewer.Caseloads}
	in.Practitioners = 2
	p := mustPropose(t, in)
	if got := ids(p); !slices.Equal(got, []string{"dir-a", "psw-b", "tm-a"}) {
		t.Fatalf("picks %v, want one member per home council", got)
	}
	if p.Picks[1].RunnerUpID != "psw-c" {
		t.Errorf("runner-up %s, want psw-c (psw-a shares the lead's council)", p.Picks[1].RunnerUpID)
	}
	if p.Picks[2].RunnerUpID != "" {
		t.Errorf("third place runner-up %s, want none: the rest share a member's council", p.Picks[2].RunnerUpID)
	}
}

func TestProposeNotEnoughReviewers(t *testing.T) {
	tests := []struct {
		name    string
		pool    []reviewer.Reviewer
		places  int
		missing string
		msg     []string
		picked  int
	}{
		{
			name: "no director can lead",
			pool: []reviewer.Reviewer{
				rv("dir-a", reviewer.Director, sheffield, 20),
				rv("dir-b", reviewer.Director, birmingham, 20),
				rv("dir-c", reviewer.Director, leeds, 2),
				rv("psw-a", reviewer.PrincipalSocialWorker, hampshire, 20),
			},
			places:  1,
			missing: "lead",
			msg: []string{"missing a lead of director level", "directors: 3 in the pool, 1 from the reviewed council, " +
				"1 from an inadequate council, 1 without enough days left"},
			picked: 1,
		},
		{
			name:    "an empty pool",
			pool:    nil,
			places:  0,
			missing: "lead,practitioners",
			msg:     []string{"missing a lead of director level and 3 of 3 practitioners", "directors: the pool has none", "practitioners: the pool has none"},
		},
		{
			name: "too few practitioners",
			pool: []reviewer.Reviewer{
				rv("dir-a", reviewer.Director, leeds, 20),
				rv("psw-a", reviewer.PrincipalSocialWorker, hampshire, 20),
				rv("psw-b", reviewer.PrincipalSocialWorker, hampshire, 20),
				withConflicts(rv("tm-a", reviewer.TeamManager, durham, 20), sheffield),
			},
			places:  3,
			missing: "practitioners",
			msg: []string{"missing 2 of 3 practitioners", "practitioners: 3 in the pool, 1 with a declared conflict, " +
				"1 from a home council already on the team, 1 already picked"},
			picked: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input(tt.pool...)
			in.Practitioners = tt.places
			p, err := Propose(in)
			f, ok := fault.As(err)
			if !ok || f.Kind != fault.KindFailedPrecondition || f.Reason != ReasonNotEnoughReviewers {
				t.Fatalf("err %v, want FAILED_PRECONDITION %s", err, ReasonNotEnoughReviewers)
			}
			if f.Metadata["missing"] != tt.missing {
				t.Errorf("missing %q, want %q", f.Metadata["missing"], tt.missing)
			}
			for _, m := range tt.msg {
				if !strings.Contains(f.Message, m) {
					t.Errorf("message %q lacks %q", f.Message, m)
				}
			}
			if !strings.Contains(f.Message, "Sheffield (E08000019)") {
				t.Errorf("message %q does not name the council", f.Message)
			}
			if len(p.Picks) != tt.picked {
				t.Errorf("partial proposal has %d picks, want %d", len(p.Picks), tt.picked)
			}
		})
	}
}

func TestProposeInvalidInput(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2016, 3, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name   string
		mutate func(*Input)
		fields []string
	}{
		{"unknown council", func(in *Input) { in.Council = "E99999999" }, []string{"council"}},
		{"negative practitioners", func(in *Input) { in.Practitioners = -1 }, []string{"practitioners"}},
		{"too many practitioners", func(in *Input) { in.Practitioners = MaxPractitioners + 1 }, []string{"practitioners"}},
		{"negative days", func(in *Input) { in.Days = -2 }, []string{"days"}},
		{"end before start", func(in *Input) { in.Start, in.End = day(10), day(9) }, []string{"end_date"}},
		{"start without end", func(in *Input) { in.Start = day(10) }, []string{"end_date"}},
		{"everything at once", func(in *Input) { in.Council, in.Practitioners, in.End = "", 99, day(3) },
			[]string{"council", "practitioners", "start_date"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input(basePool()...)
			tt.mutate(&in)
			_, err := Propose(in)
			if err == nil {
				t.Fatal("Propose succeeded, want INVALID_ARGUMENT")
			}
			if got := rpctest.InvalidFields(t, err); !slices.Equal(got, tt.fields) {
				t.Errorf("violations on %v, want %v", got, tt.fields)
			}
		})
	}
}

func TestProposeRefusesADuplicatedReviewer(t *testing.T) {
	pool := append(basePool(), rv("psw-a", reviewer.PrincipalSocialWorker, kingston, 20))
	_, err := Propose(input(pool...))
	if _, isFault := fault.As(err); err == nil || isFault || !strings.Contains(err.Error(), "reviewers/psw-a appears twice") {
		t.Fatalf("err %v, want a plain (internal) error about the duplicate", err)
	}
}

// bigPool is a pool with plenty of ties and near-ties for the determinism
// test: several roles, shared councils, expertise and loads.
func bigPool() ([]reviewer.Reviewer, map[string]int) {
	councils := []string{leeds, hampshire, durham, westminster, kingston, richmond, northYorks, manchester, portsmouth, birmingham, sheffield}
	roles := []reviewer.Role{reviewer.Director, reviewer.PrincipalSocialWorker, reviewer.TeamManager, reviewer.ElectedMember, reviewer.LGAAssociate}
	var pool []reviewer.Reviewer
	committed := map[string]int{}
	for i := range 40 {
		id := "r" + string(rune('a'+i/26)) + string(rune('a'+i%26))
		home := councils[i%len(councils)]
		role := roles[i%len(roles)]
		if role == reviewer.LGAAssociate && i%2 == 0 {
			home = ""
		}
		var themes []reviewer.Theme
		for j, th := range reviewer.Themes {
			if (i+j)%4 == 0 {
				themes = append(themes, th)
			}
		}
		pool = append(pool, rv(id, role, home, 10+i%3*5, themes...))
		committed[id] = i % 4 * 2
	}
	return pool, committed
}

func TestProposeIsDeterministic(t *testing.T) {
	pool, committed := bigPool()
	in := Input{
		Council:    sheffield,
		Pool:       pool,
		Committed:  committed,
		Inadequate: []string{birmingham, portsmouth, manchester},
		Focus:      []reviewer.Theme{reviewer.Caseloads, reviewer.Leadership, reviewer.Permanence},
	}
	want := mustPropose(t, in)
	if len(want.Picks) != 1+DefaultPractitioners || len(want.Exclusions) == 0 {
		t.Fatalf("fixture gives %d picks and %d exclusions; want a full team and some exclusions", len(want.Picks), len(want.Exclusions))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 50 {
		shuffled := in
		shuffled.Pool = slices.Clone(pool)
		rng.Shuffle(len(shuffled.Pool), func(a, b int) { shuffled.Pool[a], shuffled.Pool[b] = shuffled.Pool[b], shuffled.Pool[a] })
		shuffled.Inadequate = slices.Clone(in.Inadequate)
		rng.Shuffle(len(shuffled.Inadequate), func(a, b int) {
			shuffled.Inadequate[a], shuffled.Inadequate[b] = shuffled.Inadequate[b], shuffled.Inadequate[a]
		})
		got := mustPropose(t, shuffled)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("shuffle %d: proposal differs:\n got %+v\nwant %+v", i, got, want)
		}
	}
	// The caller's pool is left as it was given.
	if pool[0].ID != "raa" {
		t.Errorf("Propose reordered the caller's pool")
	}
}

func TestFocusIsCleaned(t *testing.T) {
	in := input(basePool()...)
	in.Focus = []reviewer.Theme{reviewer.Caseloads, "NOT_A_THEME", reviewer.Caseloads, reviewer.Leadership}
	p := mustPropose(t, in)
	if want := []reviewer.Theme{reviewer.Caseloads, reviewer.Leadership}; !slices.Equal(p.Focus, want) {
		t.Errorf("focus %v, want %v", p.Focus, want)
	}
}

func TestOnSiteDays(t *testing.T) {
	d := func(m, day int) time.Time { return time.Date(2016, time.Month(m), day, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name       string
		start, end time.Time
		want       int
	}{
		{"one day", d(2, 1), d(2, 1), 1},
		{"Monday to Friday", d(2, 1), d(2, 5), 5},
		{"Monday to the next Friday", d(2, 1), d(2, 12), 10},
		{"Thursday to Tuesday skips the weekend", d(2, 4), d(2, 9), 4},
		{"a weekend visit counts its days", d(2, 6), d(2, 7), 2},
		{"end before start", d(2, 5), d(2, 1), 0},
		{"times of day are ignored", time.Date(2016, 2, 1, 23, 0, 0, 0, time.UTC), time.Date(2016, 2, 2, 1, 0, 0, 0, time.UTC), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := OnSiteDays(tt.start, tt.end); got != tt.want {
				t.Errorf("OnSiteDays = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestDaysNeeded(t *testing.T) {
	if got, err := DaysNeeded(time.Time{}, time.Time{}); err != nil || got != DefaultDays {
		t.Errorf("unscheduled: %d, %v; want %d", got, err, DefaultDays)
	}
	start := time.Date(2016, 2, 1, 0, 0, 0, 0, time.UTC)
	if got, err := DaysNeeded(start, start.AddDate(0, 0, 2)); err != nil || got != 3 {
		t.Errorf("Monday to Wednesday: %d, %v; want 3", got, err)
	}
	if _, err := DaysNeeded(time.Time{}, start); !fault.IsKind(err, fault.KindInvalid) {
		t.Errorf("end without start: %v, want INVALID_ARGUMENT", err)
	}
}

func TestDaysOverride(t *testing.T) {
	in := input(basePool()...)
	in.Start = time.Date(2016, 2, 1, 0, 0, 0, 0, time.UTC)
	in.End = in.Start.AddDate(0, 0, 4)
	in.Days = 3
	p := mustPropose(t, in)
	if p.Days != 3 || p.Picks[0].Days != 3 {
		t.Errorf("days %d/%d, want the override 3", p.Days, p.Picks[0].Days)
	}
}
