package match

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"maps"
	"slices"

	"github.com/turnaround-sli/turnaround/services/reference"
)

// fingerprintVersion starts the hashed encoding; it changes whenever the
// encoding or the meaning of an input field changes, so that old
// fingerprints never match new ones by accident.
const fingerprintVersion = "turnaround.sponsor.match/v1"

// Fingerprint returns the hex SHA-256 of the canonical form of in: lists
// sorted and de-duplicated, defaults resolved, zero out-of-area counts
// dropped. Inputs that differ only in order, or in spelling out a default,
// have the same fingerprint; any other change gives another. The service
// stores it with a run and compares it before approving.
func Fingerprint(in Input) (string, error) {
	if err := Validate(in); err != nil {
		return "", err
	}
	return fingerprint(canonical(in)), nil
}

// canonical returns a deep copy of a valid in in canonical form.
func canonical(in Input) Input {
	w := DefaultWeights()
	if in.Weights != nil {
		w = *in.Weights
	}
	out := Input{
		Weights:       &w,
		Algorithm:     cmp.Or(in.Algorithm, Optimal),
		TimeLimit:     cmp.Or(in.TimeLimit, DefaultTimeLimit),
		NodeLimit:     cmp.Or(in.NodeLimit, DefaultNodeLimit),
		MaxCandidates: in.MaxCandidates,
	}
	out.Needs = make([]Need, len(in.Needs))
	for i, n := range in.Needs {
		n.Areas = sortedClone(n.Areas, func(a, b AreaWeight) int { return cmp.Compare(a.Area, b.Area) })
		n.ExcludedSponsors = sortedSet(n.ExcludedSponsors)
		out.Needs[i] = n
	}
	slices.SortFunc(out.Needs, func(a, b Need) int { return cmp.Compare(a.ID, b.ID) })
	out.Sponsors = make([]Sponsor, len(in.Sponsors))
	for i, s := range in.Sponsors {
		s.MemberCouncils = sortedSet(s.MemberCouncils)
		s.Regions = sortedSet(s.Regions)
		s.Conflicts = sortedSet(s.Conflicts)
		s.Expertise = sortedClone(s.Expertise, func(a, b Expertise) int { return cmp.Compare(a.Area, b.Area) })
		placed := make(map[string]int, len(s.OutOfArea))
		for g, k := range s.OutOfArea {
			if k > 0 {
				placed[g] = k
			}
		}
		s.OutOfArea = placed
		out.Sponsors[i] = s
	}
	slices.SortFunc(out.Sponsors, func(a, b Sponsor) int { return cmp.Compare(a.ID, b.ID) })
	o := in.Overrides
	out.Overrides = Overrides{
		ExcludeSponsors: sortedSet(o.ExcludeSponsors),
		Capacities:      sortedClone(o.Capacities, func(a, b CapacityOverride) int { return cmp.Compare(a.Sponsor, b.Sponsor) }),
		Pin:             sortedClone(o.Pin, comparePairs),
		Forbid:          slices.CompactFunc(sortedClone(o.Forbid, comparePairs), func(a, b Pair) bool { return a == b }),
	}
	return out
}

func comparePairs(a, b Pair) int {
	return cmp.Or(cmp.Compare(a.Need, b.Need), cmp.Compare(a.Sponsor, b.Sponsor))
}

// sortedSet returns the distinct elements of xs in order, as a new slice.
func sortedSet[T cmp.Ordered](xs []T) []T {
	if len(xs) == 0 {
		return nil
	}
	out := slices.Clone(xs)
	slices.Sort(out)
	return slices.Compact(out)
}

// sortedClone returns a sorted copy of xs, nil when xs is empty.
func sortedClone[T any](xs []T, compare func(a, b T) int) []T {
	if len(xs) == 0 {
		return nil
	}
	out := slices.Clone(xs)
	slices.SortFunc(out, compare)
	return out
}

// encoder writes values unambiguously into the stream that is hashed:
// every string is length prefixed and every list count prefixed, so no two
// inputs share a stream. The stream is hashed once, at the end.
type encoder struct {
	b []byte
}

func (e *encoder) int(v int64) { e.b = binary.AppendVarint(e.b, v) }

func (e *encoder) str(s string) {
	e.int(int64(len(s)))
	e.b = append(e.b, s...)
}

func (e *encoder) bool(b bool) {
	if b {
		e.int(1)
	} else {
		e.int(0)
	}
}

func (e *encoder) strs(xs []string) {
	e.int(int64(len(xs)))
	for _, x := range xs {
		e.str(x)
	}
}

func (e *encoder) regions(rs []reference.Region) {
	e.int(int64(len(rs)))
	for _, r := range rs {
		e.str(string(r))
	}
}

// encodeLevels writes a list of areas with their levels.
func encodeLevels[T leveled](e *encoder, list []T) {
	e.int(int64(len(list)))
	for _, x := range list {
		a, n := x.level()
		e.str(string(a))
		e.int(int64(n))
	}
}

func fingerprint(c Input) string {
	e := &encoder{b: make([]byte, 0, 4096)}
	e.str(fingerprintVersion)
	e.str(string(c.Algorithm))
	w := c.Weights
	for _, v := range []int{w.Expertise, w.Geography, w.Headroom, w.Continuity, w.OutOfArea, w.Urgency, w.OutOfAreaFull} {
		e.int(int64(v))
	}
	e.int(int64(c.TimeLimit))
	e.int(c.NodeLimit)
	e.int(int64(c.MaxCandidates))
	e.int(int64(len(c.Needs)))
	for _, n := range c.Needs {
		e.str(n.ID)
		e.str(n.Council)
		e.str(string(n.Region))
		encodeLevels(e, n.Areas)
		e.int(int64(n.Urgency))
		e.int(int64(n.StaffDays))
		e.bool(n.RequiresTrust)
		e.strs(n.ExcludedSponsors)
		e.str(n.ContinuitySponsor)
	}
	e.int(int64(len(c.Sponsors)))
	for _, s := range c.Sponsors {
		e.str(s.ID)
		e.str(string(s.Kind))
		e.strs(s.MemberCouncils)
		e.regions(s.Regions)
		e.bool(s.National)
		encodeLevels(e, s.Expertise)
		e.int(int64(s.Capacity.Engagements))
		e.int(int64(s.Capacity.EngagementsInUse))
		e.int(int64(s.Capacity.StaffDays))
		e.int(int64(s.Capacity.StaffDaysInUse))
		e.bool(s.CanLeadTrust)
		e.strs(s.Conflicts)
		keys := slices.Sorted(maps.Keys(s.OutOfArea))
		e.int(int64(len(keys)))
		for _, g := range keys {
			e.str(g)
			e.int(int64(s.OutOfArea[g]))
		}
		e.bool(s.Paused)
	}
	o := c.Overrides
	e.strs(o.ExcludeSponsors)
	e.int(int64(len(o.Capacities)))
	for _, x := range o.Capacities {
		e.str(x.Sponsor)
		e.int(int64(x.Engagements))
		e.int(int64(x.StaffDays))
	}
	for _, ps := range [][]Pair{o.Pin, o.Forbid} {
		e.int(int64(len(ps)))
		for _, p := range ps {
			e.str(p.Need)
			e.str(p.Sponsor)
		}
	}
	sum := sha256.Sum256(e.b)
	return hex.EncodeToString(sum[:])
}
