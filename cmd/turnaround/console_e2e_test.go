package main

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The console's forms over plain HTTP against the real binary on its
// embedded default, as a browser without JavaScript sends them: these run
// wherever the end-to-end tests run, Chromium or not (the browser stories
// in console_browser_test.go walk the same ground in a real browser).

// consoleClient is one person signed in to the console.
type consoleClient struct {
	t    *testing.T
	base string
	c    *http.Client
}

func consoleSignIn(t *testing.T, base string, form url.Values) *consoleClient {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	cc := &consoleClient{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	_, page := cc.get("/console/sign-in")
	if code, body := cc.post("/console/sign-in", page, form); code != http.StatusSeeOther {
		t.Fatalf("sign in %v = %d:\n%.500s", form, code, body)
	}
	return cc
}

func (cc *consoleClient) get(path string) (int, string) {
	cc.t.Helper()
	resp, err := cc.c.Get(cc.base + path)
	if err != nil {
		cc.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// post sends a form as the page's own would: its hidden inputs (the CSRF
// token, the etag, the idempotency key) and the fields given.
func (cc *consoleClient) post(path, page string, fields url.Values) (int, string) {
	cc.t.Helper()
	form := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(page, -1) {
		if form.Get(m[1]) == "" {
			form.Set(m[1], html.UnescapeString(m[2]))
		}
	}
	for k, v := range fields {
		form[k] = v
	}
	resp, err := cc.c.PostForm(cc.base+path, form)
	if err != nil {
		cc.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusSeeOther {
		// Follow the redirect to read the page and its message.
		code, body := cc.get(resp.Header.Get("Location"))
		if code != http.StatusOK {
			cc.t.Fatalf("after POST %s: %s = %d", path, resp.Header.Get("Location"), code)
		}
		return http.StatusSeeOther, body
	}
	return resp.StatusCode, string(b)
}

var errorSummaryItem = regexp.MustCompile(`<li><a href="#([^"]+)">([^<]*)</a></li>`)

// summary lists the error summary's entries as "field: message".
func summary(page string) []string {
	i := strings.Index(page, "govuk-error-summary__list")
	if i < 0 {
		return nil
	}
	j := strings.Index(page[i:], "</ul>")
	var out []string
	for _, m := range errorSummaryItem.FindAllStringSubmatch(page[i:i+j], -1) {
		out = append(out, m[1]+": "+html.UnescapeString(m[2]))
	}
	return out
}

func TestConsoleFormsEndToEnd(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "dev.key")
	in := start(t, []string{"TURNAROUND_DEV_KEY_FILE=" + keyFile, "REDIS_URL="})
	api := &consoleAPI{in: in, keyFile: keyFile, dfe: devToken(t, keyFile, "-role", "dfe_official", "-subject", "console-e2e-setup")}
	api.settle(t)

	t.Run("the overview is the oversight service's, for the roles it allows", func(t *testing.T) {
		lga := consoleSignIn(t, in.http, url.Values{"role": {"lga_adviser"}})
		code, page := lga.get("/console/overview")
		if code != http.StatusOK {
			t.Fatalf("overview = %d", code)
		}
		for _, want := range []string{"Within 30 days", "Within 90 days", "The LGA&#39;s method applies that rate to all 152 councils", "Capacity in use"} {
			if !strings.Contains(page, want) {
				t.Errorf("overview lacks %q", want)
			}
		}
		council := consoleSignIn(t, in.http, url.Values{"role": {"council_officer"}, "authority": {"E08000035"}})
		if code, _ := council.get("/console/overview"); code != http.StatusForbidden {
			t.Errorf("a council officer's overview = %d, want 403 from the oversight service", code)
		}
	})

	t.Run("a council officer's draft: field errors, a colleague's save, a new priority", func(t *testing.T) {
		plan := api.writablePlan(t)
		gss := gssOfName(plan.Name)
		c := consoleSignIn(t, in.http, url.Values{"role": {"council_officer"}, "authority": {gss}})
		_, planPage := c.get("/console/" + plan.Name)
		links := regexp.MustCompile(`href="/console/(`+regexp.QuoteMeta(plan.Name)+`/priorities/p\d+/actions/a\d+)"`).FindAllStringSubmatch(planPage, -1)
		if len(links) == 0 {
			t.Fatalf("no action to change on the plan page:\n%.2000s", planPage)
		}
		action := "/console/" + links[0][1]
		_, form := c.get(action)

		// The service's violations, on the fields, with what was typed kept.
		code, page := c.post(action, form, url.Values{"title": {""}, "owner_role": {"Head of Service"}, "due-day": {"31"}, "due-month": {"2"}, "due-year": {"2016"}})
		got := summary(page)
		slices.Sort(got)
		if code != http.StatusOK || len(got) != 2 || !strings.HasPrefix(got[0], "due-day: The due date 2016-02-31 is not a calendar date") || got[1] != "title: What will be done is required" {
			t.Fatalf("an action without a title and with an impossible date = %d %v", code, got)
		}
		if !strings.Contains(page, `value="Head of Service"`) {
			t.Fatal("the owner typed is lost")
		}

		// A colleague saves the plan: the old form's save is refused and
		// comes back as typed; saved again from there, it goes through.
		colleague := consoleSignIn(t, in.http, url.Values{"role": {"council_officer"}, "authority": {gss}, "name": {"Colleague"}})
		_, cform := colleague.get(action)
		if code, page := colleague.post(action, cform, url.Values{"title": {"A colleague's title"}, "owner_role": {"DCS"}}); code != http.StatusSeeOther {
			t.Fatalf("the colleague's save = %d %v", code, summary(page))
		}
		code, page = c.post(action, form, url.Values{"title": {"My title"}, "owner_role": {"Head of Service"}})
		if got := summary(page); code != http.StatusOK || len(got) != 1 || !strings.Contains(got[0], "Someone else changed this plan") || !strings.Contains(page, `value="My title"`) {
			t.Fatalf("a save over a colleague's = %d %v", code, got)
		}
		if code, page = c.post(action, page, url.Values{"title": {"My title"}, "owner_role": {"Head of Service"}}); code != http.StatusSeeOther || !strings.Contains(page, "The action was changed.") {
			t.Fatalf("saved again = %d %v", code, summary(page))
		}
		if !strings.Contains(page, "My title") || strings.Contains(page, "A colleague&#39;s title") {
			t.Fatal("the plan does not show the last save")
		}

		// A new priority: the area is required; then it is on the plan.
		_, pform := c.get("/console/" + plan.Name + "/priorities/new")
		if code, page := c.post("/console/"+plan.Name+"/priorities/new", pform, url.Values{"target_grade": {"GOOD"}}); code != http.StatusOK || len(summary(page)) != 1 || summary(page)[0] != "area: Select the area the priority improves" {
			t.Fatalf("a priority without an area = %d %v", code, summary(page))
		}
		code, page = c.post("/console/"+plan.Name+"/priorities/new", pform, url.Values{"area": {"ADOPTION_PERFORMANCE"}, "target_grade": {"GOOD"}})
		if code != http.StatusSeeOther || !strings.Contains(page, "The priority was added.") || !strings.Contains(page, "Adoption performance") {
			t.Fatalf("adding a priority = %d %v", code, summary(page))
		}

		// Removing it from the plan page; the same page's form again is a
		// removal over a changed plan, refused with the plan shown.
		removes := regexp.MustCompile(`action="/console/(`+regexp.QuoteMeta(plan.Name)+`/priorities/p\d+)/remove"`).FindAllStringSubmatch(page, -1)
		if len(removes) < 2 {
			t.Fatalf("%d priorities to remove", len(removes))
		}
		cards := strings.Count(page, `<div class="govuk-summary-card"`)
		removed, after := c.post("/console/"+removes[len(removes)-1][1]+"/remove", page, nil)
		if removed != http.StatusSeeOther {
			t.Fatalf("removing the new priority = %d", removed)
		}
		if !strings.Contains(after, "The priority was removed.") || strings.Count(after, `<div class="govuk-summary-card"`) != cards-1 {
			t.Fatalf("after removing: %d priorities, want %d", strings.Count(after, `<div class="govuk-summary-card"`), cards-1)
		}
		code, page = c.post("/console/"+removes[0][1]+"/remove", page, nil)
		if got := summary(page); code != http.StatusOK || len(got) != 1 || !strings.Contains(got[0], "nothing was removed") {
			t.Fatalf("removing with the plan's old etag = %d %v", code, got)
		}

		// A colleague removes the priority of an action being changed: the
		// save says so on the plan page, and nothing comes back to life.
		_, form = c.get(action)
		_, cpage := colleague.get("/console/" + plan.Name)
		pid := regexp.MustCompile(`/priorities/(p\d+)/actions/`).FindStringSubmatch(action)[1]
		if code, _ := colleague.post("/console/"+plan.Name+"/priorities/"+pid+"/remove", cpage, nil); code != http.StatusSeeOther {
			t.Fatalf("the colleague's removal = %d", code)
		}
		code, page = c.post(action, form, url.Values{"title": {"Changed too late"}})
		if got := summary(page); code != http.StatusOK || len(got) != 1 || !strings.Contains(got[0], "Someone else removed") || strings.Contains(page, "Changed too late") {
			t.Fatalf("saving an action whose priority was removed = %d %v", code, got)
		}

		// Another council's officer is refused by the service.
		other := consoleSignIn(t, in.http, url.Values{"role": {"council_officer"}, "authority": {"E09000001"}})
		if code, _ := other.get(action); code != http.StatusForbidden {
			t.Errorf("another council's action form = %d, want 403", code)
		}
	})

	t.Run("a sponsor officer records a deployment once; DfE reads it; another sponsor cannot", func(t *testing.T) {
		var page struct {
			Engagements []struct {
				Name string `json:"name"`
			} `json:"engagements"`
		}
		if code, body := in.do(t, http.MethodGet, "/v1/sponsors/-/engagements?filter=state%20%3D%20ACTIVE", api.dfe, nil, &page); code != http.StatusOK || len(page.Engagements) < 2 {
			t.Fatalf("active engagements = %d: %s", code, body)
		}
		eng, otherEng := page.Engagements[0].Name, ""
		sponsor := strings.Split(eng, "/")[1]
		for _, e := range page.Engagements[1:] {
			if strings.Split(e.Name, "/")[1] != sponsor {
				otherEng = e.Name
				break
			}
		}
		if otherEng == "" {
			t.Fatal("no engagement of another sponsor")
		}
		s := consoleSignIn(t, in.http, url.Values{"role": {"sponsor_officer"}, "sponsor": {sponsor}})
		_, form := s.get("/console/" + eng)
		if !strings.Contains(form, `id="record-deployment"`) {
			t.Fatal("the sponsor's officer has no form")
		}
		today := time.Now().UTC()
		fields := url.Values{"date-day": {strconv.Itoa(today.Day())}, "date-month": {strconv.Itoa(int(today.Month()))}, "date-year": {strconv.Itoa(today.Year())},
			"role": {"DIRECTOR"}, "staff_days": {"0.7"}, "notes": {"End-to-end interim director"}}
		if code, page := s.post("/console/"+eng+"/deployments", form, fields); code != http.StatusOK || len(summary(page)) != 1 || !strings.HasPrefix(summary(page)[0], "staff_days: Staff-days must be 0.5 to 31 staff-days in halves") {
			t.Fatalf("0.7 staff-days = %d %v", code, summary(page))
		}
		fields.Set("staff_days", "1.5")
		for i := 0; i < 2; i++ { // the same form twice: one deployment
			if code, page := s.post("/console/"+eng+"/deployments", form, fields); code != http.StatusSeeOther || !strings.Contains(page, "The deployment was recorded.") {
				t.Fatalf("recording = %d %v", code, summary(page))
			}
		}
		dfe := consoleSignIn(t, in.http, url.Values{"role": {"dfe_official"}})
		_, dpage := dfe.get("/console/" + eng)
		if n := strings.Count(dpage, "End-to-end interim director"); n != 1 {
			t.Errorf("DfE sees the deployment %d times, want once", n)
		}
		if strings.Contains(dpage, `id="record-deployment"`) {
			t.Error("DfE is offered the sponsor's form")
		}
		if code, _ := s.get("/console/" + otherEng); code != http.StatusForbidden {
			t.Errorf("another sponsor's engagement = %d, want 403", code)
		}
		if code, _ := s.post("/console/"+otherEng+"/deployments", form, fields); code != http.StatusForbidden {
			t.Errorf("recording on another sponsor's engagement = %d, want 403", code)
		}
	})
}
