package match

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Validate checks an input's shape and returns an INVALID_ARGUMENT fault
// listing every problem, or nil. Solve and Fingerprint validate too; pins
// are further checked against the hard rules and capacities by Solve.
//
// A first pass names no field, so that a valid input (nearly every one: a
// match run checks its input on every call) costs no formatting of field
// paths; an input it finds invalid is checked again with every field named.
func Validate(in Input) error {
	if validate(in, false) == nil {
		return nil
	}
	return validate(in, true)
}

// validate checks in; with named false the violations' fields are left
// unnamed (every path below the top is "").
func validate(in Input, named bool) error {
	var vs fault.Violations
	validateRun(&vs, in)
	name := func(field string) string {
		if named {
			return field
		}
		return ""
	}
	needs := validateEach(&vs, name("needs"), "need", in.Needs, func(n Need) string { return n.ID }, validateNeed)
	sponsors := validateEach(&vs, name("sponsors"), "sponsor", in.Sponsors, func(s Sponsor) string { return s.ID }, validateSponsor)
	if int64(len(in.Needs))*int64(len(in.Sponsors)) > MaxPairs {
		vs.Add("needs", "%d needs × %d sponsors exceeds %d pairs", len(in.Needs), len(in.Sponsors), MaxPairs)
	}
	validateOverrides(&vs, name("overrides"), in.Overrides, needs, sponsors)
	return vs.Err()
}

// indexed is list[i], or "" when list is "" (a pass that names no fields).
func indexed(list string, i int) string {
	if list == "" {
		return ""
	}
	return list + "[" + strconv.Itoa(i) + "]"
}

// sub is at.field, or "" when at is "".
func sub(at, field string) string {
	if at == "" {
		return ""
	}
	return at + "." + field
}

// validateEach checks every element of list with validate, under
// field[i], and that no two share an ID; it returns the set of IDs.
func validateEach[T any](vs *fault.Violations, field, noun string, list []T, id func(T) string, validate func(*fault.Violations, string, T)) map[string]bool {
	ids := make(map[string]bool, len(list))
	for i, x := range list {
		at := indexed(field, i)
		validate(vs, at, x)
		if ids[id(x)] {
			vs.Add(at+".id", "%s %q appears twice", noun, id(x))
		}
		ids[id(x)] = true
	}
	return ids
}

func validateRun(vs *fault.Violations, in Input) {
	switch in.Algorithm {
	case "", Optimal, Stable:
	default:
		vs.Add("algorithm", "must be OPTIMAL or STABLE, not %q", in.Algorithm)
	}
	if in.TimeLimit < 0 || in.TimeLimit > MaxTimeLimit {
		vs.Add("time_limit", "must be between 0 and %v", MaxTimeLimit)
	}
	between(vs, "node_limit", in.NodeLimit, 0, MaxNodeLimit)
	if in.MaxCandidates < 0 {
		vs.Add("max_candidates", "must not be negative")
	}
	if w := in.Weights; w != nil {
		for _, f := range []struct {
			name string
			v    int
		}{
			{"expertise", w.Expertise}, {"geography", w.Geography}, {"headroom", w.Headroom},
			{"continuity", w.Continuity}, {"out_of_area", w.OutOfArea}, {"urgency", w.Urgency},
		} {
			between(vs, "weights."+f.name, f.v, 0, MaxWeight)
		}
		if w.OutOfAreaFull < 1 || w.OutOfAreaFull > MaxChildren {
			vs.Add("weights.out_of_area_full", "must be between 1 and %d children", MaxChildren)
		}
	}
}

func validID(vs *fault.Violations, field, id string) {
	if id == "" || len(id) > maxIDLength {
		vs.Add(field, "must be 1 to %d bytes", maxIDLength)
	}
}

// between reports v outside lo to hi on field.
func between[N int | int64](vs *fault.Violations, field string, v, lo, hi N) {
	if v < lo || v > hi {
		vs.Add(field, "must be between %d and %d", lo, hi)
	}
}

// validateAreas checks a list of areas with their levels, a need's areas of
// need by weight or a sponsor's expertise by strength: each area is 1 to
// maxAreaLength bytes and listed once, and each level is 1 to most.
func validateAreas[T leveled](vs *fault.Violations, field string, list []T, level string, most int) {
	seen := make(map[Area]bool, len(list))
	for j, item := range list {
		f := indexed(field, j)
		a, n := item.level()
		if a == "" || len(a) > maxAreaLength {
			vs.Add(f+".area", "must be 1 to %d bytes", maxAreaLength)
		}
		if seen[a] {
			vs.Add(f+".area", "area %q appears twice", a)
		}
		seen[a] = true
		between(vs, f+"."+level, n, 1, most)
	}
}

func validRegion(r reference.Region) bool { return slices.Contains(reference.Regions, r) }

func validateNeed(vs *fault.Violations, at string, n Need) {
	validID(vs, at+".id", n.ID)
	if !reference.ValidGSSCode(n.Council) {
		vs.Add(at+".council", "%q is not a council GSS code", n.Council)
	}
	if !validRegion(n.Region) {
		vs.Add(at+".region", "%q is not an English region", n.Region)
	}
	if len(n.Areas) == 0 || len(n.Areas) > maxListLength {
		vs.Add(at+".areas", "must list 1 to %d areas of need", maxListLength)
	}
	validateAreas(vs, sub(at, "areas"), n.Areas, "weight", MaxAreaWeight)
	between(vs, at+".urgency", n.Urgency, 1, MaxUrgency)
	between(vs, at+".staff_days", n.StaffDays, 0, MaxStaffDays)
	if len(n.ExcludedSponsors) > maxListLength {
		vs.Add(at+".excluded_sponsors", "must list at most %d sponsors", maxListLength)
	}
	for j, s := range n.ExcludedSponsors {
		validID(vs, indexed(sub(at, "excluded_sponsors"), j), s)
	}
	if len(n.ContinuitySponsor) > maxIDLength {
		vs.Add(at+".continuity_sponsor", "must be at most %d bytes", maxIDLength)
	}
}

func validateSponsor(vs *fault.Violations, at string, s Sponsor) {
	validID(vs, at+".id", s.ID)
	switch s.Kind {
	case Council, CouncilPartnership:
		if len(s.MemberCouncils) == 0 {
			vs.Add(at+".member_councils", "a %s sponsor needs its member councils", s.Kind)
		}
	case Charity:
		if len(s.MemberCouncils) > 0 {
			vs.Add(at+".member_councils", "a charity has no member councils")
		}
	default:
		vs.Add(at+".kind", "must be COUNCIL, COUNCIL_PARTNERSHIP or CHARITY, not %q", s.Kind)
	}
	for _, l := range []struct {
		name string
		n    int
	}{{"member_councils", len(s.MemberCouncils)}, {"regions", len(s.Regions)}, {"expertise", len(s.Expertise)}, {"conflicts", len(s.Conflicts)}, {"out_of_area", len(s.OutOfArea)}} {
		if l.n > maxListLength {
			vs.Add(at+"."+l.name, "must list at most %d entries", maxListLength)
		}
	}
	for j, c := range s.MemberCouncils {
		if !reference.ValidGSSCode(c) {
			vs.Add(fmt.Sprintf("%s.member_councils[%d]", at, j), "%q is not a council GSS code", c)
		}
	}
	if !s.National && len(s.Regions) == 0 {
		vs.Add(at+".regions", "a sponsor that is not national needs its regions")
	}
	for j, r := range s.Regions {
		if !validRegion(r) {
			vs.Add(fmt.Sprintf("%s.regions[%d]", at, j), "%q is not an English region", r)
		}
	}
	validateAreas(vs, sub(at, "expertise"), s.Expertise, "strength", MaxStrength)
	c := s.Capacity
	between(vs, at+".capacity.engagements", c.Engagements, 0, MaxCapacity)
	between(vs, at+".capacity.engagements_in_use", c.EngagementsInUse, 0, MaxCapacity)
	between(vs, at+".capacity.staff_days", c.StaffDays, 0, MaxStaffDays)
	between(vs, at+".capacity.staff_days_in_use", c.StaffDaysInUse, 0, MaxStaffDays)
	for j, g := range s.Conflicts {
		if !reference.ValidGSSCode(g) {
			vs.Add(fmt.Sprintf("%s.conflicts[%d]", at, j), "%q is not a council GSS code", g)
		}
	}
	for g, k := range s.OutOfArea {
		if !reference.ValidGSSCode(g) {
			vs.Add(at+".out_of_area", "%q is not a council GSS code", g)
		}
		if k < 0 || k > MaxChildren {
			vs.Add(at+".out_of_area", "children placed in %s must be between 0 and %d", g, MaxChildren)
		}
	}
}

func validateOverrides(vs *fault.Violations, at string, o Overrides, needs, sponsors map[string]bool) {
	for i, id := range o.ExcludeSponsors {
		if !sponsors[id] {
			vs.Add(indexed(sub(at, "exclude_sponsors"), i), "no sponsor %q in the run", id)
		}
	}
	capped := map[string]bool{}
	for i, c := range o.Capacities {
		at := indexed(sub(at, "capacities"), i)
		if !sponsors[c.Sponsor] {
			vs.Add(at+".sponsor", "no sponsor %q in the run", c.Sponsor)
		}
		if capped[c.Sponsor] {
			vs.Add(at+".sponsor", "sponsor %q has two capacity overrides", c.Sponsor)
		}
		capped[c.Sponsor] = true
		between(vs, at+".engagements", c.Engagements, 0, MaxCapacity)
		between(vs, at+".staff_days", c.StaffDays, 0, MaxStaffDays)
	}
	pinned := map[string]bool{}
	pins := map[Pair]bool{}
	for i, p := range o.Pin {
		at := indexed(sub(at, "pin"), i)
		validatePair(vs, at, p, needs, sponsors)
		if pinned[p.Need] {
			vs.Add(at+".need", "need %q is pinned twice", p.Need)
		}
		pinned[p.Need] = true
		pins[p] = true
	}
	for i, p := range o.Forbid {
		at := indexed(sub(at, "forbid"), i)
		validatePair(vs, at, p, needs, sponsors)
		if pins[p] {
			vs.Add(at, "pair %s–%s is both pinned and forbidden", p.Need, p.Sponsor)
		}
	}
}

func validatePair(vs *fault.Violations, at string, p Pair, needs, sponsors map[string]bool) {
	if !needs[p.Need] {
		vs.Add(at+".need", "no need %q in the run", p.Need)
	}
	if !sponsors[p.Sponsor] {
		vs.Add(at+".sponsor", "no sponsor %q in the run", p.Sponsor)
	}
}
