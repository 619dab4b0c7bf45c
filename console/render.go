package console

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
)

// view is one page to render: the template (templates/NAME.html), the
// title, any error summary and the page's own data.
type view struct {
	Template string
	Title    string
	Errors   []fieldError
	Data     any
	// Current is the navigation item to mark current.
	Current string
	// Back, when set, is where the page's back link goes: above the main
	// content and its error summary, as GOV.UK places it.
	Back string
}

// fieldError is one entry of a GOV.UK error summary, linking to the field
// (its id) it is about.
type fieldError struct {
	ID      string
	Message string
}

// layout is what every page's template receives.
type layout struct {
	*view
	User     *userView
	CSRF     string
	Flash    string
	BasePath string
	Status   int
	Nav      []navItem
}

type userView struct {
	Subject, Role, Authority, Sponsor            string
	IsDfE, IsLGA, IsOfsted, IsCouncil, IsSponsor bool
}

type navItem struct {
	Key, Label, Href string
}

func newUserView(p auth.Principal) *userView {
	u := &userView{Subject: p.Subject, Authority: p.Authority, Sponsor: p.Sponsor}
	if len(p.Roles) > 0 {
		u.Role = roleLabel(p.Roles[0])
	}
	u.IsDfE = p.HasRole(auth.RoleDfEOfficial)
	u.IsLGA = p.HasRole(auth.RoleLGAAdviser)
	u.IsOfsted = p.HasRole(auth.RoleOfstedInspector)
	u.IsCouncil = p.HasRole(auth.RoleCouncilOfficer)
	u.IsSponsor = p.HasRole(auth.RoleSponsorOfficer)
	return u
}

// navFor is the service navigation for a user: only what their role uses.
func navFor(u *userView) []navItem {
	if u == nil {
		return nil
	}
	b := BasePath
	var items []navItem
	switch {
	case u.IsDfE:
		items = []navItem{{"overview", "National overview", b + "/overview"}, {"matching", "Sponsor matching", b + "/matching"},
			{"plans", "Plans", b + "/plans"}, {"engagements", "Deployments", b + "/engagements"}, {"councils", "Councils", b + "/councils"}}
	case u.IsLGA:
		items = []navItem{{"overview", "National overview", b + "/overview"}, {"reviews", "Review priorities", b + "/reviews"},
			{"plans", "Plans", b + "/plans"}, {"councils", "Councils", b + "/councils"}}
	case u.IsOfsted:
		items = []navItem{{"overview", "National overview", b + "/overview"}, {"plans", "Plans", b + "/plans"},
			{"councils", "Councils", b + "/councils"}}
	case u.IsCouncil:
		items = []navItem{{"council", "Your council", b + "/councils/" + u.Authority}, {"plans", "Your plans", b + "/plans"}}
	case u.IsSponsor:
		items = []navItem{{"home", "Your sponsor", b + "/"}, {"engagements", "Engagements", b + "/engagements"}}
	}
	return items
}

var funcs = template.FuncMap{
	"date":      fmtDate,
	"time":      fmtTime,
	"enum":      enumLabel,
	"grade":     gradeLabel,
	"gradeTag":  gradeTag,
	"enum_area": func(s string) string { return enumLabelString(s) },
	"area":      areaName,
	"region":    regionLabel,
	"pct":       func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
	"pctOf":     func(f float64) float64 { return f * 100 },
	"num":       fmtNum,
	"lastPart":  path.Base,
	"join":      strings.Join,
	"add":       func(a, b int) int { return a + b },
	"hasPrefix": strings.HasPrefix,
	"requestID": randomToken,
	"gss":       gssOf,
	"list":      func(v ...string) []string { return v },
	"runTag":    runTag,
	"firstName": func(r *sponsorv1.MatchRun) string { return r.GetName() },
	"fv":        func(v url.Values, k string) string { return v.Get(k) },
	"fvHas": func(v url.Values, k, want string) bool {
		for _, x := range v[k] {
			if x == want {
				return true
			}
		}
		return false
	},
	"svg": func(s string) template.HTML { return template.HTML(s) }, // only for SVG the console built itself
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m
	},
	"fieldErr": func(errs []fieldError, id string) string {
		for _, e := range errs {
			if e.ID == id {
				return e.Message
			}
		}
		return ""
	},
}

// parseTemplates parses the layout and partials with each page template.
func parseTemplates() (map[string]*template.Template, error) {
	base, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/_*.html")
	if err != nil {
		return nil, err
	}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if strings.HasPrefix(name, "_") {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, f)
		if err != nil {
			return nil, err
		}
		pages[name] = t
	}
	return pages, nil
}

// render writes v inside the layout.
func (c *Console) render(w http.ResponseWriter, r *http.Request, s *session, code int, v *view) {
	t := c.pages[v.Template]
	if t == nil {
		c.log.Error("console: no template", "template", v.Template)
		http.Error(w, "Sorry, there is a problem with the service", http.StatusInternalServerError)
		return
	}
	l := layout{view: v, BasePath: BasePath, Status: code}
	if s != nil {
		l.CSRF = s.csrf
		l.Flash = s.takeFlash()
		if s.signedIn() {
			l.User = newUserView(s.user())
			l.Nav = navFor(l.User)
		}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", l); err != nil {
		c.log.Error("console: render", "template", v.Template, "err", err)
		http.Error(w, "Sorry, there is a problem with the service", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

// statusPages are the titles and words of the error pages.
var statusPages = map[int][2]string{
	http.StatusBadRequest:          {"There is a problem with the request", "The page was asked for in a way it cannot answer. Go back and try again."},
	http.StatusUnauthorized:        {"You need to sign in", "Your session has ended. Sign in again to continue."},
	http.StatusForbidden:           {"You do not have permission to see this page", "Your role does not allow you to see this page or do this. If you think you should, ask your service administrator."},
	http.StatusNotFound:            {"Page not found", "If you typed the web address, check it is correct. If you pasted the web address, check you copied the entire address."},
	http.StatusConflict:            {"Someone else changed this record", "The record changed since you opened it. Go back, reload the page and try again."},
	http.StatusInternalServerError: {"Sorry, there is a problem with the service", "Try again later."},
	http.StatusServiceUnavailable:  {"Sorry, the service is unavailable", "A service the console needs is not answering. Try again later."},
	http.StatusGatewayTimeout:      {"Sorry, the service is taking too long", "Try again later."},
}

type statusData struct {
	Heading, Body string
}

// renderStatus renders the error page for code.
func (c *Console) renderStatus(w http.ResponseWriter, r *http.Request, s *session, code int) {
	p, ok := statusPages[code]
	if !ok {
		p = statusPages[http.StatusInternalServerError]
	}
	c.render(w, r, s, code, &view{Template: "status", Title: p[0], Data: statusData{Heading: p[0], Body: p[1]}})
}

// renderError turns an error from a service call into the right page:
// never a stack trace or the raw error.
func (c *Console) renderError(w http.ResponseWriter, r *http.Request, s *session, err error) {
	code := httpStatus(err)
	if code == http.StatusUnauthorized {
		// The token expired or was refused: sign in again.
		c.sessions.end(w, r)
		if r.Method == http.MethodGet {
			http.Redirect(w, r, BasePath+"/sign-in?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		s = nil
	}
	if code >= 500 {
		c.log.Error("console: service call failed", "path", r.URL.Path, "err", err)
	}
	c.renderStatus(w, r, s, code)
}

// httpStatus maps a service error to the status of the page shown.
func httpStatus(err error) int {
	var pe pageError
	if errors.As(err, &pe) {
		return pe.code
	}
	st, ok := status.FromError(err)
	if !ok {
		return http.StatusInternalServerError
	}
	switch st.Code() {
	case codes.PermissionDenied:
		return http.StatusForbidden
	case codes.NotFound:
		return http.StatusNotFound
	case codes.Unauthenticated:
		return http.StatusUnauthorized
	case codes.InvalidArgument, codes.OutOfRange:
		return http.StatusBadRequest
	case codes.Aborted, codes.AlreadyExists, codes.FailedPrecondition:
		return http.StatusConflict
	case codes.Unavailable, codes.ResourceExhausted:
		return http.StatusServiceUnavailable
	case codes.DeadlineExceeded:
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

// pageError is an error page the console decides on itself.
type pageError struct{ code int }

func (e pageError) Error() string { return http.StatusText(e.code) }

// errNotFound and errForbidden end a page with a 404 or 403 page.
var (
	errNotFound  error = pageError{http.StatusNotFound}
	errForbidden error = pageError{http.StatusForbidden}
)

// formErrors turns a refused command into an error summary: each
// INVALID_ARGUMENT field violation linked to its field (fields maps the
// API's field path to the form's input id; any other links to fallback),
// otherwise the service's own message. ok is false when err is not a
// refusal a person can act on (403, 404, an outage): render that as a page.
func formErrors(err error, fields map[string]string, fallback string) (errs []fieldError, ok bool) {
	st, isStatus := status.FromError(err)
	if !isStatus {
		return nil, false
	}
	switch st.Code() {
	case codes.InvalidArgument, codes.FailedPrecondition, codes.Aborted, codes.AlreadyExists, codes.OutOfRange:
	default:
		return nil, false
	}
	for _, d := range st.Details() {
		br, isBR := d.(*errdetails.BadRequest)
		if !isBR {
			continue
		}
		for _, v := range br.GetFieldViolations() {
			id, known := fields[v.GetField()]
			if !known {
				// A violation of a repeated field's element: the form's field
				// for the list.
				for f, fid := range fields {
					if strings.HasPrefix(v.GetField(), f+"[") || strings.HasPrefix(v.GetField(), f+".") {
						id, known = fid, true
						break
					}
				}
			}
			if !known {
				id = fallback
			}
			errs = append(errs, fieldError{ID: id, Message: sentence(v.GetDescription())})
		}
	}
	if len(errs) == 0 {
		errs = []fieldError{{ID: fallback, Message: sentence(st.Message())}}
	}
	return errs, true
}

// errorReason is the ErrorInfo reason of a service error.
func errorReason(err error) string {
	st, ok := status.FromError(err)
	if !ok {
		return ""
	}
	for _, d := range st.Details() {
		if ei, ok := d.(*errdetails.ErrorInfo); ok {
			return ei.GetReason()
		}
	}
	return ""
}

func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "Something is wrong with this answer"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func fmtDate(d *typev1.Date) string {
	if d == nil || d.GetYear() == 0 {
		return "Not set"
	}
	return time.Date(int(d.GetYear()), time.Month(d.GetMonth()), int(d.GetDay()), 0, 0, 0, 0, time.UTC).Format("2 January 2006")
}

func fmtTime(ts *timestamppb.Timestamp) string {
	if ts == nil {
		return ""
	}
	return ts.AsTime().UTC().Format("2 January 2006 15:04 UTC")
}

func fmtNum(f float64) string {
	if f == math.Trunc(f) {
		return fmt.Sprintf("%.0f", f)
	}
	return fmt.Sprintf("%.1f", f)
}

// enumLabel turns an enum value's name into words: REVIEW_STATE_ON_SITE
// with prefix "REVIEW_STATE_" becomes "On site".
func enumLabel(v fmt.Stringer, prefix string) string {
	s := strings.TrimPrefix(v.String(), prefix)
	s = strings.ReplaceAll(strings.ToLower(s), "_", " ")
	if s == "" {
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// enumLabelString turns an enum name without prefix into words.
func enumLabelString(s string) string {
	s = strings.ReplaceAll(strings.ToLower(s), "_", " ")
	if s == "" {
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func gradeLabel(g typev1.Grade) string {
	switch g {
	case typev1.Grade_GRADE_OUTSTANDING:
		return "Outstanding"
	case typev1.Grade_GRADE_GOOD:
		return "Good"
	case typev1.Grade_GRADE_REQUIRES_IMPROVEMENT:
		return "Requires improvement"
	case typev1.Grade_GRADE_INADEQUATE:
		return "Inadequate"
	}
	return "Not graded"
}

// gradeTag is the GOV.UK tag colour class of a grade.
func gradeTag(g typev1.Grade) string {
	switch g {
	case typev1.Grade_GRADE_OUTSTANDING:
		return "govuk-tag--green"
	case typev1.Grade_GRADE_GOOD:
		return "govuk-tag--turquoise"
	case typev1.Grade_GRADE_REQUIRES_IMPROVEMENT:
		return "govuk-tag--yellow"
	case typev1.Grade_GRADE_INADEQUATE:
		return "govuk-tag--red"
	}
	return "govuk-tag--grey"
}

// runTag is the tag colour of a match run's state.
func runTag(s sponsorv1.RunState) string {
	switch s {
	case sponsorv1.RunState_RUN_STATE_PROPOSED:
		return "govuk-tag--blue"
	case sponsorv1.RunState_RUN_STATE_APPROVED:
		return "govuk-tag--green"
	case sponsorv1.RunState_RUN_STATE_REJECTED:
		return "govuk-tag--red"
	}
	return "govuk-tag--grey"
}
