// Package overview computes the national picture from every council's
// standing: councils by latest grade, nationally and by region; inspected
// under SIF or not; the LGA's inadequacy projection; plans by state;
// decisions due within 30, 60 and 90 days; open emergency-inspection
// recommendations; open sponsor needs and the sponsor capacity in use.
package overview

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/turnaround-sli/turnaround/services/oversight/internal/timeline"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// DefaultWindows are the decision windows, in days, of an overview.
var DefaultWindows = []int{30, 60, 90}

// Ungraded is the grade of a council never graded.
const Ungraded = ""

// Projection is the LGA method: the inadequate rate among councils
// inspected under SIF, applied to every council.
type Projection struct {
	Inspected, Inadequate, AllCouncils int
	Rate, Projected                    float64
}

// Region is one region's councils by grade.
type Region struct {
	Region   reference.Region
	Councils int
	Grades   map[reference.Grade]int
}

// Window lists the councils whose plans' decisions fall due within Days.
type Window struct {
	Days     int
	Plans    int
	Councils []string // GSS codes, soonest deadline first, each once
}

// Overview is the national picture.
type Overview struct {
	// Generation identifies one computation: the same overview served
	// again keeps it, so a caller may keep what it derived from it.
	Generation             uint64
	At                     time.Time
	Councils               int
	Grades                 map[reference.Grade]int // Ungraded for none
	Regions                []Region
	InspectedUnderSIF      int
	NotInspectedUnderSIF   int
	Projection             Projection
	PlansByState           map[string]int
	Decisions              []Window
	OpenRecommendations    int
	RecommendationCouncils []string
	OpenNeeds              int
	ActiveEngagements      int
	EngagedSponsors        int
}

// Compute is the overview of standings at now, over the councils of the
// register; windows are in days (DefaultWindows when empty).
func Compute(standings []timeline.Standing, councils []reference.Council, now time.Time, windows []int) Overview {
	if len(windows) == 0 {
		windows = DefaultWindows
	}
	by := make(map[string]timeline.Standing, len(standings))
	for _, s := range standings {
		by[s.Council] = s
	}
	o := Overview{At: now, Councils: len(councils), Grades: map[reference.Grade]int{}, PlansByState: map[string]int{}}
	regions := map[reference.Region]*Region{}
	for _, r := range reference.Regions {
		regions[r] = &Region{Region: r, Grades: map[reference.Grade]int{}}
	}
	type due struct {
		gss      string
		deadline time.Time
	}
	var dues []due
	sponsors := map[string]bool{}
	for _, c := range councils {
		s := by[c.GSSCode]
		g := reference.Grade(s.Latest.Grade)
		if !g.Valid() {
			g = Ungraded
		}
		o.Grades[g]++
		if r := regions[c.Region]; r != nil {
			r.Councils++
			r.Grades[g]++
		}
		if sif := reference.Grade(s.SIF.Grade); sif.Valid() {
			o.InspectedUnderSIF++
			o.Projection.Inspected++
			if sif == reference.Inadequate {
				o.Projection.Inadequate++
			}
		} else {
			o.NotInspectedUnderSIF++
		}
		openRec := false
		for _, name := range slices.Sorted(maps.Keys(s.Records)) {
			r := s.Records[name]
			switch r.Kind {
			case timeline.KindPlan:
				o.PlansByState[r.State]++
				if r.Pending && !r.Deadline.IsZero() {
					dues = append(dues, due{c.GSSCode, r.Deadline})
				}
			case timeline.KindRecommendation:
				if r.State == timeline.Open {
					o.OpenRecommendations++
					openRec = true
				}
			case timeline.KindNeed:
				if r.State == timeline.Open {
					o.OpenNeeds++
				}
			case timeline.KindEngagement:
				if r.State == timeline.Open {
					o.ActiveEngagements++
					sponsors[r.Sponsor] = true
				}
			}
		}
		if openRec {
			o.RecommendationCouncils = append(o.RecommendationCouncils, c.GSSCode)
		}
	}
	o.EngagedSponsors = len(sponsors)
	for _, r := range reference.Regions {
		o.Regions = append(o.Regions, *regions[r])
	}
	o.Projection.AllCouncils = len(councils)
	if o.Projection.Inspected > 0 {
		o.Projection.Rate = float64(o.Projection.Inadequate) / float64(o.Projection.Inspected)
		o.Projection.Projected = o.Projection.Rate * float64(len(councils))
	}
	slices.SortStableFunc(dues, func(a, b due) int {
		return cmp.Or(a.deadline.Compare(b.deadline), cmp.Compare(a.gss, b.gss))
	})
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	for _, days := range windows {
		w := Window{Days: days}
		limit := today.AddDate(0, 0, days)
		for _, d := range dues {
			if d.deadline.After(limit) {
				continue
			}
			w.Plans++
			if !slices.Contains(w.Councils, d.gss) {
				w.Councils = append(w.Councils, d.gss)
			}
		}
		o.Decisions = append(o.Decisions, w)
	}
	return o
}

// Standings is what the overview reads; *timeline.Service provides it.
type Standings interface {
	Standings(ctx context.Context) ([]timeline.Standing, error)
	// StandingsVersion changes whenever a standing changes.
	StandingsVersion(ctx context.Context) (int64, error)
}

// Service is the overview's use case. It keeps the last overview it
// computed and serves it again while the standings' version and the day
// are the same: a read then costs one round trip, however many councils
// and records there are, and none at all within Fresh of the last check.
type Service struct {
	src Standings
	now func() time.Time

	mu          sync.Mutex
	last        cached
	generations uint64
}

// Fresh is how long an overview whose version was just checked is served
// without checking again: the overview may trail a change by this much
// more than the events take to arrive.
const Fresh = 250 * time.Millisecond

// cached is an overview and what it was computed from.
type cached struct {
	ok      bool
	version int64
	day     time.Time
	windows string
	o       Overview
	// checked is when the version was last read (the wall clock).
	checked time.Time
}

// NewService returns the use case over src with the clock now.
func NewService(src Standings, now func() time.Time) *Service { return &Service{src: src, now: now} }

// Get computes the overview now; windows as Compute.
func (s *Service) Get(ctx context.Context, windows []int) (Overview, error) {
	now := s.now()
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	key := fmt.Sprint(windows)
	s.mu.Lock()
	c := s.last
	s.mu.Unlock()
	same := c.ok && c.day.Equal(day) && c.windows == key
	if same && time.Since(c.checked) < Fresh {
		o := c.o
		o.At = now
		return o, nil
	}
	// The version is read before the standings: a change committed in
	// between gives a newer version next time, never a stale overview
	// kept as current.
	checked := time.Now()
	version, err := s.src.StandingsVersion(ctx)
	if err != nil {
		return Overview{}, err
	}
	if same && c.version == version {
		s.mu.Lock()
		if s.last.version == version && s.last.checked.Before(checked) {
			s.last.checked = checked
		}
		s.mu.Unlock()
		o := c.o
		o.At = now
		return o, nil
	}
	st, err := s.src.Standings(ctx)
	if err != nil {
		return Overview{}, err
	}
	o := Compute(st, reference.Councils(), now, windows)
	s.mu.Lock()
	s.generations++
	o.Generation = s.generations
	s.last = cached{ok: true, version: version, day: day, windows: key, o: o, checked: checked}
	s.mu.Unlock()
	return o, nil
}
