package console

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"

	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
)

// Deployments: a sponsor officer records the staff-days their sponsor lends
// to each of its engagements and sees them; DfE sees every sponsor's. The
// service decides who may read and record (a sponsor officer only their
// own sponsor's engagements; DfE reads all, records none).

// idPattern is a resource id in a console path.
var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// engagementRow is an engagement with its sponsor's and council's names.
type engagementRow struct {
	Engagement *sponsorv1.Engagement
	Sponsor    string
	Council    string
	StateTag   string
}

func engagementTag(s sponsorv1.EngagementState) string {
	if s == sponsorv1.EngagementState_ENGAGEMENT_STATE_ACTIVE {
		return "govuk-tag--green"
	}
	return "govuk-tag--grey"
}

type engagementsData struct {
	Rows  []engagementRow
	Total int32
}

// engagements lists engagements with links to their deployments: every
// sponsor's for DfE (and the LGA, who see who supports whom), a sponsor
// officer's own sponsor's.
func (c *Console) engagements(w http.ResponseWriter, r *http.Request, s *session) (*view, error) {
	ctx := r.Context()
	u := newUserView(s.user())
	parent := "sponsors/-"
	if u.IsSponsor {
		parent = "sponsors/" + u.Sponsor
	}
	resp, err := c.sponsor.ListEngagements(ctx, &sponsorv1.ListEngagementsRequest{Parent: parent, PageSize: 200})
	if err != nil {
		return nil, err
	}
	names := c.sponsorNames(ctx)
	d := engagementsData{Total: resp.GetTotalSize()}
	for _, e := range resp.GetEngagements() {
		d.Rows = append(d.Rows, engagementRow{Engagement: e, Sponsor: orName(names, sponsorOf(e.GetName())),
			Council: c.councilName(ctx, e.GetLocalAuthority()), StateTag: engagementTag(e.GetState())})
	}
	return &view{Template: "engagements", Title: "Engagements and deployments", Current: "engagements", Data: d}, nil
}

// sponsorOf is sponsors/{id} of an engagement's name.
func sponsorOf(name string) string {
	parts := strings.SplitN(name, "/", 3)
	if len(parts) < 2 {
		return name
	}
	return parts[0] + "/" + parts[1]
}

type engagementData struct {
	Row         engagementRow
	Deployments []*sponsorv1.Deployment
	Total       int32
	// Denied: the role may see the engagement but not its deployments.
	Denied    bool
	CanRecord bool
	Roles     []option
	Values    map[string]string
	RequestID string
}

// staffRoles are the roles a deployed member of staff can have.
func staffRoles() []option {
	var out []option
	for v := sponsorv1.StaffRole_STAFF_ROLE_DIRECTOR; ; v++ {
		if _, ok := sponsorv1.StaffRole_name[int32(v)]; !ok {
			break
		}
		out = append(out, option{Value: strings.TrimPrefix(v.String(), "STAFF_ROLE_"), Label: enumLabel(v, "STAFF_ROLE_")})
	}
	return out
}

// engagement shows an engagement, its deployments and, for its sponsor's
// officer while it is active, the form to record one.
func (c *Console) engagement(w http.ResponseWriter, r *http.Request, s *session) (*view, error) {
	return c.engagementView(r, s, nil, nil, "")
}

func engagementName(r *http.Request) (string, bool) {
	sp, id := r.PathValue("sponsor"), r.PathValue("id")
	return "sponsors/" + sp + "/engagements/" + id, idPattern.MatchString(sp) && idPattern.MatchString(id)
}

func (c *Console) engagementView(r *http.Request, s *session, errs []fieldError, values map[string]string, requestID string) (*view, error) {
	ctx := r.Context()
	name, ok := engagementName(r)
	if !ok {
		return nil, errNotFound
	}
	e, err := c.sponsor.GetEngagement(ctx, &sponsorv1.GetEngagementRequest{Name: name})
	if err != nil {
		return nil, err
	}
	names := c.sponsorNames(ctx)
	u := newUserView(s.user())
	d := engagementData{
		Row:       engagementRow{Engagement: e, Sponsor: orName(names, sponsorOf(name)), Council: c.councilName(ctx, e.GetLocalAuthority()), StateTag: engagementTag(e.GetState())},
		CanRecord: u.IsSponsor && "sponsors/"+u.Sponsor == sponsorOf(name) && e.GetState() == sponsorv1.EngagementState_ENGAGEMENT_STATE_ACTIVE,
		Roles:     staffRoles(), Values: values, RequestID: requestID,
	}
	if d.Values == nil {
		d.Values = map[string]string{}
	}
	if d.RequestID == "" {
		d.RequestID = randomToken()
	}
	var all []*sponsorv1.Deployment
	token := ""
	for {
		resp, err := c.sponsor.ListDeployments(ctx, &sponsorv1.ListDeploymentsRequest{Parent: name, PageSize: 200, PageToken: token})
		if denied(err) {
			d.Denied = true
			break
		}
		if err != nil {
			return nil, err
		}
		all = append(all, resp.GetDeployments()...)
		d.Total = resp.GetTotalSize()
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	// Newest first: the one just recorded is at the top.
	for i := len(all) - 1; i >= 0; i-- {
		d.Deployments = append(d.Deployments, all[i])
	}
	return &view{Template: "engagement", Title: d.Row.Sponsor + " and " + d.Row.Council, Current: "engagements", Errors: errs, Data: d}, nil
}

// deploymentFields are the form's inputs.
var deploymentFields = []string{"date-day", "date-month", "date-year", "role", "staff_days", "notes"}

// parseDeployment reads the deployment form, with the errors the console
// can see itself: what cannot be sent at all (a date or a number that is
// not one, a role that is not one). Whether the date, the role and the
// staff-days are acceptable is the service's to judge.
func parseDeployment(values map[string]string) (*sponsorv1.Deployment, []fieldError) {
	dep := &sponsorv1.Deployment{Notes: values["notes"]}
	var errs []fieldError
	day, month, year := values["date-day"], values["date-month"], values["date-year"]
	if day != "" || month != "" || year != "" {
		var ok bool
		if dep.Date, ok = formDate(day, month, year); !ok {
			errs = append(errs, fieldError{ID: "date-day", Message: "The date must be a real date, in numbers, such as 14 12 2015"})
		}
	}
	if v := values["role"]; v != "" {
		role, ok := sponsorv1.StaffRole_value["STAFF_ROLE_"+v]
		if !ok || role == 0 {
			errs = append(errs, fieldError{ID: "role", Message: "Select the role of the staff deployed"})
		}
		dep.Role = sponsorv1.StaffRole(role)
	}
	if v := values["staff_days"]; v != "" {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			errs = append(errs, fieldError{ID: "staff_days", Message: "Staff-days must be a number, such as 2.5"})
		}
		dep.StaffDays = n
	}
	return dep, errs
}

// recordDeployment records a deployment with the form's idempotency key, so
// a form sent twice records one deployment.
func (c *Console) recordDeployment(w http.ResponseWriter, r *http.Request, s *session) (*view, error) {
	name, ok := engagementName(r)
	if !ok {
		return nil, errNotFound
	}
	f := r.PostForm
	values := map[string]string{}
	for _, k := range deploymentFields {
		values[k] = strings.TrimSpace(f.Get(k))
	}
	reqID := f.Get("request_id")
	dep, errs := parseDeployment(values)
	if errs != nil {
		return c.engagementView(r, s, errs, values, reqID)
	}
	_, err := c.sponsor.RecordDeployment(r.Context(), &sponsorv1.RecordDeploymentRequest{Parent: name, Deployment: dep, RequestId: reqID})
	if err != nil {
		fe, ok := formErrors(err, map[string]string{"deployment.date": "date-day", "deployment.role": "role",
			"deployment.staff_days": "staff_days", "deployment.notes": "notes", "deployment": "date-day"}, "record-deployment")
		if !ok {
			return nil, err
		}
		fe = labelErrors(fe, map[string]string{"date-day": "The date", "role": "The role", "staff_days": "Staff-days", "notes": "The notes"})
		return c.engagementView(r, s, fe, values, reqID)
	}
	return c.redirect(w, r, s, BasePath+"/"+name, "The deployment was recorded.")
}
