package filter

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

var sortable = []string{"name", "population", "latest_judgement.published", "updated"}

func TestParseOrderBy(t *testing.T) {
	tests := []struct {
		in, def string
		want    Order
		canon   string
	}{
		{"name", "", Order{{Field: "name"}}, "name"},
		{"name asc", "", Order{{Field: "name"}}, "name"},
		{"name desc", "", Order{{Field: "name", Desc: true}}, "name desc"},
		{"name DESC", "", Order{{Field: "name", Desc: true}}, "name desc"},
		{"  population  desc ,name,latest_judgement.published Asc ", "",
			Order{{Field: "population", Desc: true}, {Field: "name"}, {Field: "latest_judgement.published"}},
			"population desc, name, latest_judgement.published"},
		{"", "updated desc", Order{{Field: "updated", Desc: true}}, "updated desc"},
		{"  \t", "name", Order{{Field: "name"}}, "name"},
		{"", "", nil, ""},
		{"population", "updated desc", Order{{Field: "population"}}, "population"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseOrderBy(tt.in, sortable, tt.def)
			if err != nil {
				t.Fatalf("ParseOrderBy(%q): %v", tt.in, err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ParseOrderBy(%q) = %v, want %v", tt.in, got, tt.want)
			}
			if got.String() != tt.canon {
				t.Errorf("String() = %q, want %q", got.String(), tt.canon)
			}
		})
	}
}

func TestParseOrderByErrors(t *testing.T) {
	tests := []struct {
		in      string
		allowed []string
		parts   []string
	}{
		{"colour", sortable, []string{`unknown order_by field "colour" at position 1`, "sortable fields: name, population, latest_judgement.published, updated"}},
		{"name, Colour desc", sortable, []string{`unknown order_by field "Colour" at position 7`}},
		{"name", nil, []string{"sortable fields: none"}},
		{"name descending", sortable, []string{`direction "descending" after field "name" at position 1 must be asc or desc`}},
		{"name desc asc", sortable, []string{`order_by item "name desc asc" at position 1 must be a field name`}},
		{"name,", sortable, []string{"empty item at position 6"}},
		{",name", sortable, []string{"empty item at position 1"}},
		{"name,,population", sortable, []string{"empty item at position 6"}},
		{"name, population desc, name desc", sortable, []string{`names field "name" twice, again at position 24`}},
		{"name-desc", sortable, []string{`unknown order_by field "name-desc"`}},
		{strings.Repeat("name,", 101), sortable, []string{"505 bytes long; the limit is 500"}},
		{"name\xff", sortable, []string{"not valid UTF-8"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseOrderBy(tt.in, tt.allowed, "name")
			if err == nil {
				t.Fatalf("ParseOrderBy(%q) = %v, want an error", tt.in, got)
			}
			wantInvalid(t, err, ReasonInvalidOrderBy, "order_by", tt.parts...)
			if !fault.IsKind(err, fault.KindInvalid) {
				t.Errorf("not an INVALID_ARGUMENT fault: %v", err)
			}
		})
	}
}

func TestBadDefaultOrderIsNotTheCallersFault(t *testing.T) {
	_, err := ParseOrderBy("", sortable, "colour desc")
	if err == nil {
		t.Fatal("an invalid default order was accepted")
	}
	if _, isFault := fault.As(err); isFault {
		t.Errorf("an invalid default is a server bug, but got fault %v", err)
	}
	if !strings.Contains(err.Error(), `"colour desc"`) {
		t.Errorf("error %q does not name the default", err)
	}
}

func TestOrderCompare(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC) }
	records := []council{
		{"id": "a", "name": "Leeds", "population": int64(800000), "updated": day(3)},
		{"id": "b", "name": "Bury", "population": 190000, "updated": day(1)},
		{"id": "c", "name": "Leeds", "population": 799999.5, "updated": day(2)},
		{"id": "d", "population": int32(190000)},
		{"id": "e", "name": "Kent", "population": struct{}{}, "updated": time.Time{}},
		{"id": "f", "name": gradeEnum(2), "population": uint64(1 << 63), "updated": day(1)},
	}
	tests := []struct {
		order string
		want  string
	}{
		// Unset (d's name) sorts first ascending; a Stringer sorts by its text.
		{"name", "dbfeac"},
		{"name desc", "acefbd"},
		{"name, population desc", "dbfeac"},
		{"name, population", "dbfeca"},
		// A struct and an out-of-range uint64 are unusable, so unset.
		{"population", "efbdca"},
		{"population desc, name", "acdbfe"},
		{"updated, name", "debfca"},
		{"updated desc, name desc", "acfbed"},
	}
	allowed := []string{"name", "population", "updated"}
	for _, tt := range tests {
		t.Run(tt.order, func(t *testing.T) {
			o, err := ParseOrderBy(tt.order, allowed, "")
			if err != nil {
				t.Fatal(err)
			}
			got := slices.Clone(records)
			slices.SortStableFunc(got, func(x, y council) int { return o.Compare(x, y) })
			var ids strings.Builder
			for _, r := range got {
				ids.WriteString(r["id"].(string))
			}
			if ids.String() != tt.want {
				t.Errorf("order %q sorted %s, want %s", tt.order, ids.String(), tt.want)
			}
		})
	}
}

func TestCompareAcrossKinds(t *testing.T) {
	o := Order{{Field: "v"}}
	values := []any{nil, false, true, -1, 0.5, int64(2), "", "a", time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)}
	for i, a := range values {
		for j, b := range values {
			got := o.Compare(council{"v": a}, council{"v": b})
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got != want {
				t.Errorf("Compare(%#v, %#v) = %d, want %d", a, b, got, want)
			}
		}
	}
}
