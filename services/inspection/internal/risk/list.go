package risk

import (
	"cmp"
	"slices"
	"strings"

	"github.com/turnaround-sli/turnaround/services/inspection/internal/council"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/indicator"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Council is one council's assessment as a list shows it: the assessment
// beside the council facts a list filters on.
type Council struct {
	council.LocalAuthority
	Assessment Assessment
	// Status and Note are what the council's latest judgement means for
	// the score (see Standing).
	Status Status
	Note   string
}

// FilterSchema lists the fields a list of risk assessments can be filtered
// on: `inspected_under_sif = false AND band = HIGH`, and what the council's
// latest judgement means, `status = MODELLED` (a modelled risk of a future
// inadequate judgement) or `status = ALREADY_INADEQUATE`, `latest_grade =
// INADEQUATE`.
var FilterSchema = columns.Schema()

var columns = filter.Columns[Council]{
	"inspected_under_sif": filter.ValueColumn(filter.Bool, func(c *Council) bool { return c.InspectedUnderSIF }),
	"region":              filter.EnumColumn(reference.Regions, "REGION_", func(c *Council) reference.Region { return c.Region }),
	"band":                filter.EnumColumn(Bands, "RISK_BAND_", func(c *Council) Band { return c.Assessment.Band }),
	"status":              filter.EnumColumn(Statuses, "RISK_STATUS_", func(c *Council) Status { return c.Status }),
	"latest_grade":        filter.OptionalEnumColumn(reference.Grades, "GRADE_", func(c *Council) (reference.Grade, bool) { return c.LatestGrade() }),
}

// Get implements filter.Record.
func (c *Council) Get(field string) (any, bool) { return columns.Record(c).Get(field) }

// AssessAll scores every council in las from latest (each council's newest
// set, by GSS code) and benchmarks (by period), keeps those that match f (nil
// matches all) and orders them highest score first, councils with
// insufficient data last, ties by display name then GSS code. The factors
// carry no explanations yet: writing them costs more than scoring, so a
// list explains only the councils it returns, with ExplainCouncil.
func (m Model) AssessAll(las []council.LocalAuthority, latest map[string]indicator.Set, benchmarks map[indicator.Period]indicator.Benchmarks, f *filter.Filter) []Council {
	out := make([]Council, 0, len(las))
	for _, la := range las {
		c := Council{LocalAuthority: la}
		var set *indicator.Set
		if s, ok := latest[la.GSSCode]; ok {
			set = &s
		}
		var b *indicator.Benchmarks
		if set != nil {
			if bm, ok := benchmarks[set.Period]; ok {
				b = &bm
			}
		}
		c.Assessment = m.score(la.Region, set, b)
		if f.Match(&c) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, Compare)
	return out
}

// ExplainCouncil returns c with every factor explained (see Explain).
func (m Model) ExplainCouncil(c Council) Council {
	c.Assessment = m.Explain(c.Region, c.Assessment)
	return c
}

// Compare orders councils by risk: scored councils before those with
// insufficient data, higher scores first, then display name (case-folded)
// and GSS code so the order is total and stable across pages.
func Compare(a, b Council) int {
	ai, bi := a.Assessment.Band == InsufficientData, b.Assessment.Band == InsufficientData
	switch {
	case ai != bi:
		if ai {
			return 1
		}
		return -1
	case !ai:
		if c := cmp.Compare(b.Assessment.Score, a.Assessment.Score); c != 0 {
			return c
		}
	}
	if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
		return c
	}
	return strings.Compare(a.GSSCode, b.GSSCode)
}
