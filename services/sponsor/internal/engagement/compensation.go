package engagement

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

// Period is an inclusive range of calendar dates, each midnight UTC.
type Period struct {
	Start, End time.Time
}

// Validate reports every problem with p at once, on the fields
// prefix+"start" and prefix+"end" (such as "period.start"): both dates are
// required, start must not be after end, and the period may span at most
// one year: 1 April 2016 to 31 March 2017 is allowed, to 1 April 2017 is
// not.
func (p Period) Validate(prefix string) fault.Violations {
	var vs fault.Violations
	if p.Start.IsZero() {
		vs.Add(prefix+"start", "is required: the first day of the period")
	}
	if p.End.IsZero() {
		vs.Add(prefix+"end", "is required: the last day of the period")
	}
	if p.Start.IsZero() || p.End.IsZero() {
		return vs
	}
	switch limit := p.Start.AddDate(1, 0, 0); {
	case p.End.Before(p.Start):
		vs.Add(prefix+"end", "%s is before the start, %s", p.End.Format(time.DateOnly), p.Start.Format(time.DateOnly))
	case !p.End.Before(limit):
		vs.Add(prefix+"end", "%s makes the period longer than a year; the last day allowed is %s",
			p.End.Format(time.DateOnly), limit.AddDate(0, 0, -1).Format(time.DateOnly))
	}
	return vs
}

// Contains reports whether the date d falls within p, both ends included.
func (p Period) Contains(d time.Time) bool { return !d.Before(p.Start) && !d.After(p.End) }

// CouncilAmount is what a sponsor is owed for one council.
type CouncilAmount struct {
	// Council is the GSS code of the council supported.
	Council string
	// Days is the staff time deployed there in the period.
	Days HalfDays
	// AmountPence is Days times the day rate, in pence.
	AmountPence int64
}

// Statement totals what a sponsor is owed for a period.
type Statement struct {
	Sponsor      string
	Period       Period
	DayRatePence int64
	// Councils holds one line per council with staff time deployed in the
	// period, ordered by GSS code.
	Councils   []CouncilAmount
	TotalDays  HalfDays
	TotalPence int64
}

// ErrOverflow reports an amount too large for int64 pence. No real day
// rate comes near it; the store's data would have to be corrupt.
var ErrOverflow = errors.New("engagement: compensation amount overflows int64 pence")

// Amount is the pay for h half-days at dayRate pence a day: h × dayRate / 2,
// computed exactly in integers. Only an odd number of half-days at an odd
// day rate leaves half a penny, which rounds up, in the lender's favour:
// 1 half-day at 40,001p is 20,001p.
func Amount(h HalfDays, dayRate int64) (int64, error) {
	if h < 0 || dayRate < 0 {
		return 0, fmt.Errorf("engagement: amount of %d half-days at %dp a day: negative", h, dayRate)
	}
	if h != 0 && dayRate > (math.MaxInt64-1)/int64(h) {
		return 0, ErrOverflow
	}
	return (int64(h)*dayRate + 1) / 2, nil
}

// Compensate works out the statement of sponsor for period at dayRate pence
// a day, from the sponsor's deployments and the engagements they belong to
// (which say which council each deployment supported).
//
// Each deployment counts whole on its date, so deployments dated within the
// period count and all others are ignored: a store may pass a superset.
// Each council's amount is its half-days in the period times the day rate,
// halved and rounded as Amount does; the total is the sum of the councils'
// amounts, so the lines of a statement always add up to its total. A
// deployment of another sponsor or of an engagement not given is an error:
// the caller's data is inconsistent.
func Compensate(sponsor string, period Period, dayRate int64, engagements []Engagement, deployments []Deployment) (Statement, error) {
	councilOf := make(map[string]string, len(engagements))
	for _, e := range engagements {
		councilOf[e.ID] = e.Council
	}
	days := map[string]HalfDays{}
	for _, d := range deployments {
		if d.Sponsor != sponsor {
			return Statement{}, fmt.Errorf("engagement: statement of %s: deployment %s is another sponsor's", sponsor, d.Name())
		}
		council, ok := councilOf[d.Engagement]
		if !ok {
			return Statement{}, fmt.Errorf("engagement: statement of %s: deployment %s of an unknown engagement", sponsor, d.Name())
		}
		if period.Contains(d.Date) {
			days[council] += d.HalfDays
		}
	}
	s := Statement{Sponsor: sponsor, Period: period, DayRatePence: dayRate}
	for council, h := range days {
		amount, err := Amount(h, dayRate)
		if err != nil {
			return Statement{}, fmt.Errorf("engagement: statement of %s for %s: %w", sponsor, council, err)
		}
		if s.TotalPence > math.MaxInt64-amount {
			return Statement{}, fmt.Errorf("engagement: statement of %s: %w", sponsor, ErrOverflow)
		}
		s.Councils = append(s.Councils, CouncilAmount{Council: council, Days: h, AmountPence: amount})
		s.TotalDays += h
		s.TotalPence += amount
	}
	slices.SortFunc(s.Councils, func(a, b CouncilAmount) int { return cmp.Compare(a.Council, b.Council) })
	return s, nil
}
