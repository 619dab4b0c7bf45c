// Package council holds the rules for the LocalAuthority resource: a council
// with children's services responsibility, its resource name, and how lists
// of councils are filtered, ordered and paged. It is pure Go: the store and
// the transport live elsewhere.
package council

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// LocalAuthority is a council as the service stores it.
type LocalAuthority struct {
	reference.Council
	// Latest is the council's most recent published graded judgement; nil
	// when it has none.
	Latest *LatestJudgement
	// InspectedUnderSIF is true once a SIF judgement has been published.
	InspectedUnderSIF bool
	// Version is the record's check-and-set version; its etag.
	Version    int64
	UpdateTime time.Time
}

// LatestJudgement summarises a council's most recent published judgement.
type LatestJudgement struct {
	// Inspection is the inspection's resource name.
	Inspection string
	// Framework is the framework's enum name without prefix, such as SIF.
	Framework string
	// OverallGrade is the overall effectiveness grade.
	OverallGrade reference.Grade
	// PublishDate is the publication date, midnight UTC.
	PublishDate time.Time
}

// WithJudgement returns la as it stands after a graded judgement is
// published: it becomes the latest unless a later one is already recorded,
// and a SIF judgement marks the council inspected under SIF.
func (la LocalAuthority) WithJudgement(j LatestJudgement) LocalAuthority {
	if la.Latest == nil || !j.PublishDate.Before(la.Latest.PublishDate) {
		la.Latest = &j
	}
	if j.Framework == "SIF" {
		la.InspectedUnderSIF = true
	}
	return la
}

// ResourceName is the council's AIP-122 name, localAuthorities/{gss_code}.
func (la LocalAuthority) ResourceName() string { return resource.CouncilName(la.GSSCode) }

// ErrNotFound is what a Storer returns for a council it does not hold.
var ErrNotFound = errors.New("council not found")

// Storer is the storage the council rules need.
type Storer interface {
	// Get returns one council by GSS code, or ErrNotFound.
	Get(ctx context.Context, gss string) (LocalAuthority, error)
	// All returns every council, in no particular order.
	All(ctx context.Context) ([]LocalAuthority, error)
	// Seed stores councils that are not yet stored and leaves existing
	// records untouched, so it is safe to run on every start.
	Seed(ctx context.Context, cs []reference.Council) (added int, err error)
}

// FilterSchema lists the fields a council list can be filtered on.
var FilterSchema = columns.Schema()

// OrderFields lists the fields a council list can be ordered by.
var OrderFields = []string{"display_name", "gss_code"}

// DefaultOrder is the order of a list that names none.
const DefaultOrder = "display_name"

// LatestGrade is the overall grade of the council's most recent published
// graded judgement, if it has one.
func (la LocalAuthority) LatestGrade() (reference.Grade, bool) {
	if la.Latest == nil {
		return "", false
	}
	return la.Latest.OverallGrade, true
}

// columns are the fields a council list filters on.
var columns = filter.Columns[LocalAuthority]{
	"region":              filter.EnumColumn(reference.Regions, "REGION_", func(la *LocalAuthority) reference.Region { return la.Region }),
	"council_type":        filter.EnumColumn(reference.CouncilTypes, "COUNCIL_TYPE_", func(la *LocalAuthority) reference.CouncilType { return la.Type }),
	"latest_grade":        filter.OptionalEnumColumn(reference.Grades, "GRADE_", (*LocalAuthority).LatestGrade),
	"inspected_under_sif": filter.ValueColumn(filter.Bool, func(la *LocalAuthority) bool { return la.InspectedUnderSIF }),
}

// Select filters and orders councils; it returns the matching councils in
// order. The caller pages over the result.
func Select(all []LocalAuthority, f *filter.Filter, order filter.Order) []LocalAuthority {
	// Sort pointers with each name lowered once, not per comparison: a page
	// of 50 still orders all 152 councils, on every list call.
	type entry struct {
		la    *LocalAuthority
		lower string
	}
	matched := make([]entry, 0, len(all))
	for i := range all {
		if f.Match(columns.Record(&all[i])) {
			matched = append(matched, entry{la: &all[i], lower: strings.ToLower(all[i].Name)})
		}
	}
	sort.SliceStable(matched, func(i, j int) bool {
		a, b := matched[i], matched[j]
		for _, k := range order {
			var c int
			switch k.Field {
			case "display_name":
				c = strings.Compare(a.lower, b.lower)
			case "gss_code":
				c = strings.Compare(a.la.GSSCode, b.la.GSSCode)
			}
			if c != 0 {
				if k.Desc {
					return c > 0
				}
				return c < 0
			}
		}
		return a.la.GSSCode < b.la.GSSCode
	})
	out := make([]LocalAuthority, len(matched))
	for i, e := range matched {
		out[i] = *e.la
	}
	return out
}
