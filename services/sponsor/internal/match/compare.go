package match

import (
	"cmp"
	"slices"
)

// ChangeKind says how one need's outcome differs between two results.
type ChangeKind string

// The change kinds.
const (
	ChangeAssigned    ChangeKind = "ASSIGNED"     // unmatched before, matched after
	ChangeUnassigned  ChangeKind = "UNASSIGNED"   // matched before, unmatched after
	ChangeMoved       ChangeKind = "MOVED"        // matched to another sponsor
	ChangeRescored    ChangeKind = "RESCORED"     // same sponsor, another score
	ChangeNeedAdded   ChangeKind = "NEED_ADDED"   // the need is only in the second result
	ChangeNeedRemoved ChangeKind = "NEED_REMOVED" // the need is only in the first result
)

// Change is one need whose outcome differs. Sponsors are empty for none,
// scores 0 for none.
type Change struct {
	Need        string
	Kind        ChangeKind
	Before      string
	After       string
	BeforeScore int
	AfterScore  int
}

// LoadChange is a sponsor whose load from the run differs.
type LoadChange struct {
	Sponsor                             string
	EngagementsBefore, EngagementsAfter int
	StaffDaysBefore, StaffDaysAfter     int
}

// Comparison is what differs between two results, a before and an after.
type Comparison struct {
	// SameInput says the fingerprints are equal: the results answer the
	// same question (if they still differ, a limit cut a search short).
	SameInput                       bool
	AlgorithmBefore, AlgorithmAfter Algorithm
	ObjectiveBefore, ObjectiveAfter int64
	GapBefore, GapAfter             float64
	// Changes are the needs whose outcome differs, by need id.
	Changes []Change
	// Loads are the sponsors whose load from the run differs, by id.
	Loads []LoadChange
	// Unchanged counts the needs in both results with the same sponsor
	// (or none) and the same score.
	Unchanged int
}

// Compare shows what differs between result a (before) and b (after).
func Compare(a, b *Result) Comparison {
	c := Comparison{
		SameInput:       a.Fingerprint == b.Fingerprint,
		AlgorithmBefore: a.Algorithm, AlgorithmAfter: b.Algorithm,
		ObjectiveBefore: a.Objective, ObjectiveAfter: b.Objective,
		GapBefore: a.Gap, GapAfter: b.Gap,
	}
	type got struct {
		sponsor string
		score   int
	}
	outcome := func(r *Result) map[string]got {
		m := make(map[string]got, len(r.Needs))
		for _, n := range r.Needs {
			m[n.Need] = got{}
		}
		for _, as := range r.Assignments {
			m[as.Need] = got{as.Sponsor, as.Score.Total}
		}
		return m
	}
	before, after := outcome(a), outcome(b)
	needs := make([]string, 0, len(before)+len(after))
	for n := range before {
		needs = append(needs, n)
	}
	for n := range after {
		if _, ok := before[n]; !ok {
			needs = append(needs, n)
		}
	}
	slices.Sort(needs)
	for _, n := range needs {
		x, inA := before[n]
		y, inB := after[n]
		ch := Change{Need: n, Before: x.sponsor, After: y.sponsor, BeforeScore: x.score, AfterScore: y.score}
		switch {
		case !inA:
			ch.Kind = ChangeNeedAdded
		case !inB:
			ch.Kind = ChangeNeedRemoved
		case x == y:
			c.Unchanged++
			continue
		case x.sponsor == "":
			ch.Kind = ChangeAssigned
		case y.sponsor == "":
			ch.Kind = ChangeUnassigned
		case x.sponsor != y.sponsor:
			ch.Kind = ChangeMoved
		default:
			ch.Kind = ChangeRescored
		}
		c.Changes = append(c.Changes, ch)
	}
	loads := func(r *Result) map[string]SponsorLoad {
		m := make(map[string]SponsorLoad, len(r.Sponsors))
		for _, l := range r.Sponsors {
			m[l.Sponsor] = l
		}
		return m
	}
	la, lb := loads(a), loads(b)
	for id := range la {
		if _, ok := lb[id]; !ok {
			lb[id] = SponsorLoad{}
		}
	}
	for id, y := range lb {
		x := la[id]
		if x.EngagementsAssigned != y.EngagementsAssigned || x.StaffDaysAssigned != y.StaffDaysAssigned {
			c.Loads = append(c.Loads, LoadChange{
				Sponsor:           id,
				EngagementsBefore: x.EngagementsAssigned, EngagementsAfter: y.EngagementsAssigned,
				StaffDaysBefore: x.StaffDaysAssigned, StaffDaysAfter: y.StaffDaysAssigned,
			})
		}
	}
	slices.SortFunc(c.Loads, func(x, y LoadChange) int { return cmp.Compare(x.Sponsor, y.Sponsor) })
	return c
}
