package concern

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/reference"
)

// day0 is the reference date the rule tables count from.
var day0 = time.Date(2015, 3, 1, 0, 0, 0, 0, time.UTC)

// mk is a concern received n days after day0; its id names it in the
// tables.
func mk(id string, k Kind, s Severity, n int) Concern {
	return Concern{
		GSSCode: "E08000035", ID: id, Kind: k, Severity: s,
		ReceivedDate: day0.AddDate(0, 0, n),
		Narrative:    "narrative " + id,
		CreateTime:   day0.AddDate(0, 0, n).Add(9 * time.Hour),
	}
}

func pendingFor(rule string) Recommendation {
	return Recommendation{GSSCode: "E08000035", ID: "p-" + rule, Rule: rule, State: Pending}
}

// Rule ids of the default set.
const (
	siw  = "serious-incident-and-whistleblowing"
	ths  = "three-high-severity"
	liw  = "leadership-instability-at-weak-council"
	crit = "critical-concern"
)

func TestDefaultRules(t *testing.T) {
	tests := []struct {
		name    string
		new     Concern
		others  []Concern
		grade   reference.Grade
		pending []Recommendation
		// want maps each rule that fires to the ids of the concerns named.
		want map[string][]string
	}{
		// serious-incident-and-whistleblowing
		{
			name:   "serious incident then whistleblowing 30 days later",
			new:    mk("wb", Whistleblowing, Medium, 30),
			others: []Concern{mk("si", SeriousIncident, Medium, 0)},
			want:   map[string][]string{siw: {"si", "wb"}},
		},
		{
			name:   "whistleblowing exactly 90 days after the incident",
			new:    mk("wb", Whistleblowing, Low, 90),
			others: []Concern{mk("si", SeriousIncident, Low, 0)},
			want:   map[string][]string{siw: {"si", "wb"}},
		},
		{
			name:   "whistleblowing 91 days after the incident",
			new:    mk("wb", Whistleblowing, Medium, 91),
			others: []Concern{mk("si", SeriousIncident, Medium, 0)},
			want:   nil,
		},
		{
			name:   "incident raised after whistleblowing",
			new:    mk("si", SeriousIncident, Medium, 45),
			others: []Concern{mk("wb", Whistleblowing, Medium, 0)},
			want:   map[string][]string{siw: {"wb", "si"}},
		},
		{
			name:   "backdated incident received 80 days before recorded whistleblowing",
			new:    mk("si", SeriousIncident, Medium, 20),
			others: []Concern{mk("wb", Whistleblowing, Medium, 100)},
			want:   map[string][]string{siw: {"si", "wb"}},
		},
		{
			name:   "backdated incident received 91 days before the whistleblowing",
			new:    mk("si", SeriousIncident, Medium, 9),
			others: []Concern{mk("wb", Whistleblowing, Medium, 100)},
			want:   nil,
		},
		{
			name:   "incident and a complaint are not enough",
			new:    mk("c", Complaint, Medium, 10),
			others: []Concern{mk("si", SeriousIncident, Medium, 0)},
			want:   nil,
		},
		{
			name:   "two incidents without whistleblowing",
			new:    mk("si2", SeriousIncident, Medium, 10),
			others: []Concern{mk("si1", SeriousIncident, Medium, 0)},
			want:   nil,
		},
		{
			name:    "dedupe: a pending recommendation for the rule",
			new:     mk("wb2", Whistleblowing, Medium, 40),
			others:  []Concern{mk("si", SeriousIncident, Medium, 0), mk("wb", Whistleblowing, Medium, 30)},
			pending: []Recommendation{pendingFor(siw)},
			want:    nil,
		},
		{
			name:    "a pending recommendation for another rule does not block",
			new:     mk("wb", Whistleblowing, Medium, 30),
			others:  []Concern{mk("si", SeriousIncident, Medium, 0)},
			pending: []Recommendation{pendingFor(ths)},
			want:    map[string][]string{siw: {"si", "wb"}},
		},
		{
			name:    "a dismissed recommendation does not block new evidence",
			new:     mk("wb2", Whistleblowing, Medium, 40),
			others:  []Concern{mk("si", SeriousIncident, Medium, 0), mk("wb", Whistleblowing, Medium, 30)},
			pending: []Recommendation{{ID: "d", Rule: siw, State: Dismissed}},
			want:    map[string][]string{siw: {"si", "wb", "wb2"}},
		},
		{
			name:   "an unrelated concern does not re-fire on old evidence",
			new:    mk("c", Complaint, Low, 40),
			others: []Concern{mk("si", SeriousIncident, Medium, 0), mk("wb", Whistleblowing, Medium, 30)},
			want:   nil,
		},
		{
			name: "only the concerns inside the window are named",
			new:  mk("si2", SeriousIncident, Medium, 150),
			others: []Concern{
				mk("si1", SeriousIncident, Medium, 0), mk("wb", Whistleblowing, Medium, 60),
			},
			want: map[string][]string{siw: {"wb", "si2"}},
		},
		// three-high-severity
		{
			name:   "three high concerns within 180 days",
			new:    mk("h3", Complaint, High, 120),
			others: []Concern{mk("h1", DataDeterioration, High, 0), mk("h2", Complaint, High, 60)},
			want:   map[string][]string{ths: {"h1", "h2", "h3"}},
		},
		{
			name:   "critical counts as high or worse",
			new:    mk("h3", Complaint, Critical, 120),
			others: []Concern{mk("h1", DataDeterioration, High, 0), mk("h2", Complaint, High, 60)},
			want:   map[string][]string{ths: {"h1", "h2", "h3"}, crit: {"h3"}},
		},
		{
			name:   "the third concern is medium",
			new:    mk("m", Complaint, Medium, 120),
			others: []Concern{mk("h1", DataDeterioration, High, 0), mk("h2", Complaint, High, 60)},
			want:   nil,
		},
		{
			name: "a medium concern adds no evidence to three earlier high ones",
			new:  mk("m", Complaint, Medium, 130),
			others: []Concern{
				mk("h1", DataDeterioration, High, 0), mk("h2", Complaint, High, 60), mk("h3", Complaint, High, 120),
			},
			want: nil,
		},
		{
			name:   "three high concerns spanning exactly 180 days",
			new:    mk("h3", Complaint, High, 180),
			others: []Concern{mk("h1", DataDeterioration, High, 0), mk("h2", Complaint, High, 100)},
			want:   map[string][]string{ths: {"h1", "h2", "h3"}},
		},
		{
			name:   "three high concerns spanning 181 days",
			new:    mk("h3", Complaint, High, 181),
			others: []Concern{mk("h1", DataDeterioration, High, 0), mk("h2", Complaint, High, 100)},
			want:   nil,
		},
		{
			name: "the span slides to the concerns near the new one",
			new:  mk("h4", Complaint, High, 181),
			others: []Concern{
				mk("h1", DataDeterioration, High, 0), mk("h2", Complaint, High, 10), mk("h3", Complaint, High, 170),
			},
			want: map[string][]string{ths: {"h2", "h3", "h4"}},
		},
		{
			name:    "dedupe: a pending three-high recommendation",
			new:     mk("h3", Complaint, High, 120),
			others:  []Concern{mk("h1", DataDeterioration, High, 0), mk("h2", Complaint, High, 60)},
			pending: []Recommendation{pendingFor(ths)},
			want:    nil,
		},
		// leadership-instability-at-weak-council
		{
			name:  "leadership instability at a council requiring improvement",
			new:   mk("li", LeadershipInstability, Medium, 0),
			grade: reference.RequiresImprovement,
			want:  map[string][]string{liw: {"li"}},
		},
		{
			name:  "leadership instability at an inadequate council",
			new:   mk("li", LeadershipInstability, High, 0),
			grade: reference.Inadequate,
			want:  map[string][]string{liw: {"li"}},
		},
		{
			name:  "leadership instability at a good council",
			new:   mk("li", LeadershipInstability, High, 0),
			grade: reference.Good,
			want:  nil,
		},
		{
			name:  "leadership instability at an outstanding council",
			new:   mk("li", LeadershipInstability, High, 0),
			grade: reference.Outstanding,
			want:  nil,
		},
		{
			name: "leadership instability at a council never graded",
			new:  mk("li", LeadershipInstability, High, 0),
			want: nil,
		},
		{
			name:  "low-severity leadership instability at an inadequate council",
			new:   mk("li", LeadershipInstability, Low, 0),
			grade: reference.Inadequate,
			want:  nil,
		},
		{
			name:   "earlier instability 365 days before is named",
			new:    mk("li2", LeadershipInstability, Medium, 365),
			others: []Concern{mk("li1", LeadershipInstability, Medium, 0)},
			grade:  reference.Inadequate,
			want:   map[string][]string{liw: {"li1", "li2"}},
		},
		{
			name:   "earlier instability 366 days before is not",
			new:    mk("li2", LeadershipInstability, Medium, 366),
			others: []Concern{mk("li1", LeadershipInstability, Medium, 0)},
			grade:  reference.Inadequate,
			want:   map[string][]string{liw: {"li2"}},
		},
		{
			name:    "dedupe: a pending leadership recommendation",
			new:     mk("li", LeadershipInstability, Medium, 0),
			grade:   reference.Inadequate,
			pending: []Recommendation{pendingFor(liw)},
			want:    nil,
		},
		// critical-concern
		{
			name: "a critical complaint",
			new:  mk("c", Complaint, Critical, 0),
			want: map[string][]string{crit: {"c"}},
		},
		{
			name: "a high complaint is not critical",
			new:  mk("c", Complaint, High, 0),
			want: nil,
		},
		{
			name:   "an earlier critical concern 30 days before is named",
			new:    mk("c2", DataDeterioration, Critical, 30),
			others: []Concern{mk("c1", Complaint, Critical, 0)},
			want:   map[string][]string{crit: {"c1", "c2"}},
		},
		{
			name:   "an earlier critical concern 31 days before is not",
			new:    mk("c2", DataDeterioration, Critical, 31),
			others: []Concern{mk("c1", Complaint, Critical, 0)},
			want:   map[string][]string{crit: {"c2"}},
		},
		{
			name:    "dedupe: a pending critical recommendation",
			new:     mk("c2", DataDeterioration, Critical, 3),
			pending: []Recommendation{pendingFor(crit)},
			want:    nil,
		},
		// several at once
		{
			name:   "a critical whistleblowing concern after an incident fires two rules",
			new:    mk("wb", Whistleblowing, Critical, 5),
			others: []Concern{mk("si", SeriousIncident, Low, 0)},
			want:   map[string][]string{siw: {"si", "wb"}, crit: {"wb"}},
		},
		{
			name:   "the new concern listed among the others is counted once",
			new:    mk("h3", Complaint, High, 120),
			others: []Concern{mk("h1", DataDeterioration, High, 0), mk("h3", Complaint, High, 120)},
			want:   nil,
		},
	}
	rules := DefaultRules()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			firings := rules.Evaluate(Evaluation{New: tt.new, Others: tt.others, LatestGrade: tt.grade, Pending: tt.pending})
			got := map[string][]string{}
			for _, f := range firings {
				var ids []string
				for _, c := range f.Concerns {
					ids = append(ids, c.ID)
				}
				got[f.Rule.ID] = ids
			}
			if len(got) == 0 {
				got = nil
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("fired %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEvaluateKeepsRuleSetOrder(t *testing.T) {
	firings := DefaultRules().Evaluate(Evaluation{
		New:    mk("h3", Whistleblowing, Critical, 10),
		Others: []Concern{mk("h1", SeriousIncident, High, 0), mk("h2", Complaint, High, 5)},
	})
	var ids []string
	for _, f := range firings {
		ids = append(ids, f.Rule.ID)
	}
	if want := []string{siw, ths, crit}; !slices.Equal(ids, want) {
		t.Fatalf("fired %v, want %v", ids, want)
	}
	if firings[0].Rule.Description == "" {
		t.Fatal("firing lost its rule's description")
	}
}

func TestDefaultRulesAreTheEmbeddedJSON(t *testing.T) {
	parsed, err := ParseRules(DefaultRulesJSON())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(parsed, DefaultRules()) {
		t.Fatalf("ParseRules(DefaultRulesJSON()) = %+v, want DefaultRules()", parsed)
	}
	for _, id := range []string{siw, ths, liw, crit} {
		if _, ok := parsed.Rule(id); !ok {
			t.Errorf("default rule %s is missing", id)
		}
	}
	// A caller changing its copy must not change the next caller's.
	mine := DefaultRules()
	mine.Rules[0].Conditions[0].Kinds[0] = Complaint
	mine.Rules[2].LatestGradeIn[0] = reference.Good
	if !reflect.DeepEqual(parsed, DefaultRules()) {
		t.Fatal("DefaultRules shares memory between callers")
	}
	if got := parsed.MaxWindow(); got != 365 {
		t.Fatalf("MaxWindow = %d, want 365", got)
	}
	from, to := parsed.Span(day0)
	if !from.Equal(day0.AddDate(0, 0, -365)) || !to.Equal(day0.AddDate(0, 0, 365)) {
		t.Fatalf("Span = %s..%s", from, to)
	}
}

func TestParseRulesCustom(t *testing.T) {
	rs, err := ParseRules([]byte(`{"rules": [{
		"id": "two-complaints", "description": "Two medium complaints within 30 days",
		"window_days": 30,
		"conditions": [{"at_least": 2, "kinds": ["COMPLAINT"], "min_severity": "MEDIUM"}]
	}]}`))
	if err != nil {
		t.Fatal(err)
	}
	fire := func(second Concern) bool {
		return len(rs.Evaluate(Evaluation{New: second, Others: []Concern{mk("a", Complaint, Medium, 0)}})) == 1
	}
	if !fire(mk("b", Complaint, High, 30)) {
		t.Error("two complaints 30 days apart did not fire")
	}
	if fire(mk("b", Complaint, Low, 10)) {
		t.Error("a low complaint fired a medium rule")
	}
	if fire(mk("b", Complaint, Medium, 31)) {
		t.Error("complaints 31 days apart fired a 30-day rule")
	}
	if fire(mk("b", Whistleblowing, Medium, 1)) {
		t.Error("a whistleblowing concern counted as a complaint")
	}
}

func TestParseRulesErrors(t *testing.T) {
	// rule renders one rule with fields overridden by edit.
	rule := func(edit string) string {
		fields := map[string]string{
			"id":          `"r"`,
			"description": `"d"`,
			"window_days": `30`,
			"conditions":  `[{"at_least": 1}]`,
		}
		extra := ""
		for _, kv := range strings.Split(edit, ";") {
			if kv == "" {
				continue
			}
			k, v, _ := strings.Cut(kv, "=")
			if _, ok := fields[k]; ok {
				fields[k] = v
			} else {
				extra += fmt.Sprintf(`, %q: %s`, k, v)
			}
		}
		var parts []string
		for _, k := range []string{"id", "description", "window_days", "conditions"} {
			if fields[k] != "-" {
				parts = append(parts, fmt.Sprintf("%q: %s", k, fields[k]))
			}
		}
		return "{" + strings.Join(parts, ", ") + extra + "}"
	}
	one := func(edit string) string { return `{"rules": [` + rule(edit) + `]}` }
	tests := []struct {
		name string
		json string
		want []string // substrings of the error, all required
	}{
		{"valid baseline", one(""), nil},
		{"not JSON", `rules:`, []string{"parse rules"}},
		{"unknown top-level field", `{"rules": [` + rule("") + `], "version": 2}`, []string{`unknown field "version"`}},
		{"unknown rule field", one(`severity="HIGH"`), []string{`unknown field "severity"`}},
		{"unknown condition field", one(`conditions=[{"at_least": 1, "kind": "COMPLAINT"}]`), []string{`unknown field "kind"`}},
		{"trailing data", one("") + ` {}`, []string{"after the rule set"}},
		{"field in another case", `{"Rules": [` + rule("") + `]}`, []string{`the rule set: unknown field "Rules"`}},
		{"rule field in another case", one(`Window_Days=30`), []string{`rules[0]: unknown field "Window_Days"`}},
		{"repeated field", `{"rules": [{"id": "r", "description": "d", "window_days": 30, "window_days": 60, "conditions": [{"at_least": 1}]}]}`,
			[]string{`rules[0]: field "window_days" appears twice`}},
		{"repeated condition field", one(`conditions=[{"at_least": 1, "at_least": 2}]`), []string{`rules[0].conditions[0]: field "at_least" appears twice`}},
		{"rules not a list", `{"rules": {"id": "x"}}`, []string{"parse rules"}},
		{"no rules", `{"rules": []}`, []string{"rules: at least one rule"}},
		{"missing rules", `{}`, []string{"rules: at least one rule"}},
		{"missing id", one(`id=-`), []string{"rules[0].id"}},
		{"id not a slug", one(`id="Three_High"`), []string{"rules[0].id", "lowercase slug"}},
		{"duplicate id", `{"rules": [` + rule("") + `, ` + rule("") + `]}`, []string{"rules[1].id", "earlier rule"}},
		{"missing description", one(`description=-`), []string{"rules[0].description: is required"}},
		{"zero window", one(`window_days=0`), []string{"rules[0].window_days", "1 to 3650"}},
		{"negative window", one(`window_days=-5`), []string{"rules[0].window_days"}},
		{"window too long", one(`window_days=3651`), []string{"rules[0].window_days"}},
		{"fractional window", one(`window_days=1.5`), []string{"parse rules"}},
		{"no conditions", one(`conditions=[]`), []string{"rules[0].conditions: at least one"}},
		{"missing conditions", one(`conditions=-`), []string{"rules[0].conditions: at least one"}},
		{"at_least zero", one(`conditions=[{"at_least": 0}]`), []string{"rules[0].conditions[0].at_least"}},
		{"at_least missing", one(`conditions=[{"kinds": ["COMPLAINT"]}]`), []string{"rules[0].conditions[0].at_least"}},
		{"at_least too high", one(`conditions=[{"at_least": 101}]`), []string{"conditions[0].at_least"}},
		{"empty kinds", one(`conditions=[{"at_least": 1, "kinds": []}]`), []string{"conditions[0].kinds", "is empty"}},
		{"unknown kind", one(`conditions=[{"at_least": 1, "kinds": ["FRAUD"]}]`), []string{"conditions[0].kinds[0]", `"FRAUD"`}},
		{"lowercase kind", one(`conditions=[{"at_least": 1, "kinds": ["complaint"]}]`), []string{"conditions[0].kinds[0]"}},
		{"duplicate kind", one(`conditions=[{"at_least": 1, "kinds": ["COMPLAINT", "COMPLAINT"]}]`), []string{"kinds[1]", "twice"}},
		{"unknown severity", one(`conditions=[{"at_least": 1, "min_severity": "SEVERE"}]`), []string{"conditions[0].min_severity"}},
		{"empty grade list", one(`latest_grade_in=[]`), []string{"rules[0].latest_grade_in", "is empty"}},
		{"unknown grade", one(`latest_grade_in=["POOR"]`), []string{"latest_grade_in[0]", `"POOR"`}},
		{"duplicate grade", one(`latest_grade_in=["INADEQUATE", "INADEQUATE"]`), []string{"latest_grade_in[1]", "twice"}},
		{
			"every problem at once",
			one(`id="";window_days=0;conditions=[{"at_least": 0, "kinds": ["FRAUD"]}]`),
			[]string{"rules[0].id", "rules[0].window_days", "conditions[0].at_least", "conditions[0].kinds[0]"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRules([]byte(tt.json))
			if tt.want == nil {
				if err != nil {
					t.Fatalf("ParseRules(%s): %v", tt.json, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseRules(%s) succeeded", tt.json)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestRuleSetValidateCatchesHandBuiltSets(t *testing.T) {
	rs := RuleSet{Rules: []Rule{{ID: "x", Description: "d", WindowDays: 10, Conditions: []Condition{{AtLeast: 1, Kinds: []Kind{}}}}}}
	if err := rs.Validate(); err == nil || !strings.Contains(err.Error(), "kinds") {
		t.Fatalf("Validate = %v, want an error about kinds", err)
	}
}
