package console

import (
	"fmt"
	"html"
	"net/http"
	"strings"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	oversightv1 "github.com/turnaround-sli/turnaround/proto/turnaround/oversight/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
)

// gradeColumns are the chart's and table's columns, best first, then
// councils with no graded judgement.
var gradeColumns = []struct {
	Grade typev1.Grade
	Label string
	// Short heads the table's column on a narrow screen.
	Short string
	Fill  string
	Key   string
}{
	{typev1.Grade_GRADE_OUTSTANDING, "Outstanding", "Out", "#00703c", "outstanding"},
	{typev1.Grade_GRADE_GOOD, "Good", "Good", "#28a197", "good"},
	{typev1.Grade_GRADE_REQUIRES_IMPROVEMENT, "Requires improvement", "RI", "#ffdd00", "ri"},
	{typev1.Grade_GRADE_INADEQUATE, "Inadequate", "Inad", "#d4351c", "inadequate"},
	{typev1.Grade_GRADE_UNSPECIFIED, "Not inspected", "None", "#b1b4b6", "none"},
}

// gradeRow is one region's councils by grade.
type gradeRow struct {
	Region string
	Counts []int
	Total  int
}

// councilLink is a council named on the overview, linked to its page.
type councilLink struct {
	GSS, Name string
}

// decisionRow is one window of DfE decisions due.
type decisionRow struct {
	Days     int32
	Plans    int32
	Councils []councilLink
}

// stateRow is a number of plans in one state.
type stateRow struct {
	State string
	Plans int32
}

type overviewData struct {
	Overview *oversightv1.NationalOverview
	Columns  any
	Rows     []gradeRow
	Totals   gradeRow
	Chart    string
	// Method says how the projection was worked out, with its numbers.
	Method    string
	Decisions []decisionRow
	States    []stateRow
	Recs      []councilLink
}

// overview is the national overview, from the oversight service's
// GetNationalOverview called as the signed-in person (the service decides
// who may see it): councils by grade and region (an SVG chart with the
// same numbers in a table), the inadequacy projection with its method, DfE
// decisions due within 30, 60 and 90 days, plans by state, open
// emergency-inspection recommendations, open sponsor needs and the sponsor
// capacity in use.
func (c *Console) overview(w http.ResponseWriter, r *http.Request, s *session) (*view, error) {
	ctx := r.Context()
	ov, err := c.oversight.GetNationalOverview(ctx, &oversightv1.GetNationalOverviewRequest{})
	if err != nil {
		return nil, err
	}
	d := overviewData{Overview: ov, Columns: gradeColumns}
	d.Rows, d.Totals = gradeRows(ov)
	d.Chart = gradeChart(d.Rows)
	d.Method = projectionMethod(ov.GetProjection())
	link := func(resource string) councilLink {
		return councilLink{GSS: gssOf(resource), Name: c.councilName(ctx, resource)}
	}
	for _, w := range ov.GetDecisionsDue() {
		row := decisionRow{Days: w.GetDays(), Plans: w.GetPlans()}
		for _, la := range w.GetCouncils() {
			row.Councils = append(row.Councils, link(la))
		}
		d.Decisions = append(d.Decisions, row)
	}
	for _, sc := range ov.GetPlansByState() {
		label := sc.GetState()
		if v, ok := improvementplanv1.PlanState_value[sc.GetState()]; ok {
			label = enumLabel(improvementplanv1.PlanState(v), "PLAN_STATE_")
		}
		d.States = append(d.States, stateRow{State: label, Plans: sc.GetPlans()})
	}
	for _, la := range ov.GetEmergencyRecommendationCouncils() {
		d.Recs = append(d.Recs, link(la))
	}
	return &view{Template: "overview", Title: "National overview", Current: "overview", Data: d}, nil
}

// projectionMethod says how the LGA method reached its projection.
func projectionMethod(p *oversightv1.InadequacyProjection) string {
	if p.GetInspected() == 0 {
		return "No council has a graded judgement under the single inspection framework yet, so there is nothing to project from."
	}
	return fmt.Sprintf("Of the %d councils with a graded judgement under the single inspection framework, %d were judged inadequate: a rate of %.1f%%. "+
		"The LGA's method applies that rate to all %d councils: %.1f%% of %d is %.1f, so about %.0f councils would be judged inadequate once every council has been inspected.",
		p.GetInspected(), p.GetInadequate(), p.GetInadequateRate()*100, p.GetAllCouncils(),
		p.GetInadequateRate()*100, p.GetAllCouncils(), p.GetProjectedInadequate(), p.GetProjectedInadequate())
}

// gradeRows lays the overview's regions out as the chart's and table's
// rows, in the regions' order, with England's totals.
func gradeRows(ov *oversightv1.NationalOverview) ([]gradeRow, gradeRow) {
	idx := map[typev1.Grade]int{}
	for i, col := range gradeColumns {
		idx[col.Grade] = i
	}
	count := func(gcs []*oversightv1.GradeCount) ([]int, int) {
		counts := make([]int, len(gradeColumns))
		total := 0
		for _, gc := range gcs {
			i, ok := idx[gc.GetGrade()]
			if !ok {
				i = idx[typev1.Grade_GRADE_UNSPECIFIED]
			}
			counts[i] += int(gc.GetCouncils())
			total += int(gc.GetCouncils())
		}
		return counts, total
	}
	byRegion := map[typev1.Region]*oversightv1.RegionGrades{}
	for _, rg := range ov.GetRegions() {
		byRegion[rg.GetRegion()] = rg
	}
	var rows []gradeRow
	for reg := typev1.Region_REGION_NORTH_EAST; reg <= typev1.Region_REGION_SOUTH_WEST; reg++ {
		counts, total := count(byRegion[reg].GetGrades())
		rows = append(rows, gradeRow{Region: regionLabel(reg), Counts: counts, Total: total})
	}
	counts, total := count(ov.GetGrades())
	return rows, gradeRow{Region: "England", Counts: counts, Total: total}
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
