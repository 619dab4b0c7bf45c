package match

import (
	"slices"
	"testing"
)

// TestHardRules checks each rule: the sponsor it applies to would
// otherwise win, yet is never assigned, and its candidate entry says why.
func TestHardRules(t *testing.T) {
	tests := []struct {
		name   string
		change func(in *Input)
		reason Reason
	}{
		{"paused sponsor", func(in *Input) { in.Sponsors[0].Paused = true }, ReasonPaused},
		{"sponsor excluded by the run", func(in *Input) { in.Overrides.ExcludeSponsors = []string{"bad"} }, ReasonExcludedByRun},
		{"sponsor excluded by the need", func(in *Input) { in.Needs[0].ExcludedSponsors = []string{"bad"} }, ReasonExcludedByNeed},
		{"the council is a member of the sponsor", func(in *Input) {
			in.Sponsors[0].Kind = CouncilPartnership
			in.Sponsors[0].MemberCouncils = []string{"E08000035", "E08000017"}
		}, ReasonMemberCouncil},
		{"declared conflict", func(in *Input) { in.Sponsors[0].Conflicts = []string{"E08000017"} }, ReasonDeclaredConflict},
		{"trust lead required", func(in *Input) {
			in.Needs[0].RequiresTrust = true
			in.Sponsors[1].CanLeadTrust = true
		}, ReasonTrustRequired},
		{"forbidden pair", func(in *Input) { in.Overrides.Forbid = []Pair{{"n", "bad"}} }, ReasonPairForbidden},
		{"need pinned elsewhere", func(in *Input) { in.Overrides.Pin = []Pair{{"n", "ok"}} }, ReasonPinnedElsewhere},
		{"no free engagement", func(in *Input) { in.Sponsors[0].Capacity = Capacity{Engagements: 2, EngagementsInUse: 2} }, ReasonNoFreeEngagement},
		{"not enough staff-days", func(in *Input) {
			in.Sponsors[0].Capacity = Capacity{Engagements: 2, StaffDays: 30, StaffDaysInUse: 15}
		}, ReasonNotEnoughDays},
		{"no relevant expertise", func(in *Input) { in.Sponsors[0].Expertise = []Expertise{{"CARE_LEAVERS", 5}} }, ReasonNoExpertise},
		{"score not positive", func(in *Input) {
			in.Weights = &Weights{Expertise: 1, OutOfArea: 100, OutOfAreaFull: 20}
			in.Sponsors[0].OutOfArea = map[string]int{"E08000017": 20}
		}, ReasonScoreNotPositive},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := ruleInput()
			if res := solve(t, in); sponsorOf(res, "n") != "bad" {
				t.Fatalf("without the rule the better sponsor should win, got %q", sponsorOf(res, "n"))
			}
			tt.change(&in)
			for _, alg := range []Algorithm{Optimal, Stable} {
				in.Algorithm = alg
				res := solve(t, in)
				checkInvariants(t, in, res)
				if got := sponsorOf(res, "n"); got != "ok" {
					t.Errorf("%s: assigned %q, want ok", alg, got)
				}
				c := candidate(t, res, "n", "bad")
				if !slices.Contains(c.Reasons, tt.reason) || c.Pass != "" || c.Rank != 2 {
					t.Errorf("%s: candidate bad has reasons %v, pass %q, rank %d; want %s", alg, c.Reasons, c.Pass, c.Rank, tt.reason)
				}
				if ok := candidate(t, res, "n", "ok"); len(ok.Reasons) != 0 || !ok.Assigned || ok.Rank != 1 {
					t.Errorf("%s: candidate ok = %+v", alg, ok)
				}
			}
		})
	}
}

// ruleInput has one need and two sponsors: "bad", the better, and "ok".
func ruleInput() Input {
	bad, ok := baseSponsor("bad"), baseSponsor("ok")
	ok.Expertise = []Expertise{{"CHILD_PROTECTION_PRACTICE", 2}}
	return Input{Needs: []Need{baseNeed("n")}, Sponsors: []Sponsor{bad, ok}}
}

// TestUnmatchedReasons checks the binding reason given for each way a need
// can end up without a sponsor.
func TestUnmatchedReasons(t *testing.T) {
	tests := []struct {
		name     string
		in       func() Input
		reason   UnmatchedReason
		sponsors []string
	}{
		{"no sponsors", func() Input { return Input{Needs: []Need{baseNeed("n")}} }, UnmatchedNoSponsors, nil},
		{"every candidate conflicted", func() Input {
			a, b := baseSponsor("a"), baseSponsor("b")
			a.MemberCouncils = []string{"E08000017"}
			b.Conflicts = []string{"E08000017"}
			return Input{Needs: []Need{baseNeed("n")}, Sponsors: []Sponsor{a, b}}
		}, UnmatchedAllConflicted, nil},
		{"no trust lead", func() Input {
			n := baseNeed("n")
			n.RequiresTrust = true
			a, b := baseSponsor("a"), baseSponsor("b")
			b.Paused = true
			return Input{Needs: []Need{n}, Sponsors: []Sponsor{a, b}}
		}, UnmatchedNoTrustLead, []string{"a"}},
		{"every candidate ineligible", func() Input {
			n := baseNeed("n")
			n.ExcludedSponsors = []string{"b"}
			a, b := baseSponsor("a"), baseSponsor("b")
			a.Paused = true
			return Input{Needs: []Need{n}, Sponsors: []Sponsor{a, b}}
		}, UnmatchedAllIneligible, nil},
		{"no capacity before the run", func() Input {
			a := baseSponsor("a")
			a.Capacity.EngagementsInUse = 2
			return Input{Needs: []Need{baseNeed("n")}, Sponsors: []Sponsor{a}}
		}, UnmatchedNoCapacity, []string{"a"}},
		{"no suitable sponsor", func() Input {
			a := baseSponsor("a")
			a.Expertise = []Expertise{{"CARE_LEAVERS", 5}}
			return Input{Needs: []Need{baseNeed("n")}, Sponsors: []Sponsor{a}}
		}, UnmatchedNoSuitable, []string{"a"}},
		{"capacity taken by a more valuable need", func() Input {
			urgent := baseNeed("urgent")
			urgent.Urgency = 5
			a := baseSponsor("a")
			a.Capacity.Engagements = 1
			return Input{Needs: []Need{baseNeed("n"), urgent}, Sponsors: []Sponsor{a}}
		}, UnmatchedCapacityTaken, []string{"a"}},
	}
	for _, tt := range tests {
		for _, alg := range []Algorithm{Optimal, Stable} {
			t.Run(tt.name+"/"+string(alg), func(t *testing.T) {
				in := tt.in()
				in.Algorithm = alg
				res := solve(t, in)
				checkInvariants(t, in, res)
				var got *Unmatched
				for i := range res.Unmatched {
					if res.Unmatched[i].Need == "n" {
						got = &res.Unmatched[i]
					}
				}
				if got == nil {
					t.Fatalf("need n matched to %q", sponsorOf(res, "n"))
				}
				if got.Reason != tt.reason || !slices.Equal(got.Sponsors, tt.sponsors) {
					t.Errorf("unmatched %s %v (%s), want %s %v", got.Reason, got.Sponsors, got.Detail, tt.reason, tt.sponsors)
				}
			})
		}
	}
}

// TestPassNoRoom: a need that loses its best sponsor to a more urgent need
// sees that sponsor as NO_ROOM.
func TestPassNoRoom(t *testing.T) {
	urgent := baseNeed("urgent")
	urgent.Urgency = 5
	best, second := baseSponsor("best"), baseSponsor("second")
	best.Capacity.Engagements = 1
	second.Expertise = []Expertise{{"CHILD_PROTECTION_PRACTICE", 3}}
	for _, alg := range []Algorithm{Optimal, Stable} {
		res := solve(t, Input{Needs: []Need{baseNeed("n"), urgent}, Sponsors: []Sponsor{best, second}, Algorithm: alg})
		if sponsorOf(res, "urgent") != "best" || sponsorOf(res, "n") != "second" {
			t.Fatalf("%s: assignments %+v", alg, res.Assignments)
		}
		if c := candidate(t, res, "n", "best"); c.Pass != PassNoRoom || c.Rank != 1 {
			t.Errorf("%s: candidate best for n: pass %q rank %d", alg, c.Pass, c.Rank)
		}
	}
}

// TestMaxCandidates keeps the best-ranked candidates and the assigned one.
func TestMaxCandidates(t *testing.T) {
	urgent := baseNeed("urgent")
	urgent.Urgency = 5
	best, second, third := baseSponsor("best"), baseSponsor("second"), baseSponsor("third")
	best.Capacity.Engagements = 1
	second.Expertise = []Expertise{{"CHILD_PROTECTION_PRACTICE", 3}}
	third.Expertise = []Expertise{{"CHILD_PROTECTION_PRACTICE", 1}}
	in := Input{Needs: []Need{baseNeed("n"), urgent}, Sponsors: []Sponsor{third, best, second}, MaxCandidates: 1}
	res := solve(t, in)
	checkInvariants(t, in, res)
	for _, rep := range res.Needs {
		var got []string
		for _, c := range rep.Candidates {
			got = append(got, c.Sponsor)
		}
		want := map[string][]string{"n": {"best", "second"}, "urgent": {"best"}}[rep.Need]
		if !slices.Equal(got, want) {
			t.Errorf("need %s candidates %v, want %v", rep.Need, got, want)
		}
	}
}
