package matchrun

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagement"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/match"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/need"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsor"
)

// NeedFilterSchema lists the fields RunMatching's filter over the open
// needs accepts: `urgency >= 4`, `requires_trust_sponsor = true`,
// `region = LONDON` (the council's region, as reference names it).
var NeedFilterSchema = needColumns.Schema()

var needColumns = filter.Columns[need.Need]{
	"urgency":                filter.ValueColumn(filter.Int, func(n *need.Need) int64 { return int64(n.Urgency) }),
	"requires_trust_sponsor": filter.ValueColumn(filter.Bool, func(n *need.Need) bool { return n.RequiresTrustSponsor }),
	"region":                 filter.RegionColumn(func(n *need.Need) string { return n.GSSCode }),
}

// RunFilterSchema lists the fields ListMatchRuns's filter accepts:
// `state = PROPOSED`, `algorithm = STABLE`.
var RunFilterSchema = runColumns.Schema()

var runColumns = filter.Columns[Run]{
	"state":     filter.EnumColumn(States, "RUN_STATE_", func(r *Run) State { return r.State }),
	"algorithm": filter.EnumColumn([]match.Algorithm{match.Optimal, match.Stable}, "ALGORITHM_", func(r *Run) match.Algorithm { return r.Input.Algorithm }),
}

// SelectNeeds returns the needs f (nil for all) matches, in their order.
func SelectNeeds(needs []need.Need, f *filter.Filter) []need.Need {
	return filter.Select(needs, f, needColumns.Record, nil)
}

// SelectRuns returns the runs f (nil for all) matches, newest first; runs
// created at the same instant are ordered by id.
func SelectRuns(runs []Run, f *filter.Filter) []Run {
	return filter.Select(runs, f, runColumns.Record,
		filter.NewestFirst(func(r *Run) time.Time { return r.CreateTime }, func(r *Run) string { return r.ID }))
}

// StrengthLevel maps a sponsor's strength onto the engine's scale of 1 to
// match.MaxStrength: DEVELOPING 2, STRONG 4, LEADING 5. Leading practice is
// a full fit, strong practice close to it, and developing practice counts
// for less than half, so that expertise, the heaviest factor, separates
// them clearly.
func StrengthLevel(s sponsor.Strength) int {
	switch s {
	case sponsor.Developing:
		return 2
	case sponsor.Strong:
		return 4
	case sponsor.Leading:
		return match.MaxStrength
	}
	return 0
}

// WeightsSpec are the factor weights a request asks for; zero fields take
// the defaults of match.DefaultWeights.
type WeightsSpec struct {
	Expertise, Geography, Headroom, Continuity, OutOfArea, Urgency float64
}

// ResolveWeights returns the engine's weights for w: each field 0 (the
// default) or a whole number of points from 1 to match.MaxWeight; the
// out-of-area saturation is always the default.
// Violations name the fields under prefix (such as "weights.").
func ResolveWeights(w WeightsSpec, prefix string) (match.Weights, fault.Violations) {
	out := match.DefaultWeights()
	var vs fault.Violations
	set := func(field string, v float64, dst *int) {
		switch {
		case v == 0:
		case math.IsNaN(v) || v < 0 || v > match.MaxWeight || v != math.Trunc(v):
			vs.Add(prefix+field, "must be a whole number from 0 (the default) to %d, got %v", match.MaxWeight, v)
		default:
			*dst = int(v)
		}
	}
	set("expertise", w.Expertise, &out.Expertise)
	set("geography", w.Geography, &out.Geography)
	set("headroom", w.Headroom, &out.Headroom)
	set("continuity", w.Continuity, &out.Continuity)
	set("out_of_area_penalty", w.OutOfArea, &out.OutOfArea)
	set("urgency", w.Urgency, &out.Urgency)
	return out, vs
}

// EngineNeed is the engine's view of the open need n: its id in the engine
// is its resource name, so results name needs as the API does.
// continuity is the sponsor id of an existing engagement with n's council,
// or "".
func EngineNeed(n need.Need, continuity string) match.Need {
	c, _ := reference.CouncilByCode(n.GSSCode)
	areas := make([]match.AreaWeight, len(n.Areas))
	for i, a := range n.Areas {
		areas[i] = match.AreaWeight{Area: match.Area(a.Area), Weight: a.Weight}
	}
	return match.Need{
		ID:                n.Name(),
		Council:           n.GSSCode,
		Region:            c.Region,
		Areas:             areas,
		Urgency:           n.Urgency,
		StaffDays:         n.StaffDaysNeeded,
		RequiresTrust:     n.RequiresTrustSponsor,
		ExcludedSponsors:  slices.Clone(n.ExcludedSponsors),
		ContinuitySponsor: continuity,
	}
}

// EngineSponsor is the engine's view of s with u of its capacity in use.
// Its id in the engine is its bare id; the API adds the sponsors/ prefix.
func EngineSponsor(s sponsor.Sponsor, u engagement.Usage) match.Sponsor {
	exp := make([]match.Expertise, 0, len(s.Expertise))
	for _, e := range s.Expertise {
		if lvl := StrengthLevel(e.Strength); lvl > 0 {
			exp = append(exp, match.Expertise{Area: match.Area(e.Area), Strength: lvl})
		}
	}
	var ooa map[string]int
	if len(s.OutOfArea) > 0 {
		ooa = make(map[string]int, len(s.OutOfArea))
		for _, p := range s.OutOfArea {
			ooa[p.Council] += p.Children
		}
	}
	return match.Sponsor{
		ID:             s.ID,
		Kind:           match.Kind(s.Kind),
		MemberCouncils: slices.Clone(s.MemberCouncils),
		Regions:        s.Regions(),
		National:       s.National,
		Expertise:      exp,
		Capacity: match.Capacity{
			Engagements:      s.MaxEngagements,
			EngagementsInUse: u.Active,
			StaffDays:        s.StaffDaysPerQuarter,
			StaffDaysInUse:   u.CommittedStaffDays,
		},
		CanLeadTrust: s.CanLeadTrust,
		Conflicts:    slices.Clone(s.Conflicts),
		OutOfArea:    ooa,
		Paused:       s.Paused,
	}
}

// Continuity maps each council's GSS code to the sponsor of its ACTIVE
// engagement; with several, the most recently created (then the lowest
// sponsor id) continues.
func Continuity(engs []engagement.Engagement) map[string]string {
	latest := map[string]engagement.Engagement{}
	for _, e := range engs {
		if e.State != engagement.Active {
			continue
		}
		cur, ok := latest[e.Council]
		if !ok || e.CreateTime.After(cur.CreateTime) || (e.CreateTime.Equal(cur.CreateTime) && e.Sponsor < cur.Sponsor) {
			latest[e.Council] = e
		}
	}
	out := make(map[string]string, len(latest))
	for gss, e := range latest {
		out[gss] = e.Sponsor
	}
	return out
}

// Sources are the stored data one run's input is built from.
type Sources struct {
	// Needs are the open needs the run considers (already filtered).
	Needs []need.Need
	// Sponsors are every sponsor.
	Sponsors []sponsor.Sponsor
	// Usage is each sponsor's capacity in use, by id; absent means none.
	// A store may leave it nil for the service to work out from
	// Engagements (see Storer.Sources).
	Usage map[string]engagement.Usage
	// Engagements are the existing engagements, for continuity.
	Engagements []engagement.Engagement
}

// BuildInput is the engine's input for a run over src with the given
// algorithm, weights and overrides. Approval builds it again from the data
// as it stands, with the run's algorithm, weights and overrides, and
// compares the fingerprints.
func BuildInput(src Sources, alg match.Algorithm, w match.Weights, o match.Overrides) match.Input {
	cont := Continuity(src.Engagements)
	in := match.Input{Algorithm: alg, Weights: &w, Overrides: o}
	in.Needs = make([]match.Need, len(src.Needs))
	for i, n := range src.Needs {
		in.Needs[i] = EngineNeed(n, cont[n.GSSCode])
	}
	in.Sponsors = make([]match.Sponsor, len(src.Sponsors))
	for i, s := range src.Sponsors {
		in.Sponsors[i] = EngineSponsor(s, src.Usage[s.ID])
	}
	return in
}

// InputDifferences says in words what differs between the inputs of two
// runs, a (first) and b (second): the algorithm, the weights, the
// overrides, needs and sponsors only in one, and needs and sponsors that
// changed (a sponsor's capacity in use counts). Empty when they are the
// same.
func InputDifferences(a, b match.Input) []string {
	var out []string
	if cmp.Or(a.Algorithm, match.Optimal) != cmp.Or(b.Algorithm, match.Optimal) {
		out = append(out, fmt.Sprintf("algorithm: %s, then %s", cmp.Or(a.Algorithm, match.Optimal), cmp.Or(b.Algorithm, match.Optimal)))
	}
	wa, wb := weightsOf(a), weightsOf(b)
	if wa != wb {
		out = append(out, fmt.Sprintf("weights: %+v, then %+v", wa, wb))
	}
	out = append(out, overrideDifferences(a.Overrides, b.Overrides)...)
	needsA, needsB := byID(a.Needs, func(n match.Need) string { return n.ID }), byID(b.Needs, func(n match.Need) string { return n.ID })
	out = append(out, entityDifferences("need", needsA, needsB, func(x, y match.Need) bool { return reflect.DeepEqual(normNeed(x), normNeed(y)) })...)
	spA, spB := byID(a.Sponsors, func(s match.Sponsor) string { return s.ID }), byID(b.Sponsors, func(s match.Sponsor) string { return s.ID })
	for _, id := range slices.Sorted(maps.Keys(spA)) {
		x, ok := spB[id]
		if !ok {
			continue
		}
		y := spA[id]
		if x.Capacity.EngagementsInUse != y.Capacity.EngagementsInUse || x.Capacity.StaffDaysInUse != y.Capacity.StaffDaysInUse {
			out = append(out, fmt.Sprintf("sponsor sponsors/%s capacity in use: %d engagements and %d staff-days, then %d and %d",
				id, y.Capacity.EngagementsInUse, y.Capacity.StaffDaysInUse, x.Capacity.EngagementsInUse, x.Capacity.StaffDaysInUse))
		}
	}
	out = append(out, entityDifferences("sponsor", spA, spB, func(x, y match.Sponsor) bool {
		x.Capacity.EngagementsInUse, x.Capacity.StaffDaysInUse = 0, 0
		y.Capacity.EngagementsInUse, y.Capacity.StaffDaysInUse = 0, 0
		return reflect.DeepEqual(normSponsor(x), normSponsor(y))
	})...)
	return out
}

func weightsOf(in match.Input) match.Weights {
	if in.Weights == nil {
		return match.DefaultWeights()
	}
	return *in.Weights
}

func byID[T any](xs []T, id func(T) string) map[string]T {
	out := make(map[string]T, len(xs))
	for _, x := range xs {
		out[id(x)] = x
	}
	return out
}

// entityDifferences lists the entities only in a, only in b, and in both
// but not equal, in id order.
func entityDifferences[T any](what string, a, b map[string]T, equal func(x, y T) bool) []string {
	var out []string
	ids := slices.Sorted(maps.Keys(a))
	for id := range b {
		if _, ok := a[id]; !ok {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	name := func(id string) string {
		if what == "sponsor" {
			return "sponsors/" + id
		}
		return id
	}
	for _, id := range ids {
		x, inA := a[id]
		y, inB := b[id]
		switch {
		case !inB:
			out = append(out, fmt.Sprintf("%s %s only in the first run", what, name(id)))
		case !inA:
			out = append(out, fmt.Sprintf("%s %s only in the second run", what, name(id)))
		case !equal(x, y):
			out = append(out, fmt.Sprintf("%s %s changed", what, name(id)))
		}
	}
	return out
}

// normNeed sorts a need's lists so that order does not count as a change.
func normNeed(n match.Need) match.Need {
	n.Areas = slices.Clone(n.Areas)
	slices.SortFunc(n.Areas, func(a, b match.AreaWeight) int { return cmp.Compare(a.Area, b.Area) })
	n.ExcludedSponsors = sortedOrNil(n.ExcludedSponsors)
	return n
}

// normSponsor sorts a sponsor's lists so that order does not count as a
// change.
func normSponsor(s match.Sponsor) match.Sponsor {
	s.MemberCouncils = sortedOrNil(s.MemberCouncils)
	s.Conflicts = sortedOrNil(s.Conflicts)
	s.Regions = slices.Clone(s.Regions)
	slices.Sort(s.Regions)
	if len(s.Regions) == 0 {
		s.Regions = nil
	}
	s.Expertise = slices.Clone(s.Expertise)
	slices.SortFunc(s.Expertise, func(a, b match.Expertise) int { return cmp.Compare(a.Area, b.Area) })
	if len(s.Expertise) == 0 {
		s.Expertise = nil
	}
	if len(s.OutOfArea) == 0 {
		s.OutOfArea = nil
	}
	return s
}

func sortedOrNil(xs []string) []string {
	if len(xs) == 0 {
		return nil
	}
	out := slices.Clone(xs)
	slices.Sort(out)
	return out
}

func overrideDifferences(a, b match.Overrides) []string {
	var out []string
	list := func(what string, x, y []string) {
		if !slices.Equal(sortedOrNil(x), sortedOrNil(y)) {
			out = append(out, fmt.Sprintf("what-if %s: [%s], then [%s]", what, strings.Join(sortedOrNil(x), ", "), strings.Join(sortedOrNil(y), ", ")))
		}
	}
	list("excluded sponsors", a.ExcludeSponsors, b.ExcludeSponsors)
	caps := func(cs []match.CapacityOverride) []string {
		out := make([]string, len(cs))
		for i, c := range cs {
			out[i] = fmt.Sprintf("sponsors/%s: %d engagements, %d staff-days", c.Sponsor, c.Engagements, c.StaffDays)
		}
		return out
	}
	list("capacities", caps(a.Capacities), caps(b.Capacities))
	pairs := func(ps []match.Pair) []string {
		out := make([]string, len(ps))
		for i, p := range ps {
			out[i] = p.Need + " with sponsors/" + p.Sponsor
		}
		return out
	}
	list("pinned pairs", pairs(a.Pin), pairs(b.Pin))
	list("forbidden pairs", pairs(a.Forbid), pairs(b.Forbid))
	return out
}

// Change is one way the inputs of a run differ from the data as it stands:
// a need or a sponsor (by resource name), and the change in words.
type Change struct {
	// Need is the need's resource name, or "".
	Need string
	// Sponsor is the sponsor's resource name, or "".
	Sponsor string
	// Words says what changed, e.g. "sponsor sponsors/leeds capacity in
	// use: 1 engagements and 20 staff-days, then 2 and 45".
	Words string
}

// InputChanges lists how now, the input built from the data as it stands,
// differs from was, a run's input, in the needs and sponsors: needs no
// longer open or newly open, sponsors removed or added, capacity in use,
// and the fields of a need or sponsor that changed. In need, then sponsor,
// then id order.
func InputChanges(was, now match.Input) []Change {
	var out []Change
	needsA, needsB := byID(was.Needs, func(n match.Need) string { return n.ID }), byID(now.Needs, func(n match.Need) string { return n.ID })
	for _, id := range unionIDs(needsA, needsB) {
		x, inA := needsA[id]
		y, inB := needsB[id]
		switch {
		case !inB:
			out = append(out, Change{Need: id, Words: "need " + id + " is no longer open"})
		case !inA:
			out = append(out, Change{Need: id, Words: "need " + id + " is newly open"})
		default:
			if fs := changedFields(normNeed(x), normNeed(y)); len(fs) > 0 {
				out = append(out, Change{Need: id, Words: "need " + id + " changed: " + strings.Join(fs, ", ")})
			}
		}
	}
	spA, spB := byID(was.Sponsors, func(s match.Sponsor) string { return s.ID }), byID(now.Sponsors, func(s match.Sponsor) string { return s.ID })
	for _, id := range unionIDs(spA, spB) {
		name := resource.Name(engagement.SponsorCollection, id)
		x, inA := spA[id]
		y, inB := spB[id]
		switch {
		case !inB:
			out = append(out, Change{Sponsor: name, Words: "sponsor " + name + " no longer exists"})
			continue
		case !inA:
			out = append(out, Change{Sponsor: name, Words: "sponsor " + name + " was added"})
			continue
		}
		if x.Capacity.EngagementsInUse != y.Capacity.EngagementsInUse || x.Capacity.StaffDaysInUse != y.Capacity.StaffDaysInUse {
			out = append(out, Change{Sponsor: name, Words: fmt.Sprintf("sponsor %s capacity in use: %d engagements and %d staff-days, then %d and %d",
				name, x.Capacity.EngagementsInUse, x.Capacity.StaffDaysInUse, y.Capacity.EngagementsInUse, y.Capacity.StaffDaysInUse)})
		}
		x.Capacity.EngagementsInUse, x.Capacity.StaffDaysInUse = 0, 0
		y.Capacity.EngagementsInUse, y.Capacity.StaffDaysInUse = 0, 0
		if fs := changedFields(normSponsor(x), normSponsor(y)); len(fs) > 0 {
			out = append(out, Change{Sponsor: name, Words: "sponsor " + name + " changed: " + strings.Join(fs, ", ")})
		}
	}
	return out
}

// unionIDs returns the keys of a and b, sorted.
func unionIDs[T any](a, b map[string]T) []string {
	ids := slices.Collect(maps.Keys(a))
	for id := range b {
		if _, ok := a[id]; !ok {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// changedFields names the fields of two values of one struct type that
// differ, in declaration order, in lower case with spaces ("staff days").
func changedFields[T any](a, b T) []string {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	var out []string
	for i := range va.NumField() {
		if !reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			out = append(out, fieldWords(va.Type().Field(i).Name))
		}
	}
	return out
}

// fieldWords turns a Go field name into words: "StaffDays" → "staff days".
func fieldWords(name string) string {
	var b strings.Builder
	for i, r := range name {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte(' ')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
