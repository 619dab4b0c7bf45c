package console

import (
	"fmt"
	"html"
	"net/http"
	"strings"
	"sync"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
)

// gradeColumns are the chart's and table's columns, best first, then
// councils with no graded judgement.
var gradeColumns = []struct {
	Grade typev1.Grade
	Label string
	Fill  string
	Key   string
}{
	{typev1.Grade_GRADE_OUTSTANDING, "Outstanding", "#00703c", "outstanding"},
	{typev1.Grade_GRADE_GOOD, "Good", "#28a197", "good"},
	{typev1.Grade_GRADE_REQUIRES_IMPROVEMENT, "Requires improvement", "#ffdd00", "ri"},
	{typev1.Grade_GRADE_INADEQUATE, "Inadequate", "#d4351c", "inadequate"},
	{typev1.Grade_GRADE_UNSPECIFIED, "Not inspected", "#b1b4b6", "none"},
}

// gradeRow is one region's councils by grade.
type gradeRow struct {
	Region string
	Counts []int
	Total  int
}

type overviewData struct {
	Columns    any
	Rows       []gradeRow
	Totals     gradeRow
	Chart      string
	Projection *inspectionv1.InadequacyProjection
	Due        []planRow
	DueDenied  bool
	Recs       []recRow
	RecsDenied bool
	Needs      []needRow
	NeedsDeny  bool
}

type recRow struct {
	Rec     *inspectionv1.EmergencyInspectionRecommendation
	Council string
}

// dueWithinDays is how near a deadline is "due soon" on the overview.
const dueWithinDays = 90

// overview is the national overview: councils by grade and region (an SVG
// chart with the same numbers in a table), the inadequacy projection with
// its method, plan decisions due soon, open emergency-inspection
// recommendations and open sponsor needs, each as far as the role may see.
func (c *Console) overview(w http.ResponseWriter, r *http.Request, s *session) (*view, error) {
	ctx := r.Context()
	var d overviewData
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
	}
	run := func(f func()) { wg.Add(1); go func() { defer wg.Done(); f() }() }
	var councils []*inspectionv1.LocalAuthority
	run(func() {
		var err error
		if councils, err = c.councilList(ctx); err != nil {
			fail(err)
		}
	})
	run(func() {
		p, err := c.inspection.GetInadequacyProjection(ctx, &inspectionv1.GetInadequacyProjectionRequest{})
		if err != nil && !denied(err) {
			fail(err)
		}
		d.Projection = p
	})
	var plans []*improvementplanv1.ImprovementPlan
	run(func() {
		resp, err := c.plans.ListImprovementPlans(ctx, &improvementplanv1.ListImprovementPlansRequest{Parent: "localAuthorities/-", PageSize: 200, OrderBy: "deadline"})
		switch {
		case denied(err):
			d.DueDenied = true
		case err != nil:
			fail(err)
		default:
			plans = resp.GetImprovementPlans()
		}
	})
	var recs []*inspectionv1.EmergencyInspectionRecommendation
	run(func() {
		resp, err := c.inspection.ListEmergencyInspectionRecommendations(ctx, &inspectionv1.ListEmergencyInspectionRecommendationsRequest{Parent: "localAuthorities/-", PageSize: 50, Filter: "state = PENDING"})
		switch {
		case denied(err):
			d.RecsDenied = true
		case err != nil:
			fail(err)
		default:
			recs = resp.GetEmergencyInspectionRecommendations()
		}
	})
	var needs []*sponsorv1.SponsorNeed
	run(func() {
		resp, err := c.sponsor.ListSponsorNeeds(ctx, &sponsorv1.ListSponsorNeedsRequest{Parent: "localAuthorities/-", PageSize: 200, Filter: "state = OPEN"})
		switch {
		case denied(err):
			d.NeedsDeny = true
		case err != nil:
			fail(err)
		default:
			needs = resp.GetSponsorNeeds()
		}
	})
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}

	d.Columns = gradeColumns
	d.Rows, d.Totals = gradesByRegion(councils)
	d.Chart = gradeChart(d.Rows)
	for _, p := range plans {
		switch p.GetState() {
		case improvementplanv1.PlanState_PLAN_STATE_IMPROVED, improvementplanv1.PlanState_PLAN_STATE_CLOSED, improvementplanv1.PlanState_PLAN_STATE_ESCALATED:
			continue
		}
		if p.GetDeadline() == nil || c.daysUntil(p.GetDeadline()) > dueWithinDays {
			continue
		}
		d.Due = append(d.Due, c.planRow(p, c.councilName(ctx, p.GetName())))
	}
	for _, rec := range recs {
		d.Recs = append(d.Recs, recRow{Rec: rec, Council: c.councilName(ctx, rec.GetName())})
	}
	for _, n := range needs {
		d.Needs = append(d.Needs, needRow{Need: n, Council: c.councilName(ctx, n.GetName()), Areas: needAreas(n)})
	}
	return &view{Template: "overview", Title: "National overview", Current: "overview", Data: d}, nil
}

// gradesByRegion counts councils by region and latest overall grade.
func gradesByRegion(councils []*inspectionv1.LocalAuthority) ([]gradeRow, gradeRow) {
	idx := map[typev1.Grade]int{}
	for i, col := range gradeColumns {
		idx[col.Grade] = i
	}
	byRegion := map[typev1.Region]*gradeRow{}
	var rows []gradeRow
	totals := gradeRow{Region: "England", Counts: make([]int, len(gradeColumns))}
	for reg := typev1.Region_REGION_NORTH_EAST; reg <= typev1.Region_REGION_SOUTH_WEST; reg++ {
		byRegion[reg] = &gradeRow{Region: regionLabel(reg), Counts: make([]int, len(gradeColumns))}
	}
	for _, la := range councils {
		row := byRegion[la.GetRegion()]
		if row == nil {
			continue
		}
		i, ok := idx[la.GetLatestJudgement().GetOverallGrade()]
		if !ok {
			i = idx[typev1.Grade_GRADE_UNSPECIFIED]
		}
		row.Counts[i]++
		row.Total++
		totals.Counts[i]++
		totals.Total++
	}
	for reg := typev1.Region_REGION_NORTH_EAST; reg <= typev1.Region_REGION_SOUTH_WEST; reg++ {
		rows = append(rows, *byRegion[reg])
	}
	return rows, totals
}

// gradeChart draws the regions as horizontal stacked bars, one segment per
// grade, scaled to the largest region. Its words are in the SVG's title
// and description; the table beside it holds the same numbers for anyone
// who cannot see it.
func gradeChart(rows []gradeRow) string {
	const (
		labelW = 210
		barW   = 440
		rowH   = 30
		barH   = 20
		top    = 10
	)
	max := 1
	for _, r := range rows {
		if r.Total > max {
			max = r.Total
		}
	}
	height := top + rowH*len(rows) + 40
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="console-chart" role="img" aria-labelledby="grade-chart-title grade-chart-desc" viewBox="0 0 %d %d" width="%d" height="%d" xmlns="http://www.w3.org/2000/svg">`,
		labelW+barW+50, height, labelW+barW+50, height)
	b.WriteString(`<title id="grade-chart-title">Councils by latest overall grade in each region</title>`)
	var desc []string
	for _, r := range rows {
		var parts []string
		for i, col := range gradeColumns {
			parts = append(parts, fmt.Sprintf("%d %s", r.Counts[i], strings.ToLower(col.Label)))
		}
		desc = append(desc, fmt.Sprintf("%s: %s", r.Region, strings.Join(parts, ", ")))
	}
	fmt.Fprintf(&b, `<desc id="grade-chart-desc">%s.</desc>`, html.EscapeString(strings.Join(desc, "; ")))
	for i, r := range rows {
		y := top + i*rowH
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" font-size="14" fill="#0b0c0c">%s</text>`, labelW-8, y+barH-5, html.EscapeString(r.Region))
		x := float64(labelW)
		for j, col := range gradeColumns {
			n := r.Counts[j]
			if n == 0 {
				continue
			}
			w := float64(n) / float64(max) * barW
			fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s" stroke="#0b0c0c" stroke-width="1"><title>%s: %d %s</title></rect>`,
				x, y, w, barH, col.Fill, html.EscapeString(r.Region), n, html.EscapeString(strings.ToLower(col.Label)))
			x += w
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="14" fill="#0b0c0c">%d</text>`, x+6, y+barH-5, r.Total)
	}
	// The key.
	x := 10
	ky := top + rowH*len(rows) + 15
	for _, col := range gradeColumns {
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="14" height="14" fill="%s" stroke="#0b0c0c" stroke-width="1"/>`, x, ky, col.Fill)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="13" fill="#0b0c0c">%s</text>`, x+18, ky+12, html.EscapeString(col.Label))
		x += 18 + 8*len(col.Label) + 16
	}
	b.WriteString(`</svg>`)
	return b.String()
}
