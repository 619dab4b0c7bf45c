package console

import (
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/auth"
)

// consoleRoles are the roles that sign in to the console, with how the
// sign-in page names them. Partner systems are machines and call the API.
var consoleRoles = []struct {
	Role  auth.Role
	Label string
	Hint  string
}{
	{auth.RoleDfEOfficial, "DfE official", "Sponsor matching, plans, interventions"},
	{auth.RoleLGAAdviser, "LGA adviser", "Review priorities, peer reviews and support"},
	{auth.RoleOfstedInspector, "Ofsted inspector", "Judgements, risk and the national picture"},
	{auth.RoleCouncilOfficer, "Council officer", "Your own council's page and improvement plan"},
	{auth.RoleSponsorOfficer, "Sponsor officer", "Your own sponsor's engagements"},
}

func roleLabel(r auth.Role) string {
	for _, cr := range consoleRoles {
		if cr.Role == r {
			return cr.Label
		}
	}
	return string(r)
}

// signInForm is what the sign-in page shows.
type signInForm struct {
	Dev, OIDC bool
	Roles     any
	Next      string
	Values    map[string]string
}

// safeNext keeps a post-sign-in destination inside the console.
func safeNext(next string) string {
	if !strings.HasPrefix(next, BasePath+"/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return BasePath + "/"
	}
	return next
}

func (c *Console) signInPage(w http.ResponseWriter, r *http.Request) {
	s := c.sessions.ensure(w, r)
	c.render(w, r, s, http.StatusOK, c.signInView(r.URL.Query().Get("next"), nil, nil))
}

func (c *Console) signInView(next string, values map[string]string, errs []fieldError) *view {
	return &view{
		Template: "signin", Title: "Sign in", Errors: errs,
		Data: signInForm{Dev: len(c.cfg.DevKey) > 0, OIDC: c.oidc != nil, Roles: consoleRoles, Next: safeNext(next), Values: values},
	}
}

var (
	gssPattern     = regexp.MustCompile(`^E(06|08|09|10)\d{6}$`)
	sponsorPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	namePattern    = regexp.MustCompile(`[^a-z0-9]+`)
)

// signInDev is the development sign-in: the chosen role (and council or
// sponsor) gets a token minted with the embedded mode's development key,
// valid as long as the session. The token stays on the server.
func (c *Console) signInDev(w http.ResponseWriter, r *http.Request) {
	s := c.sessions.get(r)
	if err := r.ParseForm(); err != nil || s == nil || !s.validCSRF(r.PostForm.Get(csrfField)) {
		c.renderStatus(w, r, s, http.StatusForbidden)
		return
	}
	if len(c.cfg.DevKey) == 0 {
		c.renderStatus(w, r, s, http.StatusNotFound)
		return
	}
	f := r.PostForm
	values := map[string]string{"role": f.Get("role"), "authority": strings.TrimSpace(f.Get("authority")),
		"sponsor": strings.TrimSpace(f.Get("sponsor")), "name": strings.TrimSpace(f.Get("name"))}
	var errs []fieldError
	role, err := auth.ParseRole(values["role"])
	known := false
	for _, cr := range consoleRoles {
		known = known || cr.Role == role
	}
	if err != nil || !known {
		errs = append(errs, fieldError{ID: "role", Message: "Select the role you are signing in as"})
	}
	p := auth.Principal{Roles: []auth.Role{role}}
	switch role {
	case auth.RoleCouncilOfficer:
		p.Authority = strings.ToUpper(values["authority"])
		if !gssPattern.MatchString(p.Authority) {
			errs = append(errs, fieldError{ID: "authority", Message: "Enter your council's GSS code, like E08000035"})
		}
	case auth.RoleSponsorOfficer:
		p.Sponsor = values["sponsor"]
		if !sponsorPattern.MatchString(p.Sponsor) {
			errs = append(errs, fieldError{ID: "sponsor", Message: "Enter your sponsor's id, like hampshire"})
		}
	}
	if len(errs) > 0 {
		w.Header().Set("Cache-Control", "no-store")
		c.render(w, r, s, http.StatusBadRequest, c.signInView(f.Get("next"), values, errs))
		return
	}
	slug := strings.Trim(namePattern.ReplaceAllString(strings.ToLower(values["name"]), "-"), "-")
	if slug == "" {
		slug = strings.ReplaceAll(string(role), "_", "-")
	}
	if len(slug) > 60 {
		slug = slug[:60]
	}
	p.Subject = "dev-" + slug
	tok, err := auth.MintDevToken(c.cfg.DevKey, p, c.cfg.SessionTTL+time.Minute)
	if err != nil {
		c.log.Error("console: mint development token", "err", err)
		c.renderStatus(w, r, s, http.StatusInternalServerError)
		return
	}
	c.sessions.end(w, r)
	ns := c.sessions.start(w, r, c.cfg.SessionTTL)
	ns.token, ns.principal = tok, p
	http.Redirect(w, r, safeNext(f.Get("next")), http.StatusSeeOther)
}

// signOut ends the session.
func (c *Console) signOut(w http.ResponseWriter, r *http.Request) {
	s := c.sessions.get(r)
	if err := r.ParseForm(); err != nil || s == nil || !s.validCSRF(r.PostForm.Get(csrfField)) {
		c.renderStatus(w, r, s, http.StatusForbidden)
		return
	}
	c.sessions.end(w, r)
	ns := c.sessions.start(w, r, c.cfg.SessionTTL)
	ns.setFlash("You have signed out.")
	http.Redirect(w, r, BasePath+"/sign-in", http.StatusSeeOther)
}
