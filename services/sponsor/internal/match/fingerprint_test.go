package match

import (
	"slices"
	"testing"
	"time"
)

// TestFingerprint checks that order and spelled-out defaults do not change
// the fingerprint, that every real change does, and that a result carries
// the fingerprint of its input.
func TestFingerprint(t *testing.T) {
	base := gen{needs: 12, sponsors: 5, tight: 0.8, rules: true, budgets: true}.input(3)
	fp := func(in Input) string {
		t.Helper()
		s, err := Fingerprint(in)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	want := fp(base)
	if len(want) != 64 {
		t.Fatalf("fingerprint %q is not hex SHA-256", want)
	}
	if got := solve(t, base).Fingerprint; got != want {
		t.Errorf("result fingerprint %s, Fingerprint %s", got, want)
	}
	same := map[string]func(Input) Input{
		"shuffled": func(in Input) Input { return shuffled(in, 9) },
		"defaults spelled out": func(in Input) Input {
			w := DefaultWeights()
			in.Weights, in.Algorithm, in.TimeLimit, in.NodeLimit = &w, Optimal, DefaultTimeLimit, DefaultNodeLimit
			return in
		},
		"zero placements": func(in Input) Input {
			in.Sponsors = append([]Sponsor(nil), in.Sponsors...)
			in.Sponsors[0].OutOfArea = map[string]int{"E06000001": 0}
			for g, k := range base.Sponsors[0].OutOfArea {
				in.Sponsors[0].OutOfArea[g] = k
			}
			return in
		},
	}
	for name, f := range same {
		if got := fp(f(base)); got != want {
			t.Errorf("%s: fingerprint changed", name)
		}
	}
	changed := map[string]func(*Input){
		"algorithm":          func(in *Input) { in.Algorithm = Stable },
		"weights":            func(in *Input) { w := DefaultWeights(); w.Headroom++; in.Weights = &w },
		"time limit":         func(in *Input) { in.TimeLimit = time.Second },
		"node limit":         func(in *Input) { in.NodeLimit = 7 },
		"max candidates":     func(in *Input) { in.MaxCandidates = 3 },
		"need urgency":       func(in *Input) { in.Needs[0].Urgency = in.Needs[0].Urgency%MaxUrgency + 1 },
		"need staff-days":    func(in *Input) { in.Needs[1].StaffDays++ },
		"need area weight":   func(in *Input) { in.Needs[2].Areas[0].Weight = in.Needs[2].Areas[0].Weight%MaxAreaWeight + 1 },
		"need trust":         func(in *Input) { in.Needs[3].RequiresTrust = !in.Needs[3].RequiresTrust },
		"need exclusion":     func(in *Input) { in.Needs[4].ExcludedSponsors = append(in.Needs[4].ExcludedSponsors, "zzz") },
		"need continuity":    func(in *Input) { in.Needs[5].ContinuitySponsor = "s000x" },
		"sponsor capacity":   func(in *Input) { in.Sponsors[0].Capacity.EngagementsInUse++ },
		"sponsor staff-days": func(in *Input) { in.Sponsors[1].Capacity.StaffDaysInUse++ },
		"sponsor strength": func(in *Input) {
			in.Sponsors[2].Expertise[0].Strength = in.Sponsors[2].Expertise[0].Strength%MaxStrength + 1
		},
		"sponsor paused":     func(in *Input) { in.Sponsors[3].Paused = !in.Sponsors[3].Paused },
		"sponsor trust":      func(in *Input) { in.Sponsors[4].CanLeadTrust = !in.Sponsors[4].CanLeadTrust },
		"sponsor placements": func(in *Input) { in.Sponsors[0].OutOfArea = map[string]int{"E06000001": 1} },
		"sponsor conflict":   func(in *Input) { in.Sponsors[1].Conflicts = append(in.Sponsors[1].Conflicts, "E06000002") },
		"exclude":            func(in *Input) { in.Overrides.ExcludeSponsors = []string{in.Sponsors[0].ID} },
		"capacity override":  func(in *Input) { in.Overrides.Capacities = []CapacityOverride{{Sponsor: in.Sponsors[0].ID}} },
		"forbid":             func(in *Input) { in.Overrides.Forbid = []Pair{{in.Needs[0].ID, in.Sponsors[0].ID}} },
		"pin":                func(in *Input) { in.Overrides.Pin = []Pair{{in.Needs[0].ID, in.Sponsors[0].ID}} },
		"one need less":      func(in *Input) { in.Needs = in.Needs[1:] },
	}
	for name, f := range changed {
		in := base
		in.Needs = deepNeeds(base.Needs)
		in.Sponsors = deepSponsors(base.Sponsors)
		f(&in)
		if got := fp(in); got == want {
			t.Errorf("%s: fingerprint unchanged", name)
		}
	}
	if fp(base) != want {
		t.Error("a change leaked into the base input")
	}
}

// deepClone copies xs and, with cloneFields, what each element refers to.
func deepClone[T any](xs []T, cloneFields func(*T)) []T {
	out := slices.Clone(xs)
	for i := range out {
		cloneFields(&out[i])
	}
	return out
}

func deepNeeds(ns []Need) []Need {
	return deepClone(ns, func(n *Need) {
		n.Areas = slices.Clone(n.Areas)
		n.ExcludedSponsors = slices.Clone(n.ExcludedSponsors)
	})
}

func deepSponsors(ss []Sponsor) []Sponsor {
	return deepClone(ss, func(s *Sponsor) {
		s.Expertise = slices.Clone(s.Expertise)
		s.Conflicts = slices.Clone(s.Conflicts)
	})
}

// BenchmarkFingerprint: what a match run pays on every call to key its
// input (a repeated input reuses the engine's result): the check of the
// input, its canonical copy and the hash, at real scale (20 needs × 8
// sponsors).
//
//	go test -run '^$' -bench BenchmarkFingerprint -benchmem ./services/sponsor/internal/match/
func BenchmarkFingerprint(b *testing.B) {
	in := realScale()
	b.Run("validate", func(b *testing.B) {
		for b.Loop() {
			if err := Validate(in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("fingerprint", func(b *testing.B) {
		for b.Loop() {
			if _, err := Fingerprint(in); err != nil {
				b.Fatal(err)
			}
		}
	})
}
