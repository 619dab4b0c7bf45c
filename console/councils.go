package console

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	oversightv1 "github.com/turnaround-sli/turnaround/proto/turnaround/oversight/v1"
	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
)

// namesTTL is how long the council list (names, regions) is kept. Every
// signed-in role may list councils, so one copy serves everyone.
const namesTTL = 5 * time.Minute

// councilList returns every council, from the inspection service, cached
// for namesTTL.
func (c *Console) councilList(ctx context.Context) ([]*inspectionv1.LocalAuthority, error) {
	c.namesMu.Lock()
	if c.councilsCache != nil && time.Since(c.namesAt) < namesTTL {
		l := c.councilsCache
		c.namesMu.Unlock()
		return l, nil
	}
	c.namesMu.Unlock()
	var all []*inspectionv1.LocalAuthority
	token := ""
	for {
		resp, err := c.inspection.ListLocalAuthorities(ctx, &inspectionv1.ListLocalAuthoritiesRequest{PageSize: 200, PageToken: token})
		if err != nil {
			return nil, err
		}
		all = append(all, resp.GetLocalAuthorities()...)
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	names := make(map[string]string, len(all))
	for _, la := range all {
		names[la.GetGssCode()] = la.GetDisplayName()
	}
	c.namesMu.Lock()
	c.councilsCache, c.names, c.namesAt = all, names, time.Now()
	c.namesMu.Unlock()
	return all, nil
}

// councilName names the council of a resource name such as
// localAuthorities/E08000024/sponsorNeeds/x; the code itself if unknown.
func (c *Console) councilName(ctx context.Context, resource string) string {
	gss := gssOf(resource)
	if _, err := c.councilList(ctx); err == nil {
		c.namesMu.Lock()
		n := c.names[gss]
		c.namesMu.Unlock()
		if n != "" {
			return n
		}
	}
	return gss
}

// gssOf is the GSS code in a resource name under localAuthorities/.
func gssOf(resource string) string {
	const p = "localAuthorities/"
	if len(resource) <= len(p) || resource[:len(p)] != p {
		return resource
	}
	rest := resource[len(p):]
	for i := 0; i < len(rest); i++ {
		if rest[i] == '/' {
			return rest[:i]
		}
	}
	return rest
}

// denied reports whether err is PERMISSION_DENIED: that part of a page is
// not for this role.
func denied(err error) bool { return status.Code(err) == codes.PermissionDenied }

type homeData struct {
	Links []homeLink
}

type homeLink struct {
	Href, Title, Text string
}

func (c *Console) home(w http.ResponseWriter, r *http.Request, s *session) (*view, error) {
	u := newUserView(s.user())
	b := BasePath
	var links []homeLink
	switch {
	case u.IsDfE:
		links = []homeLink{
			{b + "/matching", "Sponsor matching", "Match councils under intervention to sponsors: dry runs, what-ifs, approval under the four-eyes rule."},
			{b + "/plans", "Improvement plans", "Plans by state and deadline; approve, return and decide progress."},
			{b + "/overview", "National overview", "Councils by grade and region, the inadequacy projection, decisions due and open needs."},
			{b + "/engagements", "Deployments", "Every sponsor's engagements and the staff-days they have deployed."},
			{b + "/councils", "Councils", "Every council's judgement, risk, plan and support."},
		}
	case u.IsLGA:
		links = []homeLink{
			{b + "/reviews", "Review priorities", "Councils the LGA should offer a peer review, with the reasons, and team proposals."},
			{b + "/overview", "National overview", "Councils by grade and region and the inadequacy projection."},
			{b + "/plans", "Improvement plans", "Plans by state and deadline."},
			{b + "/councils", "Councils", "Every council's judgement, risk, plan and support."},
		}
	case u.IsOfsted:
		links = []homeLink{
			{b + "/overview", "National overview", "Councils by grade and region and the inadequacy projection."},
			{b + "/plans", "Improvement plans", "Plans by state and deadline."},
			{b + "/councils", "Councils", "Every council's judgement, risk and plan."},
		}
	case u.IsCouncil:
		links = []homeLink{
			{b + "/councils/" + u.Authority, "Your council", "Your latest judgement, risk, improvement plan and support offers."},
			{b + "/plans", "Your improvement plans", "Write, check and submit your plan."},
		}
	case u.IsSponsor:
		return c.sponsorHome(r.Context(), u)
	}
	return &view{Template: "home", Title: "Home", Data: homeData{Links: links}}, nil
}

type sponsorHomeData struct {
	Sponsor     *sponsorv1.Sponsor
	Engagements []*sponsorv1.Engagement
	Names       map[string]string
}

// sponsorHome shows a sponsor officer their sponsor and its engagements.
func (c *Console) sponsorHome(ctx context.Context, u *userView) (*view, error) {
	sp, err := c.sponsor.GetSponsor(ctx, &sponsorv1.GetSponsorRequest{Name: "sponsors/" + u.Sponsor})
	if err != nil {
		return nil, err
	}
	eng, err := c.sponsor.ListEngagements(ctx, &sponsorv1.ListEngagementsRequest{Parent: sp.GetName(), PageSize: 200})
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, e := range eng.GetEngagements() {
		names[e.GetLocalAuthority()] = c.councilName(ctx, e.GetLocalAuthority())
	}
	return &view{Template: "sponsorhome", Title: sp.GetDisplayName(), Current: "home", Data: sponsorHomeData{Sponsor: sp, Engagements: eng.GetEngagements(), Names: names}}, nil
}

type councilsData struct {
	Regions []regionCouncils
	Region  string
	Options []option
}

type regionCouncils struct {
	Region   string
	Councils []*inspectionv1.LocalAuthority
}

type option struct {
	Value, Label string
	Selected     bool
}

// regionNames are the English regions as people write them.
var regionNames = map[typev1.Region]string{
	typev1.Region_REGION_NORTH_EAST:               "North East",
	typev1.Region_REGION_NORTH_WEST:               "North West",
	typev1.Region_REGION_YORKSHIRE_AND_THE_HUMBER: "Yorkshire and The Humber",
	typev1.Region_REGION_EAST_MIDLANDS:            "East Midlands",
	typev1.Region_REGION_WEST_MIDLANDS:            "West Midlands",
	typev1.Region_REGION_EAST_OF_ENGLAND:          "East of England",
	typev1.Region_REGION_LONDON:                   "London",
	typev1.Region_REGION_SOUTH_EAST:               "South East",
	typev1.Region_REGION_SOUTH_WEST:               "South West",
}

func regionLabel(r typev1.Region) string {
	if n, ok := regionNames[r]; ok {
		return n
	}
	return "Unknown region"
}

// councils lists every council by region.
func (c *Console) councils(w http.ResponseWriter, r *http.Request, s *session) (*view, error) {
	all, err := c.councilList(r.Context())
	if err != nil {
		return nil, err
	}
	want := r.URL.Query().Get("region")
	byRegion := map[typev1.Region][]*inspectionv1.LocalAuthority{}
	for _, la := range all {
		byRegion[la.GetRegion()] = append(byRegion[la.GetRegion()], la)
	}
	d := councilsData{Region: want, Options: []option{{Value: "", Label: "All regions", Selected: want == ""}}}
	for reg := typev1.Region_REGION_NORTH_EAST; reg <= typev1.Region_REGION_SOUTH_WEST; reg++ {
		name := reg.String()
		d.Options = append(d.Options, option{Value: name, Label: regionLabel(reg), Selected: want == name})
		if want != "" && want != name {
			continue
		}
		list := byRegion[reg]
		sort.Slice(list, func(i, j int) bool { return list[i].GetDisplayName() < list[j].GetDisplayName() })
		d.Regions = append(d.Regions, regionCouncils{Region: regionLabel(reg), Councils: list})
	}
	return &view{Template: "councils", Title: "Councils", Current: "councils", Data: d}, nil
}

// councilData is the council page: each part the role may not see is nil
// with its Denied flag set.
type councilData struct {
	Council    *inspectionv1.LocalAuthority
	Region     string
	Inspection *inspectionv1.Inspection
	Judgements []judgementRow

	Risk       *inspectionv1.RiskAssessment
	RiskDenied bool

	Plans        []*improvementplanv1.ImprovementPlan
	PlanRows     []planRow
	PlansDenied  bool
	Check        *improvementplanv1.CheckPlanResponse
	FailedChecks int

	Offers        []*peerreviewv1.SupportOffer
	OffersDenied  bool
	Reviews       []*peerreviewv1.PeerReview
	ReviewsDenied bool

	Needs       []*sponsorv1.SponsorNeed
	NeedsDenied bool

	// Timeline is the oversight service's story of the council, newest
	// first; HasTimeline is false when that service is not deployed or
	// refuses the role.
	Timeline    []*oversightv1.TimelineEntry
	HasTimeline bool
}

type judgementRow struct {
	Area      string
	Grade     typev1.Grade
	Narrative string
}

// council is a council's page: summary, latest judgement, risk, plans and
// their check, support offers and sponsor needs, each as far as the role
// may see it. The calls run at once.
func (c *Console) council(w http.ResponseWriter, r *http.Request, s *session) (*view, error) {
	ctx := r.Context()
	gss := r.PathValue("gss")
	if !gssPattern.MatchString(gss) {
		return nil, errNotFound
	}
	parent := "localAuthorities/" + gss
	la, err := c.inspection.GetLocalAuthority(ctx, &inspectionv1.GetLocalAuthorityRequest{Name: parent})
	if err != nil {
		return nil, err
	}
	d := councilData{Council: la, Region: regionLabel(la.GetRegion())}

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
	if insp := la.GetLatestJudgement().GetInspection(); insp != "" {
		run(func() {
			in, err := c.inspection.GetInspection(ctx, &inspectionv1.GetInspectionRequest{Name: insp})
			if err != nil && !denied(err) {
				fail(err)
				return
			}
			d.Inspection = in
		})
	}
	run(func() {
		risk, err := c.inspection.GetRiskAssessment(ctx, &inspectionv1.GetRiskAssessmentRequest{Name: parent + "/riskAssessment"})
		switch {
		case denied(err):
			d.RiskDenied = true
		case err != nil:
			fail(err)
		default:
			d.Risk = risk
		}
	})
	run(func() {
		resp, err := c.plans.ListImprovementPlans(ctx, &improvementplanv1.ListImprovementPlansRequest{Parent: parent, PageSize: 50, OrderBy: "create_time desc"})
		switch {
		case denied(err):
			d.PlansDenied = true
			return
		case err != nil:
			fail(err)
			return
		}
		d.Plans = resp.GetImprovementPlans()
		if len(d.Plans) > 0 {
			chk, err := c.plans.CheckPlan(ctx, &improvementplanv1.CheckPlanRequest{Name: d.Plans[0].GetName()})
			if err == nil {
				d.Check = chk
			} else if !denied(err) {
				fail(err)
			}
		}
	})
	run(func() {
		resp, err := c.peerreview.ListSupportOffers(ctx, &peerreviewv1.ListSupportOffersRequest{Parent: parent, PageSize: 50})
		switch {
		case denied(err):
			d.OffersDenied = true
		case err != nil:
			fail(err)
		default:
			d.Offers = resp.GetSupportOffers()
		}
	})
	run(func() {
		resp, err := c.peerreview.ListPeerReviews(ctx, &peerreviewv1.ListPeerReviewsRequest{Parent: parent, PageSize: 20})
		switch {
		case denied(err):
			d.ReviewsDenied = true
		case err != nil:
			fail(err)
		default:
			d.Reviews = resp.GetPeerReviews()
		}
	})
	run(func() {
		resp, err := c.sponsor.ListSponsorNeeds(ctx, &sponsorv1.ListSponsorNeedsRequest{Parent: parent, PageSize: 50})
		switch {
		case denied(err):
			d.NeedsDenied = true
		case err != nil:
			fail(err)
		default:
			d.Needs = resp.GetSponsorNeeds()
		}
	})
	run(func() {
		// The timeline is an addition: a suite without the oversight
		// service, or a role it refuses, shows the page without it.
		resp, err := c.oversight.ListTimelineEntries(ctx, &oversightv1.ListTimelineEntriesRequest{Parent: parent, PageSize: 20})
		if err == nil {
			d.Timeline, d.HasTimeline = resp.GetTimelineEntries(), true
		}
	})
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	// A council's page is for those who may see something of it beyond
	// its name: the services refusing every part means 403.
	if d.RiskDenied && d.PlansDenied && d.OffersDenied && d.NeedsDenied {
		return nil, errForbidden
	}
	if j := d.Inspection.GetJudgement(); j != nil {
		for _, row := range []struct {
			area string
			g    *inspectionv1.GradedJudgement
		}{
			{"Overall effectiveness", j.GetOverallEffectiveness()},
			{"Children who need help and protection", j.GetHelpAndProtection()},
			{"Children looked after and achieving permanence", j.GetLookedAfterAndPermanence()},
			{"Adoption performance", j.GetAdoptionPerformance()},
			{"Experiences and progress of care leavers", j.GetCareLeavers()},
			{"Leadership, management and governance", j.GetLeadershipManagementGovernance()},
			{"Review of the Local Safeguarding Children Board", j.GetLscbReview()},
		} {
			if row.g.GetGrade() != typev1.Grade_GRADE_UNSPECIFIED {
				d.Judgements = append(d.Judgements, judgementRow{row.area, row.g.GetGrade(), row.g.GetNarrative()})
			}
		}
	}
	for _, p := range d.Plans {
		d.PlanRows = append(d.PlanRows, c.planRow(p, la.GetDisplayName()))
	}
	for _, chk := range d.Check.GetChecks() {
		if !chk.GetPassed() {
			d.FailedChecks++
		}
	}
	return &view{Template: "council", Title: la.GetDisplayName(), Current: "council", Data: d}, nil
}

// today is the date pages count deadlines from, on the services' clock.
func (c *Console) today() time.Time {
	y, m, dd := c.now().UTC().Date()
	return time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)
}

// daysUntil is the whole days from today to d (negative when past).
func (c *Console) daysUntil(d *typev1.Date) int {
	t := time.Date(int(d.GetYear()), time.Month(d.GetMonth()), int(d.GetDay()), 0, 0, 0, 0, time.UTC)
	return int(t.Sub(c.today()).Hours() / 24)
}

// countdown says how long is left until a deadline.
func (c *Console) countdown(d *typev1.Date) string {
	if d == nil || d.GetYear() == 0 {
		return "No deadline"
	}
	switch n := c.daysUntil(d); {
	case n > 1:
		return fmt.Sprintf("%d days left", n)
	case n == 1:
		return "1 day left"
	case n == 0:
		return "Due today"
	case n == -1:
		return "1 day overdue"
	default:
		return fmt.Sprintf("%d days overdue", -n)
	}
}
