// Package projection reproduces the LGA's late-2015 projection of how many
// councils' children's services will be judged inadequate: the inadequate
// rate among the councils inspected under the Single Inspection Framework,
// applied to all 152 councils, and applied at the observed pace of
// inspection to a target date. It is pure Go; the judgements come from a
// Source the store implements.
package projection

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// FrameworkSIF is the framework whose judgements the projection counts. Only
// SIF gives every council the same graded judgement, which is what the
// LGA's rate was computed over.
const FrameworkSIF = "SIF"

// DaysPerMonth is the mean length of a Gregorian month. Months are measured
// in days divided by it, so a pace never depends on which months a period
// happens to span.
const DaysPerMonth = 365.2425 / 12

// Request field names, used in field violations.
const (
	FieldAsOf   = "as_of"
	FieldTarget = "target_date"
)

// DefaultTarget is the LGA's horizon: "38 by April 2017".
var DefaultTarget = time.Date(2017, time.April, 1, 0, 0, 0, 0, time.UTC)

// Judgement is one published judgement, as the projection needs it.
type Judgement struct {
	// Council is the council's GSS code.
	Council string
	// Framework is the framework's enum name without prefix, such as SIF.
	Framework string
	// OverallGrade is the overall effectiveness grade.
	OverallGrade reference.Grade
	// PublishDate is the publication date, midnight UTC.
	PublishDate time.Time
}

// Source is where the projection reads published judgements from.
type Source interface {
	// Published returns every published judgement of every council, of any
	// framework, in no particular order.
	Published(ctx context.Context) ([]Judgement, error)
}

// Projection is the result, with every input and intermediate figure so
// that a reader can check the arithmetic.
type Projection struct {
	// AsOf: judgements published on or before this date were counted.
	AsOf time.Time
	// Target is the date projected to.
	Target time.Time
	// TotalCouncils is the number of councils the rate is applied to.
	TotalCouncils int
	// Inspected is the number of councils with a published SIF judgement.
	Inspected int
	// Inadequate is the number of those whose latest SIF judgement is
	// inadequate.
	Inadequate int
	// Rate is Inadequate / Inspected, 0 when nobody has been inspected.
	Rate float64
	// ProjectedWhenAllInspected is round(Rate × TotalCouncils).
	ProjectedWhenAllInspected int
	// FirstPublished is the date of the first SIF publication; zero when
	// there is none.
	FirstPublished time.Time
	// ObservedMonths is the length of the observed period, from
	// FirstPublished to AsOf with both days counted, in months.
	ObservedMonths float64
	// PerMonth is the observed pace: councils first inspected per month.
	PerMonth float64
	// MonthsToTarget is the time from AsOf to Target, in months.
	MonthsToTarget float64
	// ProjectedInspectedByTarget is min(TotalCouncils, Inspected + PerMonth ×
	// MonthsToTarget), rounded.
	ProjectedInspectedByTarget int
	// ProjectedInadequateByTarget is round(Rate × ProjectedInspectedByTarget).
	ProjectedInadequateByTarget int
	// CompletionDate is when every council would have been inspected at the
	// observed pace (the date the last was first inspected, if all have
	// been); zero when there is no pace to project with.
	CompletionDate time.Time
	// Method is the method written out with the numbers used.
	Method string
}

// Project computes the projection over judgements as of asOf, to target,
// for total councils. Judgements of other frameworks, or published after
// asOf, are ignored; a council counts once, with its latest SIF judgement as
// of asOf (on a tie of dates, the worse grade, so a projection never looks
// better than the record). A target before asOf is INVALID_ARGUMENT on
// target_date.
func Project(judgements []Judgement, asOf, target time.Time, total int) (Projection, error) {
	asOf, target = day(asOf), day(target)
	var vs fault.Violations
	if asOf.IsZero() {
		vs.Add(FieldAsOf, "is required")
	}
	if target.IsZero() {
		vs.Add(FieldTarget, "is required")
	} else if !asOf.IsZero() && target.Before(asOf) {
		vs.Add(FieldTarget, "must be on or after as_of (%s), got %s", isoDate(asOf), isoDate(target))
	}
	if total <= 0 {
		vs.Add("total_councils", "must be positive, got %d", total)
	}
	if err := vs.Err(); err != nil {
		return Projection{}, err
	}

	p := Projection{AsOf: asOf, Target: target, TotalCouncils: total}
	latest := make(map[string]Judgement)
	first := make(map[string]time.Time)
	for _, j := range judgements {
		published := day(j.PublishDate)
		if j.Framework != FrameworkSIF || j.Council == "" || published.IsZero() || published.After(asOf) {
			continue
		}
		j.PublishDate = published
		if f, ok := first[j.Council]; !ok || published.Before(f) {
			first[j.Council] = published
		}
		cur, ok := latest[j.Council]
		if !ok || published.After(cur.PublishDate) ||
			published.Equal(cur.PublishDate) && j.OverallGrade.Rank() > cur.OverallGrade.Rank() {
			latest[j.Council] = j
		}
	}
	p.Inspected = len(latest)
	for _, j := range latest {
		if j.OverallGrade == reference.Inadequate {
			p.Inadequate++
		}
	}
	var lastFirst time.Time
	for _, f := range first {
		if p.FirstPublished.IsZero() || f.Before(p.FirstPublished) {
			p.FirstPublished = f
		}
		if f.After(lastFirst) {
			lastFirst = f
		}
	}
	p.MonthsToTarget = float64(days(asOf, target)) / DaysPerMonth
	if p.Inspected == 0 {
		p.Method = methodNone(p)
		return p, nil
	}

	p.Rate = float64(p.Inadequate) / float64(p.Inspected)
	p.ProjectedWhenAllInspected = roundRatio(p.Inadequate, total, p.Inspected)
	// Both ends are counted: a council published on as_of was inspected
	// within the period, so the period is never empty.
	observedDays := days(p.FirstPublished, asOf) + 1
	p.ObservedMonths = float64(observedDays) / DaysPerMonth
	p.PerMonth = float64(p.Inspected) / p.ObservedMonths
	// The pace in months is for people; the arithmetic runs on whole days,
	// where Inspected + PerMonth × MonthsToTarget is Inspected + Inspected ×
	// daysToTarget / observedDays, so integer rounding keeps it exact.
	p.ProjectedInspectedByTarget = min(total, p.Inspected+roundRatio(p.Inspected, days(asOf, target), observedDays))
	p.ProjectedInadequateByTarget = roundRatio(p.Inadequate, p.ProjectedInspectedByTarget, p.Inspected)
	if remaining := total - p.Inspected; remaining <= 0 {
		p.CompletionDate = lastFirst
	} else {
		p.CompletionDate = asOf.AddDate(0, 0, ceilRatio(remaining, observedDays, p.Inspected))
	}
	p.Method = method(p)
	return p, nil
}

// Service answers projection requests from a Source, filling in defaults
// from its clock.
type Service struct {
	source Source
	now    func() time.Time
	total  int
}

// NewService returns a Service over source, projecting for every council of
// the reference data. now is the clock that sets the default as_of.
func NewService(source Source, now func() time.Time) *Service {
	return &Service{source: source, now: now, total: len(reference.Councils())}
}

// Project projects as of asOf to target. A zero asOf means today (by the
// clock, in UTC). A zero target means DefaultTarget, or asOf when that is
// later, so that a request with no dates after April 2017 still describes
// the record instead of failing. asOf after today is INVALID_ARGUMENT on
// as_of: no judgement can have been published then, and counting a future
// period would dilute the pace. An explicit target before asOf is
// INVALID_ARGUMENT on target_date.
func (s *Service) Project(ctx context.Context, asOf, target time.Time) (Projection, error) {
	today := day(s.now())
	asOf, target = day(asOf), day(target)
	if asOf.IsZero() {
		asOf = today
	}
	var vs fault.Violations
	if asOf.After(today) {
		vs.Add(FieldAsOf, "must not be after today (%s), got %s", isoDate(today), isoDate(asOf))
	}
	if target.IsZero() {
		target = DefaultTarget
		if target.Before(asOf) {
			target = asOf
		}
	} else if target.Before(asOf) {
		vs.Add(FieldTarget, "must be on or after as_of (%s), got %s", isoDate(asOf), isoDate(target))
	}
	if err := vs.Err(); err != nil {
		return Projection{}, err
	}
	js, err := s.source.Published(ctx)
	if err != nil {
		return Projection{}, fmt.Errorf("read published judgements: %w", err)
	}
	return Project(js, asOf, target, s.total)
}

// roundRatio returns round(a × b / c) for non-negative a, b and positive c,
// in integers so that an exact figure such as 20 × 152 / 80 = 38 is never
// nudged by floating point; halves round up.
func roundRatio(a, b, c int) int {
	return (2*a*b + c) / (2 * c)
}

// ceilRatio returns the ceiling of a × b / c for non-negative a, b and
// positive c.
func ceilRatio(a, b, c int) int {
	return (a*b + c - 1) / c
}

// days is the number of whole days from a to b, both midnight UTC. It counts
// on Unix seconds because a time.Duration cannot span the centuries a
// request may name.
func days(a, b time.Time) int {
	return int((b.Unix() - a.Unix()) / (24 * 60 * 60))
}

// day returns the calendar date of t in UTC as midnight UTC; the zero time
// stays zero.
func day(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func isoDate(t time.Time) string { return t.Format(time.DateOnly) }

func methodNone(p Projection) string {
	return fmt.Sprintf("No council has a published SIF judgement on or before %s, so there is no inadequate rate "+
		"to apply: the rate is 0, and every projected figure is 0 until a first judgement is published.",
		isoDate(p.AsOf))
}

func method(p Projection) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Inspected: %d of %d councils have a published SIF judgement on or before %s; "+
		"the latest SIF judgement of %d of them is inadequate (a council re-inspected counts once, with its latest judgement). ",
		p.Inspected, p.TotalCouncils, isoDate(p.AsOf), p.Inadequate)
	fmt.Fprintf(&b, "Rate: %d / %d = %.4f (%.1f%%). ", p.Inadequate, p.Inspected, p.Rate, 100*p.Rate)
	fmt.Fprintf(&b, "When all %d are inspected: round(%d / %d × %d) = %d inadequate. ",
		p.TotalCouncils, p.Inadequate, p.Inspected, p.TotalCouncils, p.ProjectedWhenAllInspected)
	fmt.Fprintf(&b, "Pace: %d councils first inspected in %d days, both ends counted, from the first SIF publication (%s) "+
		"to %s, that is %.1f months of %.4f days = %.2f a month. ",
		p.Inspected, days(p.FirstPublished, p.AsOf)+1, isoDate(p.FirstPublished), isoDate(p.AsOf),
		p.ObservedMonths, DaysPerMonth, p.PerMonth)
	fmt.Fprintf(&b, "By %s (%.1f months on): min(%d, round(%d + %.2f × %.1f)) = %d inspected, "+
		"and round(%d / %d × %d) = %d inadequate. ",
		isoDate(p.Target), p.MonthsToTarget, p.TotalCouncils, p.Inspected, p.PerMonth, p.MonthsToTarget,
		p.ProjectedInspectedByTarget, p.Inadequate, p.Inspected, p.ProjectedInspectedByTarget, p.ProjectedInadequateByTarget)
	if p.Inspected >= p.TotalCouncils {
		fmt.Fprintf(&b, "All %d councils had been inspected by %s.", p.TotalCouncils, isoDate(p.CompletionDate))
	} else {
		fmt.Fprintf(&b, "At that pace the remaining %d councils would all be inspected by %s.",
			p.TotalCouncils-p.Inspected, isoDate(p.CompletionDate))
	}
	return b.String()
}
