package filter

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

// council is the test record: field path to value.
type council map[string]any

func (c council) Get(field string) (any, bool) {
	v, ok := c[field]
	return v, ok
}

// gradeEnum stands in for a protobuf enum, which records may return as is.
type gradeEnum int32

func (g gradeEnum) String() string {
	return [...]string{"GRADE_UNSPECIFIED", "OUTSTANDING", "GOOD", "REQUIRES_IMPROVEMENT", "INADEQUATE"}[g]
}

var grades = []string{"OUTSTANDING", "GOOD", "REQUIRES_IMPROVEMENT", "INADEQUATE"}

var councilSchema = Schema{
	"name":                       {Type: String},
	"region":                     {Type: Enum, Values: []string{"NORTH_WEST", "LONDON", "SOUTH_EAST"}},
	"council_type":               {Type: Enum, Values: []string{"COUNTY", "METROPOLITAN_DISTRICT", "LONDON_BOROUGH"}},
	"latest_judgement.grade":     {Type: Enum, Values: grades},
	"latest_judgement.published": {Type: Date},
	"population":                 {Type: Int},
	"spend_per_child":            {Type: Float},
	"in_intervention":            {Type: Bool},
	"updated":                    {Type: Timestamp},
	"tags":                       {Type: String, Repeated: true},
	"past_grades":                {Type: Enum, Repeated: true, Values: grades},
}

var bst = time.FixedZone("BST", 3600)

// The councils Match tests run over. Values use the Go types records are
// allowed to return, including the awkward ones.
var councils = map[string]council{
	"manchester": {
		"name": "Manchester", "region": "NORTH_WEST", "council_type": "METROPOLITAN_DISTRICT",
		"latest_judgement.grade": "GOOD", "latest_judgement.published": time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC),
		"population": int64(568000), "spend_per_child": 1234.5, "in_intervention": false,
		"updated": time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC), "tags": []string{"sli", "partner in practice"},
		"past_grades": []string{"INADEQUATE", "REQUIRES_IMPROVEMENT"},
	},
	"croydon": {
		"name": "Croydon", "region": "LONDON", "council_type": "LONDON_BOROUGH",
		"latest_judgement.grade": gradeEnum(4), "latest_judgement.published": time.Date(2023, 12, 1, 23, 30, 0, 0, bst),
		"population": int32(390000), "spend_per_child": 2000, "in_intervention": true,
		"updated": time.Date(2026, 1, 10, 13, 0, 0, 0, bst), "tags": []any{"dfe adviser"},
		"past_grades": []gradeEnum{3},
	},
	"kent": {
		"name": "Kent", "region": "SOUTH_EAST", "council_type": "COUNTY",
		"population": 1_578_000, "spend_per_child": float32(999.25), "in_intervention": false,
		"updated": time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC),
	},
	"unknown": {
		// Every value has the wrong Go type or is unset: Match treats them
		// all as unset rather than failing.
		"name": 42, "region": 7, "population": "many", "spend_per_child": "lots", "in_intervention": "yes",
		"latest_judgement.published": time.Time{}, "updated": "yesterday", "tags": "not a slice",
	},
}

// matching returns the sorted names of the councils f matches.
func matching(f *Filter) []string {
	var names []string
	for name, c := range councils {
		if f.Match(c) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// wantInvalid fails t unless err is an INVALID_ARGUMENT fault with reason
// whose violations are all on field and whose first description contains
// every part.
// wantInvalidFilter checks that err is the invalid filter fault, with
// parts in its message, and matches ErrInvalidFilter.
func wantInvalidFilter(t *testing.T, err error, parts ...string) {
	t.Helper()
	wantInvalid(t, err, ReasonInvalidFilter, "filter", parts...)
	if !errors.Is(err, ErrInvalidFilter) {
		t.Errorf("errors.Is(%v, ErrInvalidFilter) = false", err)
	}
}

func wantInvalid(t *testing.T, err error, reason, field string, parts ...string) *fault.Error {
	t.Helper()
	f, ok := fault.As(err)
	if !ok {
		t.Fatalf("error %v (%T) is not a *fault.Error", err, err)
	}
	if f.Kind != fault.KindInvalid || f.Reason != reason {
		t.Fatalf("fault kind %v reason %q, want KindInvalid %q: %v", f.Kind, f.Reason, reason, err)
	}
	if len(f.Violations) == 0 {
		t.Fatalf("fault %v has no violations", err)
	}
	for _, v := range f.Violations {
		if v.Field != field {
			t.Errorf("violation on %q, want %q", v.Field, field)
		}
	}
	for _, p := range parts {
		if !strings.Contains(f.Violations[0].Description, p) {
			t.Errorf("description %q does not contain %q", f.Violations[0].Description, p)
		}
	}
	return f
}

func TestParse(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{`a = 1`, `a = 1`},
		{"\ta\n=\r1 ", `a = 1`},
		{`a=1`, `a = 1`},
		{`a != x AND b < 2 AND c <= 3 AND d > 4 AND e >= 5`, `a != x AND b < 2 AND c <= 3 AND d > 4 AND e >= 5`},
		{`latest_judgement.grade = GOOD`, `latest_judgement.grade = GOOD`},
		{`tags:sli`, `tags:sli`},
		{`tags : "two words"`, `tags:"two words"`},
		{`a:*`, `a:*`},
		{`a = "*"`, `a = "*"`},
		{`a = 1 OR b = 2 OR c = 3`, `a = 1 OR b = 2 OR c = 3`},
		{`(a = 1 AND b = 2) AND c = 3`, `a = 1 AND b = 2 AND c = 3`},
		{`a = 1 OR (b = 2 OR c = 3)`, `a = 1 OR b = 2 OR c = 3`},
		{`a = 1 AND (b = 2 OR c = 3)`, `a = 1 AND (b = 2 OR c = 3)`},
		{`(a = 1 AND b = 2) OR c = 3`, `(a = 1 AND b = 2) OR c = 3`},
		{`((((a = 1))))`, `a = 1`},
		{`-a = 1`, `NOT a = 1`},
		{`- a = 1`, `NOT a = 1`},
		{`NOT a = 1 AND b = 2`, `NOT a = 1 AND b = 2`},
		{`NOT (a = 1 AND b = 2)`, `NOT (a = 1 AND b = 2)`},
		{`NOT(a = 1)`, `NOT a = 1`},
		{`NOT NOT a = 1`, `NOT NOT a = 1`},
		{`-(a = 1 OR b = 2) AND c = 3`, `NOT (a = 1 OR b = 2) AND c = 3`},
		{`NOTES = 1`, `NOTES = 1`},
		{`a.b.c_d = 1`, `a.b.c_d = 1`},
		{`_x = 1`, `_x = 1`},
		{`a = -1.5e3`, `a = -1.5e3`},
		{`d = 2015-12-01`, `d = 2015-12-01`},
		{`t >= 2024-01-31T09:00:00+01:00`, `t >= 2024-01-31T09:00:00+01:00`},
		{`t < "2024-01-31T09:00:00Z"`, `t < "2024-01-31T09:00:00Z"`},
		{`a = 'single "quoted"'`, `a = "single \"quoted\""`},
		{`a = "esc \" \\ \' \n \r \t \u00e9 \u00E9"`, `a = "esc \" \\ ' \n \r \t é é"`},
		{`a = "AND"`, `a = "AND"`},
		{`a = ""`, `a = ""`},
		{`a = "x" AND b = 'y'`, `a = "x" AND b = "y"`},
		{`a = "caf` + "\u00e9" + `"`, `a = "café"`},
		{`a = "\u0001"`, `a = "\u0001"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			e, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got := e.String(); got != tt.want {
				t.Errorf("Parse(%q) = %s, want %s", tt.in, got, tt.want)
			}
			again, err := Parse(e.String())
			if err != nil || again.String() != e.String() {
				t.Errorf("String() %q does not parse back to itself: %v, %v", e.String(), again, err)
			}
		})
	}
}

func TestParseTree(t *testing.T) {
	e, err := Parse(`NOT region = LONDON AND (x:"a b" OR y >= 2)`)
	if err != nil {
		t.Fatal(err)
	}
	and, ok := e.(*And)
	if !ok || len(and.Terms) != 2 {
		t.Fatalf("top is %T %v, want And of 2 terms", e, e)
	}
	not, ok := and.Terms[0].(*Not)
	if !ok || not.Pos != 1 {
		t.Fatalf("first term %#v, want Not at position 1", and.Terms[0])
	}
	cmp := not.Term.(*Comparison)
	if cmp.Field != "region" || cmp.Op != Eq || cmp.Value.Text != "LONDON" || cmp.Value.Quoted ||
		cmp.Pos != 5 || cmp.OpPos != 12 || cmp.Value.Pos != 14 {
		t.Errorf("comparison %+v", cmp)
	}
	or, ok := and.Terms[1].(*Or)
	if !ok || len(or.Terms) != 2 {
		t.Fatalf("second term %#v, want Or of 2", and.Terms[1])
	}
	has := or.Terms[0].(*Comparison)
	if has.Op != Has || has.Value.Text != "a b" || !has.Value.Quoted || has.Value.Presence() {
		t.Errorf("has comparison %+v", has)
	}
	if e, err := Parse(" \t\n"); e != nil || err != nil {
		t.Errorf("blank filter parsed to %v, %v; want nil, nil", e, err)
	}
	// Positions count characters, not bytes.
	e, err = Parse(`name = "é" AND x = 1`)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.(*And).Terms[1].(*Comparison).Pos; got != 16 {
		t.Errorf("position after a two-byte character = %d, want 16", got)
	}
}

func TestParseErrors(t *testing.T) {
	deep := strings.Repeat("(", MaxDepth+1) + "a = 1" + strings.Repeat(")", MaxDepth+1)
	tests := []struct {
		in    string
		parts []string
	}{
		{strings.Repeat("a = 1 AND ", 200) + "a = 1", []string{"2005 bytes long", "limit is 2000"}},
		{"a = \"\xff\"", []string{"not valid UTF-8"}},
		{`a = 1)`, []string{`unexpected ")" at position 6`}},
		{`(a = 1`, []string{`missing ")"`, `"(" at position 1`}},
		{`(a = 1 AND (b = 2)`, []string{`missing ")"`, `"(" at position 1`}},
		{`a = 1 b = 2`, []string{"expected AND, OR or the end of the filter at position 7", `found "b"`}},
		{`a = 1 and b = 2`, []string{"position 7", `found "and"`, "capitals"}},
		{`a = 1 AND b = 2 OR c = 3`, []string{"OR at position 17 follows AND at position 7 without parentheses", "a AND (b OR c)"}},
		{`a = 1 OR b = 2 AND c = 3`, []string{"AND at position 16 follows OR at position 7"}},
		{deep, []string{"deeper than 32 levels", "position 33"}},
		{strings.Repeat("NOT ", MaxDepth+1) + "a = 1", []string{"deeper than 32"}},
		{strings.Repeat("-", MaxDepth+1) + "a = 1", []string{"deeper than 32"}},
		{`1a = 2`, []string{`"1a" at position 1 is not a field name`}},
		{`a..b = 2`, []string{`"a..b" at position 1 is not a field name`}},
		{`a. = 2`, []string{`"a." at position 1 is not a field name`}},
		{`a.OR = 2`, []string{`"a.OR"`, "not a field name"}},
		{`AND = 1`, []string{"expected a comparison at position 1, found AND"}},
		{`a = 1 AND OR b = 2`, []string{"expected a comparison at position 11, found OR"}},
		{`"quoted" = 1`, []string{"expected a field name at position 1", `found "\"quoted\""`}},
		{`a`, []string{`expected an operator (=, !=, <, <=, >, >= or :) after field "a" at position 2, found the end of the filter`}},
		{`a 1`, []string{`after field "a" at position 3, found "1"`}},
		{`a ! 1`, []string{`found "!"`}},
		{`a =`, []string{`expected a value after "=" at position 3, found the end of the filter`}},
		{`(a = )`, []string{`expected a value after "=" at position 4, found ")"`}},
		{`a = AND`, []string{"found AND", `quote it ("AND")`}},
		{`a == 1`, []string{`unexpected "=" in the value at position 4`}},
		{`a = b<c`, []string{`unexpected "<" in the value at position 6`}},
		{`a = it's`, []string{`unexpected "'" in the value at position 7`}},
		{`a = "open`, []string{"string starting at position 5 has no closing \""}},
		{`a = 'open\'`, []string{"string starting at position 5 has no closing '"}},
		{`a = "ends in backslash\`, []string{"has no closing"}},
		{`a = "\q"`, []string{`unknown escape "\q" at position 6`}},
		{`a = "\u12"`, []string{`\u at position 6 needs four hex digits`}},
		{`a = "\uzzzz"`, []string{`\u at position 6`}},
		{`a = "\ud800"`, []string{`\u at position 6`}},
		{`a = 1 AND`, []string{"filter ends at position 10 where a comparison was expected"}},
		{`()`, []string{`expected a field name at position 2, found ")"`}},
		{`NOT`, []string{"filter ends at position 4"}},
		{`NOT `, []string{"filter ends at position 5"}},
		{`-`, []string{"filter ends at position 2"}},
		{`a = 1 AND -`, []string{"filter ends at position 12"}},
		{`é = 1`, []string{`expected a field name at position 1, found "é"`}},
		{`x = 1 AND é = 1`, []string{`position 11`}},
		{`a = 1 AND b = "` + strings.Repeat("z", 40) + `"`, nil},
	}
	for _, tt := range tests {
		name := tt.in
		if len(name) > 40 {
			name = name[:40]
		}
		t.Run(name, func(t *testing.T) {
			e, err := Parse(tt.in)
			if tt.parts == nil {
				if err != nil {
					t.Fatalf("Parse(%q): %v", tt.in, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want an error", tt.in, e)
			}
			wantInvalidFilter(t, err, tt.parts...)
		})
	}
}

func TestDepthLimitIsInclusive(t *testing.T) {
	parens := strings.Repeat("(", MaxDepth) + "a = 1" + strings.Repeat(")", MaxDepth)
	nots := strings.Repeat("NOT ", MaxDepth) + "a = 1"
	for _, in := range []string{parens, nots} {
		if _, err := Parse(in); err != nil {
			t.Errorf("Parse at exactly MaxDepth: %v", err)
		}
	}
	if _, err := Parse(strings.Repeat("a = 1 AND ", 150) + "a = 1"); err != nil {
		t.Errorf("a long flat AND is not deep: %v", err)
	}
}

func TestLengthLimitIsInclusive(t *testing.T) {
	in := `name = "` + strings.Repeat("x", MaxLength-len(`name = ""`)) + `"`
	if len(in) != MaxLength {
		t.Fatalf("test filter is %d bytes", len(in))
	}
	if _, err := Compile(in, councilSchema); err != nil {
		t.Errorf("filter of exactly MaxLength bytes: %v", err)
	}
	if _, err := Compile(in+" ", councilSchema); err == nil {
		t.Error("filter one byte over MaxLength was accepted")
	}
}

func TestCompileTypesValues(t *testing.T) {
	tests := []struct {
		in    string
		typ   Type
		typed any
		canon string
	}{
		{`name = Leeds`, String, "Leeds", `name = "Leeds"`},
		{`name = "Leeds City"`, String, "Leeds City", `name = "Leeds City"`},
		{`name = "2024"`, String, "2024", `name = "2024"`},
		{`region = london`, Enum, "LONDON", `region = LONDON`},
		{`region = "North_West"`, Enum, "NORTH_WEST", `region = NORTH_WEST`},
		{`population > 100000`, Int, int64(100000), `population > 100000`},
		{`population >= "-5"`, Int, int64(-5), `population >= -5`},
		{`population = +7`, Int, int64(7), `population = 7`},
		{`spend_per_child < 1e3`, Float, 1000.0, `spend_per_child < 1000`},
		{`spend_per_child <= 12`, Float, 12.0, `spend_per_child <= 12`},
		{`spend_per_child != -0.25`, Float, -0.25, `spend_per_child != -0.25`},
		{`in_intervention = TRUE`, Bool, true, `in_intervention = true`},
		{`in_intervention != false`, Bool, false, `in_intervention != false`},
		{`latest_judgement.published >= 2015-12-01`, Date, time.Date(2015, 12, 1, 0, 0, 0, 0, time.UTC), `latest_judgement.published >= 2015-12-01`},
		{`latest_judgement.published < "2015-12-01"`, Date, time.Date(2015, 12, 1, 0, 0, 0, 0, time.UTC), `latest_judgement.published < 2015-12-01`},
		{`updated > 2024-01-31T09:00:00+01:00`, Timestamp, time.Date(2024, 1, 31, 8, 0, 0, 0, time.UTC), `updated > "2024-01-31T08:00:00Z"`},
		{`updated > "2024-01-31T09:00:00.5Z"`, Timestamp, time.Date(2024, 1, 31, 9, 0, 0, 5e8, time.UTC), `updated > "2024-01-31T09:00:00.5Z"`},
		{`updated >= 2024-01-31`, Timestamp, time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC), `updated >= "2024-01-31T00:00:00Z"`},
		{`tags:"partner in practice"`, String, "partner in practice", `tags:"partner in practice"`},
		{`past_grades:good`, Enum, "GOOD", `past_grades:GOOD`},
		{`tags:*`, String, nil, `tags:*`},
		{`latest_judgement.grade:*`, Enum, nil, `latest_judgement.grade:*`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			f, err := Compile(tt.in, councilSchema)
			if err != nil {
				t.Fatalf("Compile(%q): %v", tt.in, err)
			}
			c := f.Expr().(*Comparison)
			if c.Value.Type != tt.typ {
				t.Errorf("type %v, want %v", c.Value.Type, tt.typ)
			}
			if tm, ok := tt.typed.(time.Time); ok {
				got, isTime := c.Value.Typed.(time.Time)
				if !isTime || !got.Equal(tm) || got.Location() != time.UTC {
					t.Errorf("typed %#v, want %v in UTC", c.Value.Typed, tm)
				}
			} else if c.Value.Typed != tt.typed {
				t.Errorf("typed %#v, want %#v", c.Value.Typed, tt.typed)
			}
			if got := f.String(); got != tt.canon {
				t.Errorf("String() = %s, want %s", got, tt.canon)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		in    string
		parts []string
	}{
		{`colour = RED`, []string{`unknown field "colour" at position 1`, "filterable fields: council_type, in_intervention, latest_judgement.grade"}},
		{`latest_judgement = GOOD`, []string{`unknown field "latest_judgement"`}},
		{`Region = LONDON`, []string{`unknown field "Region"`}},
		{`region < LONDON`, []string{`operator "<" at position 8 does not apply to enum field "region"`, "allowed operators: =, !="}},
		{`in_intervention >= true`, []string{`operator ">=" at position 17 does not apply to boolean field "in_intervention"`}},
		{`region:LONDON`, []string{`operator ":" at position 7 needs a repeated field, but "region" holds one enum`, "compare it with =, !=", "region:*"}},
		{`population:5`, []string{`needs a repeated field`, "=, !=, <, <=, >, >="}},
		{`tags = sli`, []string{`operator "=" at position 6 cannot compare repeated field "tags"`, "tags:value", "tags:*"}},
		{`past_grades != GOOD`, []string{`cannot compare repeated field "past_grades"`}},
		{`region = LONDN`, []string{`value "LONDN" at position 10 for field "region" is not allowed`, "allowed values: NORTH_WEST, LONDON, SOUTH_EAST"}},
		{`past_grades:EXCELLENT`, []string{`value "EXCELLENT"`, "allowed values: OUTSTANDING, GOOD"}},
		{`region = ""`, []string{"is not allowed"}},
		{`population = 1.5`, []string{`value "1.5" at position 14 for field "population" is not an integer`}},
		{`population = 1e3`, []string{"is not an integer"}},
		{`population > 9223372036854775808`, []string{"out of range"}},
		{`spend_per_child = NaN`, []string{"is not a number"}},
		{`spend_per_child = Inf`, []string{"is not a number"}},
		{`spend_per_child = 0x1p3`, []string{"is not a number"}},
		{`spend_per_child = 1e400`, []string{"is not a finite number"}},
		{`spend_per_child = 1.2.3`, []string{"is not a finite number"}},
		{`in_intervention = yes`, []string{`value "yes"`, "is not true or false"}},
		{`latest_judgement.published = 2015-13-01`, []string{"is not a date such as 2015-12-01"}},
		{`latest_judgement.published = 2015-12-01T00:00:00Z`, []string{"is not a date"}},
		{`updated > yesterday`, []string{"is not an RFC 3339 timestamp"}},
		{`updated > "2024-01-31 09:00:00"`, []string{"is not an RFC 3339 timestamp"}},
		{`updated > 9999-12-31T23:00:00-02:00`, []string{"is outside the years 0001 to 9999"}},
		{`updated > 0001-01-01T00:30:00+01:00`, []string{"is outside the years 0001 to 9999"}},
		{`updated > 0000-12-31`, []string{"is outside the years 0001 to 9999"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			f, err := Compile(tt.in, councilSchema)
			if err == nil {
				t.Fatalf("Compile(%q) = %v, want an error", tt.in, f)
			}
			wantInvalidFilter(t, err, tt.parts...)
		})
	}
}

func TestCompileReportsEveryProblem(t *testing.T) {
	_, err := Compile(`colour = RED AND region < LONDON OR (population = x)`, councilSchema)
	if err == nil {
		t.Fatal("want an error")
	}
	// The syntax error (mixed AND/OR) wins: nothing is typed until the
	// filter parses.
	wantInvalid(t, err, ReasonInvalidFilter, "filter", "without parentheses")

	_, err = Compile(`colour = RED AND region < LONDON AND (population = x OR tags:sli)`, councilSchema)
	f := wantInvalid(t, err, ReasonInvalidFilter, "filter", `unknown field "colour"`)
	if len(f.Violations) != 3 {
		t.Fatalf("got %d violations, want 3: %v", len(f.Violations), err)
	}
	for i, want := range []string{`"colour"`, `operator "<"`, `value "x"`} {
		if !strings.Contains(f.Violations[i].Description, want) {
			t.Errorf("violation %d %q does not mention %s", i, f.Violations[i].Description, want)
		}
	}

	_, err = Compile(strings.Repeat("colour = RED AND ", 30)+"colour = RED", councilSchema)
	if f := wantInvalid(t, err, ReasonInvalidFilter, "filter"); len(f.Violations) != maxViolations {
		t.Errorf("31 unknown fields gave %d violations, want the cap of %d", len(f.Violations), maxViolations)
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		filter string
		want   []string
	}{
		{``, []string{"croydon", "kent", "manchester", "unknown"}},
		{`region = NORTH_WEST`, []string{"manchester"}},
		{`region = north_west`, []string{"manchester"}},
		{`region != LONDON`, []string{"kent", "manchester", "unknown"}},
		{`name = Kent`, []string{"kent"}},
		{`name = kent`, nil},
		{`name < "L"`, []string{"croydon", "kent"}},
		{`latest_judgement.grade = INADEQUATE`, []string{"croydon"}},
		{`latest_judgement.grade != GOOD`, []string{"croydon", "kent", "unknown"}},
		{`latest_judgement.grade:*`, []string{"croydon", "manchester"}},
		{`NOT latest_judgement.grade:*`, []string{"kent", "unknown"}},
		{`population > 500000`, []string{"kent", "manchester"}},
		{`population <= 568000`, []string{"croydon", "manchester"}},
		{`population = 390000`, []string{"croydon"}},
		{`population != 390000`, []string{"kent", "manchester", "unknown"}},
		{`spend_per_child >= 1234.5`, []string{"croydon", "manchester"}},
		{`spend_per_child < 1000`, []string{"kent"}},
		{`spend_per_child = 2000`, []string{"croydon"}},
		{`in_intervention = true`, []string{"croydon"}},
		{`in_intervention = false`, []string{"kent", "manchester"}},
		{`in_intervention != true`, []string{"kent", "manchester", "unknown"}},
		{`in_intervention:*`, []string{"croydon", "kent", "manchester"}},
		// Croydon's judgement was published at 23:30 BST on 1 December,
		// which is 1 December where it happened, not 22:30 UTC's date.
		{`latest_judgement.published = 2023-12-01`, []string{"croydon"}},
		{`latest_judgement.published > 2023-12-01`, []string{"manchester"}},
		{`latest_judgement.published >= 2023-12-01`, []string{"croydon", "manchester"}},
		{`latest_judgement.published:*`, []string{"croydon", "manchester"}},
		// 13:00 BST is 12:00 UTC: the instants compare, not the wall clocks.
		{`updated = 2026-01-10T12:00:00Z`, []string{"croydon", "manchester"}},
		{`updated > 2026-01-10T11:59:59.999Z`, []string{"croydon", "manchester"}},
		{`updated < 2026-01-01`, []string{"kent"}},
		{`tags:sli`, []string{"manchester"}},
		{`tags:"dfe adviser"`, []string{"croydon"}},
		{`tags:SLI`, nil},
		{`tags:*`, []string{"croydon", "manchester"}},
		{`NOT tags:sli`, []string{"croydon", "kent", "unknown"}},
		{`past_grades:requires_improvement`, []string{"croydon", "manchester"}},
		{`past_grades:INADEQUATE`, []string{"manchester"}},
		{`past_grades:OUTSTANDING`, nil},
		{`region = LONDON OR region = SOUTH_EAST`, []string{"croydon", "kent"}},
		{`region = LONDON AND in_intervention = true`, []string{"croydon"}},
		{`region = LONDON AND in_intervention = false`, nil},
		{`-region = LONDON AND population > 1000000`, []string{"kent"}},
		{`NOT (region = LONDON OR region = SOUTH_EAST)`, []string{"manchester", "unknown"}},
		{`NOT region = LONDON OR region = SOUTH_EAST`, []string{"kent", "manchester", "unknown"}},
		// The precedence trap, written both ways: these differ for Kent,
		// which is not NORTH_WEST but is over a million.
		{`region = NORTH_WEST AND (in_intervention = false OR population > 1000000)`, []string{"manchester"}},
		{`(region = NORTH_WEST AND in_intervention = false) OR population > 1000000`, []string{"kent", "manchester"}},
		{`NOT NOT region = LONDON`, []string{"croydon"}},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			f, err := Compile(tt.filter, councilSchema)
			if err != nil {
				t.Fatalf("Compile(%q): %v", tt.filter, err)
			}
			if got := matching(f); !slices.Equal(got, tt.want) {
				t.Errorf("%s matches %v, want %v", tt.filter, got, tt.want)
			}
			// The canonical form means the same thing.
			again, err := Compile(f.String(), councilSchema)
			if err != nil {
				t.Fatalf("canonical form %q: %v", f.String(), err)
			}
			if got := matching(again); !slices.Equal(got, tt.want) {
				t.Errorf("canonical %s matches %v, want %v", f.String(), got, tt.want)
			}
		})
	}
}

func TestNilFilterMatchesEverything(t *testing.T) {
	var f *Filter
	if !f.Match(council{}) || f.String() != "" || f.Expr() != nil || f.Equalities() != nil {
		t.Error("nil *Filter must behave as the empty filter")
	}
}

func TestEqualities(t *testing.T) {
	tests := []struct {
		filter string
		want   map[string][]string
	}{
		{``, nil},
		{`region = london`, map[string][]string{"region": {"LONDON"}}},
		{`region = LONDON AND latest_judgement.grade = good AND population > 5`,
			map[string][]string{"region": {"LONDON"}, "latest_judgement.grade": {"GOOD"}}},
		{`tags:sli AND tags:"dfe adviser" AND past_grades:good`,
			map[string][]string{"tags": {"sli", "dfe adviser"}, "past_grades": {"GOOD"}}},
		{`population = 7 AND in_intervention = true AND latest_judgement.published = 2015-12-01 AND updated = 2024-01-31T09:00:00+01:00`,
			map[string][]string{
				"population": {"7"}, "in_intervention": {"true"},
				"latest_judgement.published": {"2015-12-01"}, "updated": {"2024-01-31T08:00:00Z"},
			}},
		{`name = "Leeds \"City\""`, map[string][]string{"name": {`Leeds "City"`}}},
		{`region = LONDON OR region = NORTH_WEST`, nil},
		{`NOT region = LONDON`, nil},
		{`region != LONDON`, nil},
		{`tags:* AND region = LONDON`, map[string][]string{"region": {"LONDON"}}},
		{`region = LONDON AND (region = NORTH_WEST OR in_intervention = true)`, map[string][]string{"region": {"LONDON"}}},
		{`latest_judgement.grade:*`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			f, err := Compile(tt.filter, councilSchema)
			if err != nil {
				t.Fatal(err)
			}
			got := f.Equalities()
			if len(got) != len(tt.want) {
				t.Fatalf("Equalities() = %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if !slices.Equal(got[k], v) {
					t.Errorf("Equalities()[%q] = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

func TestExprIsACopy(t *testing.T) {
	f, err := Compile(`region = LONDON AND NOT in_intervention = false`, councilSchema)
	if err != nil {
		t.Fatal(err)
	}
	e := f.Expr().(*And)
	e.Terms[0].(*Comparison).Value.Typed = "NORTH_WEST"
	e.Terms[1].(*Not).Term.(*Comparison).Field = "population"
	e.Terms = e.Terms[:1]
	if got := matching(f); !slices.Equal(got, []string{"croydon"}) {
		t.Errorf("after editing the copy, filter matches %v", got)
	}
	if f.String() != `region = LONDON AND NOT in_intervention = false` {
		t.Errorf("after editing the copy, String() = %s", f.String())
	}
}

func TestSchemaValidate(t *testing.T) {
	bad := map[string]Schema{
		"bad path":             {"a..b": {Type: String}},
		"digit start":          {"1a": {Type: String}},
		"keyword":              {"AND": {Type: String}},
		"space":                {"a b": {Type: String}},
		"no type":              {"a": {}},
		"unknown type":         {"a": {Type: Type(99)}},
		"enum without values":  {"a": {Type: Enum}},
		"values on a string":   {"a": {Type: String, Values: []string{"X"}}},
		"duplicate enum value": {"a": {Type: Enum, Values: []string{"X", "x"}}},
		"empty enum value":     {"a": {Type: Enum, Values: []string{""}}},
	}
	for name, s := range bad {
		t.Run(name, func(t *testing.T) {
			if err := s.Validate(); err == nil {
				t.Fatal("Validate accepted the schema")
			}
			_, err := Compile("", s)
			if err == nil {
				t.Fatal("Compile accepted the schema")
			}
			if _, isFault := fault.As(err); isFault {
				t.Errorf("a bad schema is a server bug, not the caller's: got fault %v", err)
			}
		})
	}
	if err := councilSchema.Validate(); err != nil {
		t.Errorf("councilSchema: %v", err)
	}
	if s := Type(99).String(); s != "Type(99)" {
		t.Errorf("Type(99).String() = %q", s)
	}
}
