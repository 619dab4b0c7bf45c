package concern

import (
	"bytes"
	_ "embed" // the default rule set ships as data, in the same format operators write.
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/check"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Bounds a rule must respect. They are far above any sensible setting and
// exist so that a typo (a window of 90000 days) is refused, not obeyed.
const (
	MaxWindowDays     = 3650
	MaxAtLeast        = 100
	MaxConditions     = 10
	MaxRules          = 100
	MaxDescriptionLen = 500
)

// rulePattern is what a rule id may look like: it appears in filters
// (`rule = "three-high-severity"`) and events, so it is a plain slug.
var rulePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`)

// RuleSet is the configured sharper-trigger rules. Build one with ParseRules
// or DefaultRules; a RuleSet built any other way has not been checked.
type RuleSet struct {
	Rules []Rule `json:"rules"`
}

// Rule fires when, within WindowDays, a council's concerns meet every one of
// Conditions and, when LatestGradeIn is set, the council's latest overall
// grade is one of LatestGradeIn.
type Rule struct {
	// ID names the rule in recommendations, events and filters.
	ID string `json:"id"`
	// Description says in plain words when the rule fires.
	Description string `json:"description"`
	// WindowDays is how far apart, in days, the received dates of the
	// concerns that make the rule fire may be: all of them fall within one
	// span of WindowDays days (WindowDays+1 calendar dates) that includes
	// the new concern's received date.
	WindowDays int `json:"window_days"`
	// Conditions must all hold within the window. Each is counted on its
	// own, so one concern may count toward several conditions.
	Conditions []Condition `json:"conditions"`
	// LatestGradeIn, when not nil, restricts the rule to councils whose
	// latest published overall grade is one of these; a council never
	// graded does not qualify.
	LatestGradeIn []reference.Grade `json:"latest_grade_in,omitempty"`
}

// Condition is "at least AtLeast concerns of Kinds with severity MinSeverity
// or worse".
type Condition struct {
	AtLeast int `json:"at_least"`
	// Kinds, when not nil, are the kinds that count; nil means any kind.
	Kinds []Kind `json:"kinds,omitempty"`
	// MinSeverity is the least severity that counts; empty means LOW.
	MinSeverity Severity `json:"min_severity,omitempty"`
}

// Matches reports whether c counts toward the condition.
func (cd Condition) Matches(c Concern) bool {
	if cd.Kinds != nil && !slices.Contains(cd.Kinds, c.Kind) {
		return false
	}
	least := cd.MinSeverity
	if least == "" {
		least = Low
	}
	return c.Severity.AtLeast(least)
}

//go:embed default_rules.json
var defaultRulesJSON []byte

// defaultRules is parsed once; a broken embedded file fails every test.
var defaultRules = func() RuleSet {
	rs, err := ParseRules(defaultRulesJSON)
	if err != nil {
		panic(fmt.Sprintf("concern: default rules: %v", err))
	}
	return rs
}()

// DefaultRules returns the rule set the service runs unless configured
// otherwise:
//
//   - serious-incident-and-whistleblowing: a serious incident and a
//     whistleblowing concern, any severity, within 90 days;
//   - three-high-severity: three concerns of any kind, high or critical,
//     within 180 days;
//   - leadership-instability-at-weak-council: leadership instability of
//     medium severity or worse at a council whose latest overall grade is
//     requires improvement or inadequate (window 365 days);
//   - critical-concern: any critical concern (window 30 days).
func DefaultRules() RuleSet { return defaultRules.clone() }

// DefaultRulesJSON returns the default rule set as JSON, the format
// ParseRules reads: a starting point for a configured rule set.
func DefaultRulesJSON() []byte { return bytes.Clone(defaultRulesJSON) }

func (rs RuleSet) clone() RuleSet {
	out := RuleSet{Rules: make([]Rule, len(rs.Rules))}
	for i, r := range rs.Rules {
		r.Conditions = slices.Clone(r.Conditions)
		for j := range r.Conditions {
			r.Conditions[j].Kinds = slices.Clone(r.Conditions[j].Kinds)
		}
		r.LatestGradeIn = slices.Clone(r.LatestGradeIn)
		out.Rules[i] = r
	}
	return out
}

// ParseRules reads a rule set from JSON:
//
//	{"rules": [{"id": "...", "description": "...", "window_days": 90,
//	            "conditions": [{"at_least": 1, "kinds": ["SERIOUS_INCIDENT"], "min_severity": "HIGH"}],
//	            "latest_grade_in": ["INADEQUATE"]}]}
//
// It is strict: unknown or repeated fields (names match exactly, case
// included), trailing data, unknown kinds, severities or grades, and rules that could never fire or are ambiguous (no conditions,
// at_least below 1, a window below 1 day, an empty kinds or latest_grade_in
// list, duplicate ids) are errors, all reported together.
func ParseRules(data []byte) (RuleSet, error) {
	// encoding/json matches field names case-insensitively and lets a
	// repeated key overwrite the first; a rule set is configuration, where
	// either is more likely a mistake than an intent, so the keys are
	// checked exactly first.
	if err := checkKeys(json.NewDecoder(bytes.NewReader(data)), ruleSetShape, ""); err != nil {
		return RuleSet{}, fmt.Errorf("concern: parse rules: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var rs RuleSet
	if err := dec.Decode(&rs); err != nil {
		return RuleSet{}, fmt.Errorf("concern: parse rules: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return RuleSet{}, errors.New("concern: parse rules: unexpected data after the rule set")
	}
	if err := rs.Validate(); err != nil {
		return RuleSet{}, err
	}
	return rs, nil
}

// shape describes the keys a JSON value may hold: an object's fields, or
// an array's elements. A nil shape accepts any value.
type shape struct {
	fields map[string]*shape
	elem   *shape
}

var ruleSetShape = &shape{fields: map[string]*shape{
	"rules": {elem: &shape{fields: map[string]*shape{
		"id": nil, "description": nil, "window_days": nil, "latest_grade_in": nil,
		"conditions": {elem: &shape{fields: map[string]*shape{"at_least": nil, "kinds": nil, "min_severity": nil}}},
	}}},
}}

// checkKeys walks the next JSON value and reports a key that sh does not
// name exactly, or names twice. Values of another type than sh expects are
// skipped: decoding reports those with better messages.
func checkKeys(dec *json.Decoder, sh *shape, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	d, isDelim := tok.(json.Delim)
	if !isDelim {
		return nil
	}
	switch {
	case d == '{' && sh != nil && sh.fields != nil:
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := kt.(string)
			sub, known := sh.fields[key]
			switch {
			case !known:
				return fmt.Errorf("%s: unknown field %q", pathOr(path), key)
			case seen[key]:
				return fmt.Errorf("%s: field %q appears twice", pathOr(path), key)
			}
			seen[key] = true
			if err := checkKeys(dec, sub, joinPath(path, key)); err != nil {
				return err
			}
		}
	case d == '[' && sh != nil && sh.elem != nil:
		for i := 0; dec.More(); i++ {
			if err := checkKeys(dec, sh.elem, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	default:
		// A value sh does not describe: skip it whole.
		for depth := 1; depth > 0; {
			t, err := dec.Token()
			if err != nil {
				return err
			}
			switch t {
			case json.Delim('{'), json.Delim('['):
				depth++
			case json.Delim('}'), json.Delim(']'):
				depth--
			}
		}
		return nil
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func pathOr(path string) string {
	if path == "" {
		return "the rule set"
	}
	return path
}

// Validate reports every problem of rs, each prefixed with its JSON path.
func (rs RuleSet) Validate() error {
	var errs []error
	bad := func(path, format string, args ...any) {
		errs = append(errs, fmt.Errorf("concern: rules: %s: %s", path, fmt.Sprintf(format, args...)))
	}
	switch {
	case len(rs.Rules) == 0:
		bad("rules", "at least one rule is required")
	case len(rs.Rules) > MaxRules:
		bad("rules", "%d rules; at most %d are allowed", len(rs.Rules), MaxRules)
	}
	seen := map[string]bool{}
	for i, r := range rs.Rules {
		p := fmt.Sprintf("rules[%d]", i)
		switch {
		case !rulePattern.MatchString(r.ID):
			bad(p+".id", "%q must be a lowercase slug: a letter, then letters, digits or hyphens, at most 63", r.ID)
		case seen[r.ID]:
			bad(p+".id", "%q is used by an earlier rule", r.ID)
		}
		seen[r.ID] = true
		switch n := len([]rune(r.Description)); {
		case n == 0:
			bad(p+".description", "is required")
		case n > MaxDescriptionLen:
			bad(p+".description", "has %d characters; at most %d are allowed", n, MaxDescriptionLen)
		}
		if r.WindowDays < 1 || r.WindowDays > MaxWindowDays {
			bad(p+".window_days", "%d must be 1 to %d", r.WindowDays, MaxWindowDays)
		}
		switch {
		case len(r.Conditions) == 0:
			bad(p+".conditions", "at least one condition is required")
		case len(r.Conditions) > MaxConditions:
			bad(p+".conditions", "%d conditions; at most %d are allowed", len(r.Conditions), MaxConditions)
		}
		for j, cd := range r.Conditions {
			cp := fmt.Sprintf("%s.conditions[%d]", p, j)
			if cd.AtLeast < 1 || cd.AtLeast > MaxAtLeast {
				bad(cp+".at_least", "%d must be 1 to %d", cd.AtLeast, MaxAtLeast)
			}
			if cd.Kinds != nil && len(cd.Kinds) == 0 {
				bad(cp+".kinds", "is empty, so no concern could count; omit it to count every kind")
			}
			kinds := map[Kind]bool{}
			for k, kind := range cd.Kinds {
				switch {
				case !kind.Valid():
					bad(fmt.Sprintf("%s.kinds[%d]", cp, k), "%q is not a concern kind; one of %s", kind, check.List(Kinds))
				case kinds[kind]:
					bad(fmt.Sprintf("%s.kinds[%d]", cp, k), "%q is listed twice", kind)
				}
				kinds[kind] = true
			}
			if cd.MinSeverity != "" && !cd.MinSeverity.Valid() {
				bad(cp+".min_severity", "%q is not a severity; one of %s", cd.MinSeverity, check.List(Severities))
			}
		}
		if r.LatestGradeIn != nil && len(r.LatestGradeIn) == 0 {
			bad(p+".latest_grade_in", "is empty, so no council could qualify; omit it to ignore the grade")
		}
		grades := map[reference.Grade]bool{}
		for k, g := range r.LatestGradeIn {
			switch {
			case !g.Valid():
				bad(fmt.Sprintf("%s.latest_grade_in[%d]", p, k), "%q is not a grade; one of %v", g, reference.Grades)
			case grades[g]:
				bad(fmt.Sprintf("%s.latest_grade_in[%d]", p, k), "%q is listed twice", g)
			}
			grades[g] = true
		}
	}
	return errors.Join(errs...)
}

// Rule returns the rule with the given id.
func (rs RuleSet) Rule(id string) (Rule, bool) {
	i := slices.IndexFunc(rs.Rules, func(r Rule) bool { return r.ID == id })
	if i < 0 {
		return Rule{}, false
	}
	return rs.Rules[i], true
}

// MaxWindow is the longest window of any rule, in days.
func (rs RuleSet) MaxWindow() int {
	w := 0
	for _, r := range rs.Rules {
		w = max(w, r.WindowDays)
	}
	return w
}

// Span returns the received dates a store must read to evaluate a concern
// received on received: every rule's window includes that date, so no
// concern further than the longest window on either side can matter.
func (rs RuleSet) Span(received time.Time) (from, to time.Time) {
	w := rs.MaxWindow()
	return received.AddDate(0, 0, -w), received.AddDate(0, 0, w)
}

// Evaluation is what the rules are evaluated on when a concern is raised.
type Evaluation struct {
	// New is the concern being raised.
	New Concern
	// Others are the council's recorded concerns; those outside every
	// window are ignored, and New is ignored if it appears here too.
	Others []Concern
	// LatestGrade is the council's latest published overall grade, or ""
	// when it has none.
	LatestGrade reference.Grade
	// Pending are the council's PENDING recommendations.
	Pending []Recommendation
}

// Firing is a rule that fired and the concerns behind it, oldest received
// first.
type Firing struct {
	Rule     Rule
	Concerns []Concern
}

// Evaluate returns the rules that fire because e.New is raised, in rule set
// order. A rule fires when all of these hold:
//
//   - no PENDING recommendation for the rule exists for the council (the
//     dedupe rule: one open recommendation per rule and council; once it is
//     accepted or dismissed, new concerns can fire the rule again);
//   - the council's latest grade qualifies, when the rule names grades;
//   - the new concern counts toward at least one of the rule's conditions,
//     so a concern that adds no evidence never re-fires a rule on old
//     concerns alone;
//   - some span of WindowDays days that includes the new concern's received
//     date holds enough concerns for every condition.
//
// The concerns named are every concern in the earliest such span that
// counts toward any condition. The result depends only on e: the caller
// supplies time through the concerns' dates.
func (rs RuleSet) Evaluate(e Evaluation) []Firing {
	pending := map[string]bool{}
	for _, r := range e.Pending {
		if r.State == Pending {
			pending[r.Rule] = true
		}
	}
	pool := make([]Concern, 0, len(e.Others)+1)
	pool = append(pool, e.New)
	for _, c := range e.Others {
		if c.ID != e.New.ID {
			pool = append(pool, c)
		}
	}
	var out []Firing
	for _, r := range rs.Rules {
		if pending[r.ID] || !gradeQualifies(r, e.LatestGrade) || !countsToward(r, e.New) {
			continue
		}
		if named := r.fire(e.New, pool); named != nil {
			out = append(out, Firing{Rule: r, Concerns: named})
		}
	}
	return out
}

func gradeQualifies(r Rule, g reference.Grade) bool {
	return r.LatestGradeIn == nil || (g != "" && slices.Contains(r.LatestGradeIn, g))
}

func countsToward(r Rule, c Concern) bool {
	return slices.ContainsFunc(r.Conditions, func(cd Condition) bool { return cd.Matches(c) })
}

// fire looks for a span [s, s+WindowDays] with s in [day(n)-W, day(n)] in
// which every condition holds, trying the earliest first, and returns the
// concerns that count in it, or nil. The counts change only where a span's
// edge meets a concern, so those starts are the only ones to try.
func (r Rule) fire(n Concern, pool []Concern) []Concern {
	w := int64(r.WindowDays)
	at := dayNumber(n.ReceivedDate)
	var near []Concern
	starts := []int64{at - w}
	for _, c := range pool {
		d := dayNumber(c.ReceivedDate)
		if d < at-w || d > at+w {
			continue
		}
		near = append(near, c)
		if d <= at {
			starts = append(starts, d)
		} else {
			starts = append(starts, d-w)
		}
	}
	slices.Sort(starts)
	starts = slices.Compact(starts)
	for _, s := range starts {
		var in []Concern
		for _, c := range near {
			if d := dayNumber(c.ReceivedDate); d >= s && d <= s+w {
				in = append(in, c)
			}
		}
		if !r.holds(in) {
			continue
		}
		named := slices.DeleteFunc(in, func(c Concern) bool { return !countsToward(r, c) })
		sort.Slice(named, func(i, j int) bool { return olderFirst(named[i], named[j]) })
		return named
	}
	return nil
}

// holds reports whether every condition has enough concerns in cs.
func (r Rule) holds(cs []Concern) bool {
	for _, cd := range r.Conditions {
		n := 0
		for _, c := range cs {
			if cd.Matches(c) {
				n++
			}
		}
		if n < cd.AtLeast {
			return false
		}
	}
	return true
}

// olderFirst orders concerns by received date, then by when they were
// recorded, then by id, so the same concerns are always named in the same
// order.
func olderFirst(a, b Concern) bool {
	if !a.ReceivedDate.Equal(b.ReceivedDate) {
		return a.ReceivedDate.Before(b.ReceivedDate)
	}
	if !a.CreateTime.Equal(b.CreateTime) {
		return a.CreateTime.Before(b.CreateTime)
	}
	return a.ID < b.ID
}

// dayNumber is the number of whole days from 1970-01-01 to t's UTC date.
func dayNumber(t time.Time) int64 {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}
