package concern

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
)

func TestDraftValidate(t *testing.T) {
	// 23:30 UTC on 30 June 2015 is 00:30 on 1 July in England (BST).
	now := time.Date(2015, 6, 30, 23, 30, 0, 0, time.UTC)
	date := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	valid := Draft{
		Kind: Whistleblowing, Severity: High, ReceivedDate: date(2015, 6, 1),
		Narrative: "A social worker reports unallocated cases.", Source: "Ofsted whistleblowing line",
	}
	edit := func(f func(*Draft)) Draft { d := valid; f(&d); return d }
	tests := []struct {
		name  string
		draft Draft
		want  []string // fields with violations, sorted
		text  string   // a substring of the first violation
	}{
		{"valid", valid, nil, ""},
		{"no source is fine", edit(func(d *Draft) { d.Source = "" }), nil, ""},
		{"today in England although UTC is a day behind", edit(func(d *Draft) { d.ReceivedDate = date(2015, 7, 1) }), nil, ""},
		{"tomorrow in England", edit(func(d *Draft) { d.ReceivedDate = date(2015, 7, 2) }), []string{"received_date"}, "in the future"},
		{"missing kind", edit(func(d *Draft) { d.Kind = "" }), []string{"kind"}, "is required"},
		{"unknown kind", edit(func(d *Draft) { d.Kind = "99" }), []string{"kind"}, "not a concern kind"},
		{"missing severity", edit(func(d *Draft) { d.Severity = "" }), []string{"severity"}, "is required"},
		{"unknown severity", edit(func(d *Draft) { d.Severity = "SEVERE" }), []string{"severity"}, "not a severity"},
		{"missing date", edit(func(d *Draft) { d.ReceivedDate = time.Time{} }), []string{"received_date"}, "is required"},
		{"blank narrative", edit(func(d *Draft) { d.Narrative = " \n\t" }), []string{"narrative"}, "is required"},
		{"narrative at the limit", edit(func(d *Draft) { d.Narrative = strings.Repeat("é", MaxNarrativeLen) }), nil, ""},
		{"narrative over the limit", edit(func(d *Draft) { d.Narrative = strings.Repeat("a", MaxNarrativeLen+1) }), []string{"narrative"}, "at most 10000"},
		{"narrative not UTF-8", edit(func(d *Draft) { d.Narrative = "bad \xff" }), []string{"narrative"}, "UTF-8"},
		{"source over the limit", edit(func(d *Draft) { d.Source = strings.Repeat("s", MaxSourceLen+1) }), []string{"source"}, "at most 200"},
		{"everything wrong at once", Draft{Narrative: "", Source: strings.Repeat("s", 201)},
			[]string{"kind", "narrative", "received_date", "severity", "source"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vs := tt.draft.Validate(now)
			err := vs.Err()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			f, ok := fault.As(err)
			if !ok || f.Kind != fault.KindInvalid {
				t.Fatalf("Validate = %v, want INVALID_ARGUMENT", err)
			}
			if got := rpctest.ViolationFields(f.Violations); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("violations on %v, want %v (%v)", got, tt.want, err)
			}
			if !strings.Contains(f.Violations[0].Description, tt.text) {
				t.Fatalf("violation %q does not say %q", f.Violations[0].Description, tt.text)
			}
		})
	}
}

func TestNames(t *testing.T) {
	tests := []struct {
		name    string
		parse   func(string, string) (string, string, error)
		in      string
		gss, id string
	}{
		{"concern", ParseConcernName, "localAuthorities/E08000035/concerns/abc123", "E08000035", "abc123"},
		{"concern with hyphen", ParseConcernName, "localAuthorities/E10000014/concerns/a-b", "E10000014", "a-b"},
		{"recommendation", ParseRecommendationName, "localAuthorities/E09000033/emergencyInspectionRecommendations/x1", "E09000033", "x1"},
		{"wrong collection", ParseConcernName, "localAuthorities/E08000035/emergencyInspectionRecommendations/x", "", ""},
		{"wrong collection for recommendation", ParseRecommendationName, "localAuthorities/E08000035/concerns/x", "", ""},
		{"uppercase id", ParseConcernName, "localAuthorities/E08000035/concerns/ABC", "", ""},
		{"trailing hyphen", ParseConcernName, "localAuthorities/E08000035/concerns/abc-", "", ""},
		{"empty id", ParseConcernName, "localAuthorities/E08000035/concerns/", "", ""},
		{"bad GSS code", ParseConcernName, "localAuthorities/E07000001/concerns/abc", "", ""},
		{"wildcard council", ParseConcernName, "localAuthorities/-/concerns/abc", "", ""},
		{"extra segment", ParseConcernName, "localAuthorities/E08000035/concerns/abc/x", "", ""},
		{"id too long", ParseConcernName, "localAuthorities/E08000035/concerns/" + strings.Repeat("a", 64), "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gss, id, err := tt.parse("name", tt.in)
			if tt.gss == "" {
				f, ok := fault.As(err)
				if !ok || f.Kind != fault.KindInvalid || f.Violations[0].Field != "name" {
					t.Fatalf("parse(%q) = %q, %q, %v; want a violation on name", tt.in, gss, id, err)
				}
				return
			}
			if err != nil || gss != tt.gss || id != tt.id {
				t.Fatalf("parse(%q) = %q, %q, %v", tt.in, gss, id, err)
			}
		})
	}
	if got := ConcernName("E08000035", "x"); got != "localAuthorities/E08000035/concerns/x" {
		t.Errorf("ConcernName = %q", got)
	}
	if got := RecommendationName("E08000035", "x"); got != "localAuthorities/E08000035/emergencyInspectionRecommendations/x" {
		t.Errorf("RecommendationName = %q", got)
	}
}

func TestParseParent(t *testing.T) {
	storetest.Parents(t, ParseParent, false, map[string]string{
		"localAuthorities/E08000035": "E08000035",
	}, []string{"localAuthorities/-"})
	storetest.Parents(t, ParseParent, true, map[string]string{
		"localAuthorities/E08000035": "E08000035",
		"localAuthorities/-":         "",
	}, []string{"localAuthorities/", "councils/E08000035"})
}

// TestNewID checks the IDs concerns and recommendations are given: the
// suite's resource IDs, a letter then eleven letters or digits.
func TestNewID(t *testing.T) {
	shape := regexp.MustCompile(`^[a-z][a-z0-9]{11}$`)
	seen := map[string]bool{}
	for range 1000 {
		id := resource.NewID()
		if !shape.MatchString(id) || !resource.ValidID(id) {
			t.Fatalf("NewID() = %q", id)
		}
		if _, _, err := ParseConcernName("name", ConcernName("E08000035", id)); err != nil {
			t.Fatalf("ParseConcernName of a fresh ID %q: %v", id, err)
		}
		if seen[id] {
			t.Fatalf("NewID repeated %q", id)
		}
		seen[id] = true
	}
}

func TestSeverityOrder(t *testing.T) {
	tests := []struct {
		s, least Severity
		want     bool
	}{
		{Low, Low, true}, {Medium, Low, true}, {High, High, true}, {Critical, High, true},
		{Medium, High, false}, {Low, Critical, false}, {"", Low, false}, {High, "", false}, {"URGENT", Low, false},
	}
	for _, tt := range tests {
		if got := tt.s.AtLeast(tt.least); got != tt.want {
			t.Errorf("%q.AtLeast(%q) = %v", tt.s, tt.least, got)
		}
	}
}

func TestSelectConcerns(t *testing.T) {
	a := mk("a", Complaint, Low, 0)
	b := mk("b", Whistleblowing, High, 10)
	c := mk("c", Complaint, High, 10)
	c.CreateTime = b.CreateTime.Add(time.Hour) // same day, recorded later
	d := mk("d", SeriousIncident, Critical, 5)
	all := []Concern{a, b, c, d}
	storetest.Selects(t, ConcernFilterSchema, func(f *filter.Filter) []Concern { return SelectConcerns(all, f) }, func(x Concern) string { return x.ID }, map[string][]string{
		"":                            {"c", "b", "d", "a"},
		"kind = COMPLAINT":            {"c", "a"},
		"severity = high":             {"c", "b"},
		"received_date >= 2015-03-06": {"c", "b", "d"},
		"received_date <= 2015-03-06 AND kind != COMPLAINT": {"d"},
	})
	if _, err := filter.Compile("narrative = x", ConcernFilterSchema); !fault.IsKind(err, fault.KindInvalid) {
		t.Errorf("filter on narrative: %v, want INVALID_ARGUMENT", err)
	}
}

func TestSelectRecommendationsAndNarrowState(t *testing.T) {
	at := func(h int) time.Time { return day0.Add(time.Duration(h) * time.Hour) }
	all := []Recommendation{
		{GSSCode: "E08000035", ID: "a", Rule: siw, State: Pending, CreateTime: at(1)},
		{GSSCode: "E08000035", ID: "b", Rule: crit, State: Dismissed, CreateTime: at(3)},
		{GSSCode: "E06000047", ID: "c", Rule: siw, State: Accepted, CreateTime: at(3)},
		{GSSCode: "E10000014", ID: "d", Rule: ths, State: Pending, CreateTime: at(2)},
	}
	tests := []struct {
		filter string
		want   []string
		narrow State
	}{
		{"", []string{"c", "b", "d", "a"}, ""},
		{"state = PENDING", []string{"d", "a"}, Pending},
		{`rule = "serious-incident-and-whistleblowing"`, []string{"c", "a"}, ""},
		{`state = PENDING AND rule = "three-high-severity"`, []string{"d"}, Pending},
		{"state = PENDING OR state = ACCEPTED", []string{"c", "d", "a"}, ""},
		{"state = PENDING AND state = ACCEPTED", nil, ""},
		{"state != PENDING", []string{"c", "b"}, ""},
	}
	for _, tt := range tests {
		f, err := filter.Compile(tt.filter, RecommendationFilterSchema)
		if err != nil {
			t.Fatalf("Compile(%q): %v", tt.filter, err)
		}
		var got []string
		for _, r := range SelectRecommendations(all, f) {
			got = append(got, r.ID)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("SelectRecommendations(%q) = %v, want %v", tt.filter, got, tt.want)
		}
		if n := NarrowState(f); n != tt.narrow {
			t.Errorf("NarrowState(%q) = %q, want %q", tt.filter, n, tt.narrow)
		}
	}
}
