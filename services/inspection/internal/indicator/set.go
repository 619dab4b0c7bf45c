package indicator

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Collection is the resource collection of a council's indicator sets,
// under the council: localAuthorities/{la}/indicatorSets/{period}.
const Collection = "indicatorSets"

// The periods a set may cover: whole years.
const (
	MinPeriod Period = 2000
	MaxPeriod Period = 2100
)

// MaxBatch is the most sets one import may carry, so one call does bounded
// work and a caller with more splits them.
const MaxBatch = 500

// MaxSourceLength bounds a set's source text, in characters.
const MaxSourceLength = 256

// Period is the year an indicator set covers, such as 2015.
type Period int

// String renders the period as it appears in a resource name.
func (p Period) String() string { return strconv.Itoa(int(p)) }

// ParsePeriod reads a period as it appears in a resource name: four digits
// for a year from MinPeriod to MaxPeriod. field names the request field for
// the violation.
func ParsePeriod(field, s string) (Period, error) {
	p, ok := parsePeriod(s)
	if !ok {
		return 0, fault.Field(field, "period must be a year from %d to %d written with four digits, such as 2015, got %q", MinPeriod, MaxPeriod, s)
	}
	return p, nil
}

func parsePeriod(s string) (Period, bool) {
	if len(s) != 4 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, _ := strconv.Atoi(s)
	p := Period(n)
	return p, p >= MinPeriod && p <= MaxPeriod
}

// Name returns the resource name of a council's set for a period.
func Name(gss string, p Period) string {
	return resource.CouncilName(gss) + "/" + Collection + "/" + p.String()
}

// ParseName validates a set's resource name,
// localAuthorities/{gss_code}/indicatorSets/{period}, and returns the GSS
// code and the period. It checks the shape only; whether the council exists
// is the caller's question. field names the request field for the violation.
func ParseName(field, name string) (string, Period, error) {
	var vs fault.Violations
	rest, ok := strings.CutPrefix(name, resource.Councils+"/")
	gss, period, ok2 := strings.Cut(rest, "/"+Collection+"/")
	if !ok || !ok2 || !reference.ValidGSSCode(gss) {
		vs.Add(field, "must be localAuthorities/{gss_code}/indicatorSets/{period} with a GSS code such as E08000035 and a year such as 2015, got %q", name)
		return "", 0, vs.Err()
	}
	p, ok := parsePeriod(period)
	if !ok {
		vs.Add(field, "period must be a year from %d to %d written with four digits, such as 2015, got %q", MinPeriod, MaxPeriod, period)
		return "", 0, vs.Err()
	}
	return gss, p, nil
}

// Value is one indicator's value in a set.
type Value struct {
	Indicator Indicator
	Value     float64
}

// Set is one council's indicators for one period.
type Set struct {
	GSSCode string
	Period  Period
	// Values hold each indicator at most once, in the order of All.
	Values []Value
	// Source says where the figures come from.
	Source string
	// Version is the stored record's check-and-set version; its etag.
	Version    int64
	UpdateTime time.Time
}

// ResourceName is the set's AIP-122 name.
func (s Set) ResourceName() string { return Name(s.GSSCode, s.Period) }

// Value returns the set's value of ind, and false when the set lacks it.
func (s Set) Value(ind Indicator) (float64, bool) {
	for _, v := range s.Values {
		if v.Indicator == ind {
			return v.Value, true
		}
	}
	return 0, false
}

// Draft is a set as a caller submits it, before validation. An indicator
// the transport could not map is carried by its raw spelling (an enum name
// or number), so the violation can quote it.
type Draft struct {
	Name   string
	Values []Value
	Source string
}

// ParseBatch validates a batch of sets to import and returns them as sets.
// It reports every problem at once, each violation naming the set's index
// and field under field ("indicator_sets[3].values[1].value"): between one
// and MaxBatch sets; each name well formed and naming one of the 152
// councils; each council and period at most once per batch; each set with
// at least one value, each indicator known, at most once and in its
// plausible range; a source of at most MaxSourceLength printable characters.
func ParseBatch(field string, drafts []Draft) ([]Set, error) {
	var vs fault.Violations
	switch {
	case len(drafts) == 0:
		vs.Add(field, "must hold at least one indicator set")
		return nil, vs.Err()
	case len(drafts) > MaxBatch:
		vs.Add(field, "must hold at most %d indicator sets, got %d; split the import into several calls", MaxBatch, len(drafts))
		return nil, vs.Err()
	}
	sets := make([]Set, 0, len(drafts))
	seen := make(map[string]int, len(drafts))
	for i, d := range drafts {
		at := fmt.Sprintf("%s[%d]", field, i)
		set, setVs := parseDraft(at, d)
		vs = append(vs, setVs...)
		if set.GSSCode == "" {
			continue
		}
		if first, dup := seen[set.ResourceName()]; dup {
			vs.Add(at+".name", "repeats %s[%d]: a batch may hold each council and period once", field, first)
			continue
		}
		seen[set.ResourceName()] = i
		sets = append(sets, set)
	}
	if err := vs.Err(); err != nil {
		return nil, err
	}
	return sets, nil
}

// parseDraft validates one draft. The set it returns has a GSS code only
// when its name is valid and names a known council, so the caller can check
// duplicates even when the values are wrong.
func parseDraft(at string, d Draft) (Set, fault.Violations) {
	var vs fault.Violations
	var set Set
	gss, p, err := ParseName(at+".name", d.Name)
	if f, ok := fault.As(err); ok {
		vs = append(vs, f.Violations...)
	} else if _, known := reference.CouncilByCode(gss); !known {
		vs.Add(at+".name", "names no council with children's services responsibility: %s", gss)
	} else {
		set.GSSCode, set.Period = gss, p
	}
	set.Values, vs = checkValues(at+".values", d.Values, vs)
	if msg := checkSource(d.Source); msg != "" {
		vs.Add(at+".source", "%s", msg)
	}
	set.Source = d.Source
	return set, vs
}

// checkValues validates a set's values and returns them in the order of All.
func checkValues(at string, values []Value, vs fault.Violations) ([]Value, fault.Violations) {
	if len(values) == 0 {
		vs.Add(at, "must hold at least one indicator value")
		return nil, vs
	}
	out := make([]Value, 0, len(values))
	first := make(map[Indicator]int, len(values))
	for j, v := range values {
		vat := fmt.Sprintf("%s[%d]", at, j)
		spec, ok := v.Indicator.Spec()
		if !ok {
			vs.Add(vat+".indicator", "unknown indicator %q; must be one of %s", string(v.Indicator), knownNames())
			continue
		}
		if k, dup := first[v.Indicator]; dup {
			vs.Add(vat+".indicator", "%s repeats %s[%d]: a set holds each indicator once", v.Indicator, at, k)
			continue
		}
		first[v.Indicator] = j
		if msg := spec.Check(v.Value); msg != "" {
			vs.Add(vat+".value", "%s %s", v.Indicator, msg)
			continue
		}
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b Value) int { return a.Indicator.Rank() - b.Indicator.Rank() })
	return out, vs
}

func checkSource(s string) string {
	switch {
	case !utf8.ValidString(s):
		return "must be valid UTF-8"
	case utf8.RuneCountInString(s) > MaxSourceLength:
		return fmt.Sprintf("must be at most %d characters", MaxSourceLength)
	case strings.ContainsFunc(s, unicode.IsControl):
		return "must not contain control characters"
	}
	return ""
}

func knownNames() string {
	names := make([]string, len(all))
	for i, ind := range all {
		names[i] = string(ind)
	}
	return strings.Join(names, ", ")
}

// ErrNotFound is what a Storer returns for a set it does not hold.
var ErrNotFound = errors.New("indicator set not found")

// Storer is the storage indicator sets and their benchmarks need. It
// holds no rules: the use cases stamp the sets, compute the benchmarks and
// decide what a repeated request answers.
type Storer interface {
	// Import stores sets, each replacing the council's set for the same
	// period. Each council's sets commit together, with an audit entry per
	// set; different councils commit separately, so a failure can leave
	// some councils imported. It returns the sets that committed, with
	// their versions, in the order given, beside any error.
	Import(ctx context.Context, sets []Set, r change.Request) ([]Set, error)
	// Get returns one council's set for a period, or ErrNotFound.
	Get(ctx context.Context, gss string, p Period) (Set, error)
	// List returns up to limit of a council's sets from offset, newest
	// period first, and how many the council has.
	List(ctx context.Context, gss string, offset int64, limit int) ([]Set, int64, error)
	// LatestWithBenchmarks returns the newest set of each council that has
	// one, by GSS code, and the stored benchmarks of those sets' periods (a
	// period whose benchmarks are not stored is left out), in a number of
	// round trips that does not grow with len(gss).
	LatestWithBenchmarks(ctx context.Context, gss []string) (map[string]Set, map[Period]Benchmarks, error)
	// Benchmarks returns the stored benchmarks of each period asked for
	// that has them.
	Benchmarks(ctx context.Context, periods []Period) (map[Period]Benchmarks, error)
	// BumpRevision moves period p's revision on, so a computation of its
	// benchmarks that read the sets before this call is not stored.
	BumpRevision(ctx context.Context, p Period) error
	// PeriodSets returns p's revision and then every council's set of p.
	PeriodSets(ctx context.Context, p Period) (revision string, sets []Set, err error)
	// SaveBenchmarks stores b as its period's benchmarks if the period's
	// revision is still revision, and reports whether it did.
	SaveBenchmarks(ctx context.Context, b Benchmarks, revision string) (bool, error)
	// ReplayImport returns the answer remembered for r's request_id, if
	// any; a request_id reused for another request is an INVALID_ARGUMENT
	// fault.
	ReplayImport(ctx context.Context, r change.Request) (Imported, bool, error)
	// RememberImport remembers imported as the answer to r's request_id;
	// it fails with change.ErrConflict when a concurrent twin remembered
	// first.
	RememberImport(ctx context.Context, r change.Request, imported Imported) error
}
