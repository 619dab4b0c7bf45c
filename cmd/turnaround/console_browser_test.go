package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// The console in a real browser: Debian's Chromium, headless, driven by
// chromedp against the real binary on its embedded default. Every page is
// checked with axe-core for WCAG 2.2 A and AA violations and photographed
// at desktop and mobile widths; the sponsor-matching story also runs with
// JavaScript off. Skipped, saying so, when Chromium is not installed
// (`make test-browser` and .ci/run install it).

// chromiumPath finds the browser, or skips the test.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("TURNAROUND_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("SKIP console browser tests: Chromium is not installed (apt-get install -y chromium; make test-browser installs nothing itself, .ci/run does)")
	return ""
}

// axeSource is axe-core's browser bundle from the pinned npm package.
func axeSource(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "console", "web", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		t.Fatalf("axe-core is not installed (run make console-npm-ci): %v", err)
	}
	return string(b)
}

// browserRun is one test's browser: a Chromium process, a folder for the
// screenshots and the axe bundle.
type browserRun struct {
	t     *testing.T
	alloc context.Context
	base  string
	shots string
	axe   string
}

func newBrowserRun(t *testing.T, base string) *browserRun {
	chrome := chromiumPath(t)
	shots := os.Getenv("TURNAROUND_SCREENSHOTS")
	if shots == "" {
		shots = filepath.Join("..", "..", ".bin", "screenshots")
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chrome),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// No back-forward cache: a page left for the next one stays alive for
		// the back button, and a wait after a click or a form's submission
		// could stay bound to it and never see the new page.
		chromedp.Flag("disable-features", "BackForwardCache"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	// Start the browser once; each user gets their own browser context.
	bctx, bcancel := chromedp.NewContext(alloc)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(bcancel)
	return &browserRun{t: t, alloc: bctx, base: base, shots: shots, axe: axeSource(t)}
}

// user is one person in their own browser context (their own cookies).
type user struct {
	b     *browserRun
	ctx   context.Context
	noJS  bool
	label string
}

func (b *browserRun) user(t *testing.T, label string, js bool) *user {
	ctx, cancel := chromedp.NewContext(b.alloc, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !js}); err != nil {
		t.Fatal(err)
	}
	return &user{b: b, ctx: ctx, noJS: !js, label: label}
}

// do runs steps, failing the test on an error.
func (u *user) do(t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, 90*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %s: %v", u.label, what, err)
	}
}

// eval evaluates a JavaScript expression (devtools evaluation works with
// the page's scripts disabled too).
func eval[T any](t *testing.T, u *user, expr string, opts ...chromedp.EvaluateOption) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, 90*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, opts...))
	if err != nil {
		t.Fatalf("%s: evaluate %.60s: %v", u.label, expr, err)
	}
	return v
}

// open loads a console path and waits for its main heading.
func (u *user) open(t *testing.T, path string) {
	t.Helper()
	u.do(t, "open "+path, chromedp.Navigate(u.b.base+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
}

// submit presses a button that posts a form and waits for the page the
// server answers with. The wait follows the browser's own navigation events
// (the document request the press starts, then its load), so it can neither
// stop at the page being left nor miss the new one; a press that starts no
// navigation fails with what the page shows.
//
// The button is pressed from inside the page (its click(), the activation a
// keyboard or mouse gives it, which submits the form as the button's own),
// not by a mouse event at screen coordinates: check changes the viewport and
// takes full-page screenshots, and a page still laying itself out after that
// can move a button between the reading of its position and the click,
// which then lands beside it and submits nothing.
func (u *user) submit(t *testing.T, selector string) {
	t.Helper()
	u.do(t, "wait for "+selector, chromedp.WaitVisible(chromedp.CSS(selector)))
	press := func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		found, err := chromedp.Evaluate[bool](fmt.Sprintf(`(() => { const b = document.querySelector(%q); if (!b) return false; b.click(); return true })()`, selector))(ctx, tg)
		if err == nil && !found {
			err = fmt.Errorf("no %s on the page", selector)
		}
		return chromedp.Void{}, err
	}
	ctx, cancel := context.WithTimeout(u.ctx, 60*time.Second)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, press)
	if err != nil {
		t.Fatalf("%s at %s: no new page after pressing %s: %v; the page shows: %.400s", u.label, u.url(t), selector, err, u.text(t, "main"))
	}
	if resp != nil && resp.Status >= 500 {
		t.Fatalf("%s: pressing %s answered %d %s", u.label, selector, resp.Status, resp.URL)
	}
	u.do(t, "the page after pressing "+selector, chromedp.WaitVisible(chromedp.CSS("main h1")))
}

func (u *user) text(t *testing.T, selector string) string {
	t.Helper()
	return strings.TrimSpace(eval[string](t, u, fmt.Sprintf(`(document.querySelector(%q) || {innerText: ""}).innerText`, selector)))
}

func (u *user) has(t *testing.T, selector string) bool {
	t.Helper()
	return eval[bool](t, u, fmt.Sprintf(`!!document.querySelector(%q)`, selector))
}

// follow goes where the link selector names leads, as a click would, and
// waits for that page's main heading. It navigates to the link's address
// rather than clicking: after a click, a wait could still be bound to the
// page being left (kept for the back button), and never see the new one.
func (u *user) follow(t *testing.T, selector string) {
	t.Helper()
	href := eval[string](t, u, fmt.Sprintf(`(document.querySelector(%q) || {}).href || ""`, selector))
	if href == "" {
		t.Fatalf("%s at %s: no link %s", u.label, u.url(t), selector)
	}
	u.do(t, "follow "+selector, chromedp.Navigate(href), chromedp.WaitVisible(chromedp.CSS("main h1")))
}

func (u *user) click(t *testing.T, selector string) {
	t.Helper()
	u.do(t, "click "+selector, chromedp.Click(chromedp.CSS(selector), chromedp.NodeVisible))
}

func (u *user) url(t *testing.T) string {
	t.Helper()
	return eval[string](t, u, `location.href`)
}

func (u *user) heading(t *testing.T) string { return u.text(t, "main h1") }

// wantHeading checks the main heading.
func (u *user) wantHeading(t *testing.T, want string) {
	t.Helper()
	if got := u.heading(t); !strings.Contains(got, want) {
		t.Fatalf("%s at %s: heading %q, want %q", u.label, u.url(t), got, want)
	}
}

// errorSummary is the text of the GOV.UK error summary, "" when none.
func (u *user) errorSummary(t *testing.T) string {
	t.Helper()
	return u.text(t, ".govuk-error-summary")
}

type axeResult struct {
	Violations []struct {
		ID    string `json:"id"`
		Help  string `json:"help"`
		Nodes []struct {
			Target []any  `json:"target"`
			HTML   string `json:"html"`
		} `json:"nodes"`
	} `json:"violations"`
}

// check runs axe-core for WCAG 2.2 A and AA on the page and photographs
// it at desktop (1280px) and mobile (375px) widths as NAME-desktop.png and
// NAME-mobile.png.
func (u *user) check(t *testing.T, name string) {
	t.Helper()
	if !u.noJS {
		eval[chromedp.Void](t, u, u.b.axe)
		raw := eval[string](t, u, `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]}}).then(r => JSON.stringify(r))`, chromedp.EvalAwaitPromise)
		var res axeResult
		if err := json.Unmarshal([]byte(raw), &res); err != nil {
			t.Fatalf("axe result: %v", err)
		}
		for _, v := range res.Violations {
			var where []string
			for _, n := range v.Nodes {
				where = append(where, fmt.Sprint(n.Target)+" "+n.HTML)
			}
			t.Errorf("%s: axe %s: %s\n  %s", name, v.ID, v.Help, strings.Join(where, "\n  "))
		}
	}
	for _, size := range []struct {
		suffix string
		w      int64
	}{{"desktop", 1280}, {"mobile", 375}} {
		u.do(t, "viewport", chromedp.EmulateViewport(size.w, 800))
		if size.w == 375 {
			// On a phone nothing scrolls the page sideways: wide tables
			// stack, the chart scales, long words wrap.
			if w := eval[int](t, u, `document.scrollingElement.scrollWidth`); w > 375 {
				wide := eval[string](t, u, `Array.from(document.querySelectorAll("body *")).filter(e => e.getBoundingClientRect().right > 375).slice(0, 3).map(e => e.tagName + "." + e.className).join(", ")`)
				t.Errorf("%s: %d px wide at 375 px, so the page scrolls sideways (widest: %s)", name, w, wide)
			}
		}
		ctx, cancel := context.WithTimeout(u.ctx, 60*time.Second)
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		cancel()
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(u.b.shots, name+"-"+size.suffix+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	u.do(t, "reset viewport", chromedp.EmulateViewport(1280, 900))
}

// signIn uses the development sign-in page.
func (u *user) signIn(t *testing.T, role, name, authority, sponsor string) {
	t.Helper()
	u.open(t, "/console/sign-in")
	sel := `input[name=role][value=` + role + `]`
	u.click(t, sel)
	if name != "" {
		u.do(t, "name", chromedp.SendKeys(chromedp.CSS("#name"), name))
	}
	if authority != "" {
		u.do(t, "council", chromedp.SendKeys(chromedp.CSS("#authority"), authority))
	}
	if sponsor != "" {
		u.do(t, "sponsor", chromedp.SendKeys(chromedp.CSS("#sponsor"), sponsor))
	}
	u.submit(t, `main form button[type=submit]`)
	if got := u.text(t, ".govuk-phase-banner__text"); !strings.Contains(got, "Signed in as") {
		t.Fatalf("%s: not signed in: %q (at %s)", u.label, got, u.url(t))
	}
}

// consoleAPI reads and prepares data over REST with development tokens.
type consoleAPI struct {
	in      *instance
	keyFile string
	dfe     string
}

type apiNeed struct {
	Name  string `json:"name"`
	State string `json:"state"`
}

func (a *consoleAPI) openNeeds(t *testing.T) []apiNeed {
	t.Helper()
	var page struct {
		Needs []apiNeed `json:"sponsor_needs"`
	}
	code, body := a.in.do(t, http.MethodGet, "/v1/localAuthorities/-/sponsorNeeds?filter=state%20%3D%20OPEN&page_size=200", a.dfe, nil, &page)
	if code != http.StatusOK {
		t.Fatalf("list open needs = %d: %s", code, body)
	}
	return page.Needs
}

// ensureOpenNeed opens a need by hand when none is open, as DfE would.
func (a *consoleAPI) ensureOpenNeed(t *testing.T, councils ...string) {
	t.Helper()
	if len(a.openNeeds(t)) > 0 {
		return
	}
	for _, gss := range councils {
		code, _ := a.in.do(t, http.MethodPost, "/v1/localAuthorities/"+gss+"/sponsorNeeds", a.dfe, map[string]any{
			"areas":   []map[string]any{{"judgement_area": "LEADERSHIP_MANAGEMENT_GOVERNANCE", "weight": 8}, {"judgement_area": "HELP_AND_PROTECTION", "weight": 6}},
			"urgency": 4, "staff_days_needed": 30,
		}, nil)
		if code == http.StatusOK {
			return
		}
	}
	t.Fatal("could not open a sponsor need for the story")
}

// settle waits until the demo's sponsor needs stop changing, so a run's
// inputs stay as they were when it is approved.
func (a *consoleAPI) settle(t *testing.T) {
	t.Helper()
	last, stable := -1, 0
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(time.Second) {
		n := len(a.openNeeds(t))
		if n == last && n > 0 {
			if stable++; stable >= 3 {
				return
			}
		} else {
			stable = 0
		}
		last = n
	}
}

// draftPlan finds a draft plan that fails its credibility checks.
func (a *consoleAPI) draftPlan(t *testing.T) string {
	t.Helper()
	var page struct {
		Plans []struct {
			Name string `json:"name"`
		} `json:"improvement_plans"`
	}
	code, body := a.in.do(t, http.MethodGet, "/v1/localAuthorities/-/improvementPlans?filter=state%20%3D%20DRAFT&page_size=50", a.dfe, nil, &page)
	if code != http.StatusOK {
		t.Fatalf("list draft plans = %d: %s", code, body)
	}
	for _, p := range page.Plans {
		var chk struct {
			Credible bool `json:"credible"`
		}
		if code, _ := a.in.do(t, http.MethodGet, "/v1/"+p.Name+":check", a.dfe, nil, &chk); code == http.StatusOK && !chk.Credible {
			return p.Name
		}
	}
	t.Fatalf("the demo has no draft plan failing its checks: %s", body)
	return ""
}

// planNotOf finds any plan of a council other than gss.
func (a *consoleAPI) planNotOf(t *testing.T, gss string) string {
	t.Helper()
	var page struct {
		Plans []struct {
			Name string `json:"name"`
		} `json:"improvement_plans"`
	}
	code, body := a.in.do(t, http.MethodGet, "/v1/localAuthorities/-/improvementPlans?page_size=50", a.dfe, nil, &page)
	if code != http.StatusOK {
		t.Fatalf("list plans = %d: %s", code, body)
	}
	for _, p := range page.Plans {
		if gssOfName(p.Name) != gss {
			return p.Name
		}
	}
	t.Fatal("no plan of another council")
	return ""
}

// apiPlan is the part of an improvement plan the stories read over REST.
type apiPlan struct {
	Name          string         `json:"name"`
	Etag          string         `json:"etag"`
	JudgementDate map[string]int `json:"judgement_date"`
	Priorities    []any          `json:"priorities"`
}

// writablePlan finds a draft plan whose only failed checks are about its
// actions and targets, which a council officer can put right by changing
// each action and priority in the console.
func (a *consoleAPI) writablePlan(t *testing.T) apiPlan {
	t.Helper()
	var page struct {
		Plans []apiPlan `json:"improvement_plans"`
	}
	code, body := a.in.do(t, http.MethodGet, "/v1/localAuthorities/-/improvementPlans?filter=state%20%3D%20DRAFT&page_size=50", a.dfe, nil, &page)
	if code != http.StatusOK {
		t.Fatalf("list draft plans = %d: %s", code, body)
	}
	fixable := map[string]bool{"every-action-has-an-owner": true, "every-action-due-in-time": true,
		"every-action-has-a-measurable-outcome": true, "early-progress": true, "targets-raise-the-grade": true}
	for _, p := range page.Plans {
		var chk struct {
			Checks []struct {
				Rule   string `json:"rule"`
				Passed bool   `json:"passed"`
			} `json:"checks"`
		}
		if code, _ := a.in.do(t, http.MethodGet, "/v1/"+p.Name+":check", a.dfe, nil, &chk); code != http.StatusOK {
			continue
		}
		ok := len(p.Priorities) > 0
		for _, c := range chk.Checks {
			if !c.Passed && !fixable[c.Rule] {
				ok = false
			}
		}
		if ok {
			return p
		}
	}
	t.Fatalf("the demo has no draft plan a council officer can put right action by action: %s", body)
	return apiPlan{}
}

// setValue replaces an input's value (devtools, so with JavaScript off too).
func (u *user) setValue(t *testing.T, selector, value string) {
	t.Helper()
	u.do(t, "set "+selector, chromedp.SetValue(chromedp.CSS(selector), value))
}

func TestConsoleBrowser(t *testing.T) {
	if os.Getenv("TURNAROUND_BROWSER_TESTS") == "done" {
		t.Skip("SKIP console browser tests: they already ran in this CI job (make test-browser)")
	}
	chromiumPath(t) // skip before starting anything when there is no browser
	keyFile := filepath.Join(t.TempDir(), "dev.key")
	in := start(t, []string{"TURNAROUND_DEV_KEY_FILE=" + keyFile, "REDIS_URL="})
	b := newBrowserRun(t, in.http)
	api := &consoleAPI{in: in, keyFile: keyFile, dfe: devToken(t, keyFile, "-role", "dfe_official", "-subject", "browser-test-setup")}
	api.settle(t)

	t.Run("signed out, the console asks you to sign in", func(t *testing.T) {
		u := b.user(t, "visitor", true)
		u.open(t, "/console/overview")
		u.wantHeading(t, "Sign in")
		if !strings.Contains(u.url(t), "/console/sign-in?next=") {
			t.Fatalf("redirected to %s", u.url(t))
		}
		u.check(t, "sign-in")
		// Signing in with no role picked: an error summary linked to the field.
		u.submit(t, `main form button[type=submit]`)
		if s := u.errorSummary(t); !strings.Contains(s, "Select the role") {
			t.Fatalf("error summary = %q", s)
		}
		if !u.has(t, `.govuk-error-summary a[href="#role"]`) || !u.has(t, "#role") {
			t.Fatal("the error does not link to the role field")
		}
		u.check(t, "sign-in-error")
	})

	t.Run("each role signs in and sees its own start page", func(t *testing.T) {
		for _, tc := range []struct {
			role, authority, sponsor, heading, link string
		}{
			{"dfe_official", "", "", "Turnaround", "Sponsor matching"},
			{"lga_adviser", "", "", "Turnaround", "Review priorities"},
			{"ofsted_inspector", "", "", "Turnaround", "National overview"},
			{"council_officer", "E08000035", "", "Turnaround", "Your council"},
			{"sponsor_officer", "", "hampshire", "Hampshire", "Engagements"},
		} {
			u := b.user(t, tc.role, true)
			u.signIn(t, tc.role, "", tc.authority, tc.sponsor)
			u.wantHeading(t, tc.heading)
			if body := u.text(t, "main"); !strings.Contains(body, tc.link) {
				t.Errorf("%s start page lacks %q:\n%s", tc.role, tc.link, body)
			}
			u.check(t, "home-"+strings.ReplaceAll(tc.role, "_", "-"))
		}
	})

	t.Run("pages as each role pass axe", func(t *testing.T) {
		dfe := b.user(t, "dfe", true)
		dfe.signIn(t, "dfe_official", "Dana", "", "")
		for _, p := range []struct{ path, heading, shot string }{
			{"/console/overview", "National overview", "overview"},
			{"/console/councils", "Councils", "councils"},
			{"/console/councils/E08000035", "Leeds", "council"},
			{"/console/plans", "Improvement plans", "plans"},
			{"/console/matching", "Sponsor matching", "matching"},
			{"/console/matching/compare", "Compare match runs", "compare-empty"},
			{"/console/councils/E99999999", "Page not found", "not-found"},
		} {
			dfe.open(t, p.path)
			dfe.wantHeading(t, p.heading)
			dfe.check(t, p.shot)
		}
		if !dfe.has(t, "svg.console-chart") {
			dfe.open(t, "/console/overview")
			if !dfe.has(t, "svg.console-chart") {
				t.Error("the overview has no chart")
			}
		}
		dfe.open(t, "/console/"+api.draftPlan(t))
		dfe.wantHeading(t, "Improvement plan")
		dfe.check(t, "plan")

		lga := b.user(t, "lga", true)
		lga.signIn(t, "lga_adviser", "", "", "")
		lga.open(t, "/console/reviews")
		lga.wantHeading(t, "Review priorities")
		if !lga.has(t, "main table tbody tr") {
			t.Error("no review priorities listed")
		}
		lga.check(t, "reviews")
		lga.open(t, "/console/matching")
		lga.wantHeading(t, "You do not have permission")
		lga.check(t, "forbidden")
	})

	t.Run("a council officer cannot reach another council's pages", func(t *testing.T) {
		u := b.user(t, "leeds", true)
		u.signIn(t, "council_officer", "", "E08000035", "")
		u.open(t, "/console/councils/E08000035")
		u.wantHeading(t, "Leeds")
		u.check(t, "council-own")
		other := api.planNotOf(t, "E08000035")
		u.open(t, "/console/councils/"+gssOfName(other))
		u.wantHeading(t, "You do not have permission to see this page")
		u.open(t, "/console/"+other)
		u.wantHeading(t, "You do not have permission to see this page")
	})

	t.Run("a plan that fails credibility cannot be submitted", func(t *testing.T) {
		plan := api.draftPlan(t)
		u := b.user(t, "council", true)
		u.signIn(t, "council_officer", "", gssOfName(plan), "")
		u.open(t, "/console/"+plan)
		if s := u.errorSummary(t); !strings.Contains(s, "There is a problem") {
			t.Fatalf("the check results are not an error summary: %q", s)
		}
		u.submit(t, "#submit")
		s := u.errorSummary(t)
		if !strings.Contains(s, "cannot be submitted") {
			t.Fatalf("error summary after submitting = %q", s)
		}
		if !u.has(t, `.govuk-error-summary a[href^="#check-"]`) {
			t.Fatal("the failures do not link to their checks")
		}
		u.check(t, "plan-not-credible")
	})

	t.Run("an LGA adviser proposes and accepts a review team", func(t *testing.T) {
		lgaToken := devToken(t, keyFile, "-role", "lga_adviser", "-subject", "browser-test-lga")
		var page struct {
			Reviews []struct {
				Name string `json:"name"`
				Etag string `json:"etag"`
			} `json:"peer_reviews"`
		}
		code, body := in.do(t, http.MethodGet, "/v1/localAuthorities/-/peerReviews?filter=state%20%3D%20REQUESTED", lgaToken, nil, &page)
		if code != http.StatusOK || len(page.Reviews) == 0 {
			t.Fatalf("requested reviews = %d: %s", code, body)
		}
		rv := page.Reviews[0]
		start := time.Now().AddDate(0, 2, 0)
		end := start.AddDate(0, 0, 3)
		date := func(d time.Time) map[string]int {
			return map[string]int{"year": d.Year(), "month": int(d.Month()), "day": d.Day()}
		}
		if code, body := in.do(t, http.MethodPost, "/v1/"+rv.Name+":schedule", lgaToken, map[string]any{
			"etag": rv.Etag, "start_date": date(start), "end_date": date(end), "request_id": "browser-schedule",
		}, nil); code != http.StatusOK {
			t.Fatalf("schedule the review = %d: %s", code, body)
		}
		u := b.user(t, "lga-teams", true)
		u.signIn(t, "lga_adviser", "Lena", "", "")
		u.open(t, "/console/reviews")
		u.follow(t, `main a[href="/console/`+rv.Name+`"]`)
		u.do(t, "review page", chromedp.WaitVisible(chromedp.CSS("#propose")))
		u.check(t, "peer-review")
		u.submit(t, "#propose")
		if !u.has(t, `form[action$="/accept"]`) {
			t.Fatalf("no proposal: %s", u.text(t, "main"))
		}
		u.check(t, "team-proposal")
		u.submit(t, `form[action$="/accept"] button[type=submit]`)
		if got := u.text(t, ".govuk-notification-banner"); !strings.Contains(got, "team was accepted") {
			t.Fatalf("after accepting: %q %s", got, u.errorSummary(t))
		}
		if got := u.text(t, "main .govuk-summary-list"); !strings.Contains(got, "(lead)") {
			t.Fatalf("the review has no team: %s", got)
		}
	})

	t.Run("the national overview comes from the oversight service", func(t *testing.T) {
		u := b.user(t, "overview", true)
		u.signIn(t, "lga_adviser", "", "", "")
		u.open(t, "/console/overview")
		u.wantHeading(t, "National overview")
		main := u.text(t, "main")
		for _, want := range []string{"Within 30 days", "Within 60 days", "Within 90 days", "Open sponsor needs", "Capacity in use", "152 councils"} {
			if !strings.Contains(main, want) {
				t.Errorf("the overview lacks %q", want)
			}
		}
		if m := u.text(t, "#projection-method"); !strings.Contains(m, "The LGA's method applies that rate to all 152 councils") {
			t.Errorf("projection method = %q", m)
		}
		if !u.has(t, "svg.console-chart desc") || !u.has(t, "table.console-table--grades tbody tr") {
			t.Error("no chart with its table")
		}
		u.check(t, "overview-lga")
		// A council officer is refused by the service, not by the console.
		c := b.user(t, "overview-council", true)
		c.signIn(t, "council_officer", "", "E08000035", "")
		c.open(t, "/console/overview")
		c.wantHeading(t, "You do not have permission")
	})

	t.Run("a council officer writes a credible plan without JavaScript and DfE approves it", func(t *testing.T) {
		plan := api.writablePlan(t)
		gss := gssOfName(plan.Name)
		councilToken := devToken(t, keyFile, "-role", "council_officer", "-authority", gss, "-subject", "browser-test-colleague")
		jd := time.Date(plan.JudgementDate["year"], time.Month(plan.JudgementDate["month"]), plan.JudgementDate["day"], 0, 0, 0, 0, time.UTC)
		due := jd.AddDate(0, 1, 0)

		c := b.user(t, "plan-writer", false)
		c.signIn(t, "council_officer", "Casey", gss, "")
		c.open(t, "/console/"+plan.Name)
		if !c.has(t, "#add-priority") {
			t.Fatalf("a draft plan offers its council no way to write it: %s", c.text(t, "main"))
		}
		// Every priority aims higher than it was judged.
		pids := eval[[]string](t, c, `Array.from(document.querySelectorAll(".govuk-summary-card[id^=priority-]")).map(e => e.id.slice(9))`)
		for _, pid := range pids {
			c.open(t, "/console/"+plan.Name+"/priorities/"+pid)
			c.wantHeading(t, "Change a priority")
			c.click(t, "#target_grade")
			c.submit(t, "#save")
			if got := c.text(t, ".govuk-notification-banner"); !strings.Contains(got, "priority was changed") {
				t.Fatalf("saving priority %s: %q %s", pid, got, c.errorSummary(t))
			}
		}
		// A new action refused by the service: its error is on the field.
		c.open(t, "/console/"+plan.Name+"/priorities/"+pids[0]+"/actions/new")
		c.wantHeading(t, "Add an action")
		c.setValue(t, "#owner_role", "Head of Service")
		c.submit(t, "#save")
		if s := c.errorSummary(t); !strings.Contains(s, "What will be done is required") || !c.has(t, `.govuk-error-summary a[href="#title"]`) || !c.has(t, "#title-error") {
			t.Fatalf("an action without a title: %q", s)
		}
		if got := eval[string](t, c, `document.querySelector("#owner_role").value`); got != "Head of Service" {
			t.Fatalf("what was typed is lost: owner %q", got)
		}
		// Every action gets an owner, a due date and a milestone with its evidence.
		c.open(t, "/console/"+plan.Name)
		links := eval[[]string](t, c, `Array.from(document.querySelectorAll("a[href*='/actions/a']")).map(a => a.getAttribute("href"))`)
		if len(links) == 0 {
			t.Fatal("no action to change")
		}
		for i, href := range links {
			c.open(t, href)
			c.wantHeading(t, "Change an action")
			c.setValue(t, "#owner_role", "Director of Children's Services")
			c.setValue(t, "#due-day", strconv.Itoa(due.Day()))
			c.setValue(t, "#due-month", strconv.Itoa(int(due.Month())))
			c.setValue(t, "#due-year", strconv.Itoa(due.Year()))
			c.click(t, "#measure")
			c.setValue(t, "#milestone", fmt.Sprintf("Milestone %d reached", i+1))
			c.setValue(t, "#evidence_expected", "Minutes of the improvement board and an audit of case files")
			if i == len(links)-1 {
				// A colleague saves the plan meanwhile: this save is refused
				// and the form comes back as typed, with the newer etag.
				var cur map[string]any
				if code, body := in.do(t, http.MethodGet, "/v1/"+plan.Name, councilToken, nil, &cur); code != http.StatusOK {
					t.Fatalf("read the plan = %d: %s", code, body)
				}
				if code, body := in.do(t, http.MethodPatch, "/v1/"+plan.Name+"?update_mask=priorities", councilToken,
					map[string]any{"name": plan.Name, "etag": cur["etag"], "priorities": cur["priorities"]}, nil); code != http.StatusOK {
					t.Fatalf("a colleague's save = %d: %s", code, body)
				}
				c.submit(t, "#save")
				if s := c.errorSummary(t); !strings.Contains(s, "Someone else changed this plan") {
					t.Fatalf("a save over a colleague's change: %q", s)
				}
				if got := eval[string](t, c, `document.querySelector("#milestone").value`); got != fmt.Sprintf("Milestone %d reached", i+1) {
					t.Fatalf("the edit was lost in the conflict: milestone %q", got)
				}
			}
			c.submit(t, "#save")
			if got := c.text(t, ".govuk-notification-banner"); !strings.Contains(got, "action was changed") {
				t.Fatalf("saving %s: %q %s", href, got, c.errorSummary(t))
			}
		}
		if s := c.errorSummary(t); s != "" {
			t.Fatalf("the plan still fails its checks: %s", s)
		}
		if got := c.text(t, "#checks + p"); !strings.Contains(got, "passes every credibility check") {
			t.Fatalf("check section: %q", got)
		}
		c.submit(t, "#submit")
		if got := c.text(t, ".govuk-notification-banner"); !strings.Contains(got, "submitted") {
			t.Fatalf("after submitting: %q %s", got, c.errorSummary(t))
		}

		// The forms pass axe with JavaScript on.
		draft := api.draftPlan(t)
		cj := b.user(t, "plan-forms", true)
		cj.signIn(t, "council_officer", "", gssOfName(draft), "")
		cj.open(t, "/console/"+draft)
		cj.check(t, "plan-draft")
		first := eval[string](t, cj, `document.querySelector(".govuk-summary-card[id^=priority-]").id.slice(9)`)
		cj.open(t, "/console/"+draft+"/priorities/"+first)
		cj.check(t, "plan-priority")
		cj.open(t, "/console/"+draft+"/priorities/"+first+"/actions/new")
		cj.submit(t, "#save")
		cj.wantHeading(t, "Add an action")
		cj.check(t, "plan-action-error")

		// DfE approves it.
		dfe := b.user(t, "plan-approver", true)
		dfe.signIn(t, "dfe_official", "Devi", "", "")
		dfe.open(t, "/console/"+plan.Name)
		if !strings.Contains(dfe.text(t, ".govuk-inset-text"), "Submitted") {
			t.Fatalf("DfE sees %q", dfe.text(t, ".govuk-inset-text"))
		}
		if dfe.has(t, "#add-priority") {
			t.Fatal("DfE is offered the council's editing forms")
		}
		dfe.check(t, "plan-submitted")
		dfe.do(t, "reason", chromedp.SendKeys(chromedp.CSS("#reason"), "Owners, dates and evidence for every action; leadership first."))
		dfe.submit(t, `form[action$="/approve"] button[type=submit]`)
		if got := dfe.text(t, ".govuk-notification-banner"); !strings.Contains(got, "approved") {
			t.Fatalf("after approving: %q %s", got, dfe.errorSummary(t))
		}
		if !strings.Contains(dfe.text(t, ".govuk-inset-text"), "Approved") {
			t.Fatalf("the plan is %q", dfe.text(t, ".govuk-inset-text"))
		}
	})

	t.Run("a sponsor officer records a deployment without JavaScript and DfE sees it", func(t *testing.T) {
		var page struct {
			Engagements []struct {
				Name string `json:"name"`
			} `json:"engagements"`
		}
		code, body := in.do(t, http.MethodGet, "/v1/sponsors/-/engagements?filter=state%20%3D%20ACTIVE", api.dfe, nil, &page)
		if code != http.StatusOK || len(page.Engagements) == 0 {
			t.Fatalf("active engagements = %d: %s", code, body)
		}
		eng := page.Engagements[0].Name
		sponsor := strings.Split(eng, "/")[1]

		s := b.user(t, "sponsor-officer", false)
		s.signIn(t, "sponsor_officer", "Sam", "", sponsor)
		s.follow(t, `main a[href="/console/`+eng+`"]`)
		s.do(t, "engagement page", chromedp.WaitVisible(chromedp.CSS("#record-deployment")))
		s.submit(t, "#record-deployment")
		if e := s.errorSummary(t); !strings.Contains(e, "The date is required") || !s.has(t, `.govuk-error-summary a[href="#date-day"]`) {
			t.Fatalf("recording nothing: %q", e)
		}
		today := time.Now().UTC()
		s.setValue(t, "#date-day", strconv.Itoa(today.Day()))
		s.setValue(t, "#date-month", strconv.Itoa(int(today.Month())))
		s.setValue(t, "#date-year", strconv.Itoa(today.Year()))
		s.click(t, "#role-SOCIAL_WORKER")
		s.setValue(t, "#staff_days", "1.5")
		s.setValue(t, "#notes", "Browser story: two social workers' practice week")
		s.submit(t, "#record-deployment")
		if got := s.text(t, ".govuk-notification-banner"); !strings.Contains(got, "recorded") {
			t.Fatalf("after recording: %q %s", got, s.errorSummary(t))
		}
		if got := s.text(t, "#deployments + table"); !strings.Contains(got, "practice week") {
			t.Fatalf("the deployment is not listed: %q", got)
		}
		sj := b.user(t, "sponsor-js", true)
		sj.signIn(t, "sponsor_officer", "", "", sponsor)
		sj.open(t, "/console/"+eng)
		sj.check(t, "engagement-sponsor")

		dfe := b.user(t, "deployments-dfe", true)
		dfe.signIn(t, "dfe_official", "", "", "")
		dfe.open(t, "/console/engagements")
		dfe.wantHeading(t, "Engagements and deployments")
		dfe.check(t, "engagements")
		dfe.follow(t, `main a[href="/console/`+eng+`"]`)
		dfe.do(t, "engagement page", chromedp.WaitVisible(chromedp.CSS("#deployments")))
		if got := dfe.text(t, "main"); !strings.Contains(got, "practice week") {
			t.Fatalf("DfE does not see the deployment: %s", got)
		}
		if dfe.has(t, "#record-deployment") {
			t.Fatal("DfE is offered the sponsor's form")
		}
		dfe.check(t, "engagement")
	})

	matchingStory := func(t *testing.T, js bool, prefix string) {
		api.ensureOpenNeed(t, "E08000024", "E06000046", "E09000012", "E10000021")
		api.settle(t)
		alice := b.user(t, "alice", js)
		alice.signIn(t, "dfe_official", prefix+" Alice", "", "")
		bob := b.user(t, "bob", js)
		bob.signIn(t, "dfe_official", prefix+" Bob", "", "")

		// A dry run, OPTIMAL.
		alice.open(t, "/console/matching")
		if !alice.has(t, "main table tbody tr") {
			t.Fatal("no open needs or sponsors listed")
		}
		alice.click(t, "#algorithm")
		alice.submit(t, `form[action$="/matching/runs"] button[type=submit]`)
		alice.wantHeading(t, "Match run")
		if got := alice.text(t, "main .govuk-summary-list"); !strings.Contains(got, "Dry run") || !strings.Contains(got, "Optimal") {
			t.Fatalf("dry run page: %s", got)
		}
		dry := alice.url(t)
		if js {
			alice.check(t, "match-run")
		}

		// A what-if: leave a sponsor out and forbid a pair.
		alice.open(t, "/console/matching")
		alice.click(t, ".govuk-details__summary")
		alice.click(t, "#exclude")
		alice.click(t, "#algorithm-stable")
		alice.submit(t, `form[action$="/matching/runs"] button[type=submit]`)
		alice.wantHeading(t, "Match run")
		if got := alice.text(t, "main .govuk-summary-list"); !strings.Contains(got, "Left out") {
			t.Fatalf("what-if run page: %s", got)
		}
		whatIf := alice.url(t)

		// Compare the two.
		alice.open(t, "/console/matching/compare?first="+runName(dry)+"&second="+runName(whatIf))
		alice.wantHeading(t, "Compare match runs")
		if !alice.has(t, "main table") {
			t.Fatal("no side-by-side table")
		}
		if js {
			alice.check(t, "compare")
		}

		// A proposed STABLE run that Bob rejects: first with no reason.
		alice.open(t, "/console/matching")
		alice.click(t, "#algorithm-stable")
		alice.click(t, "#dry_run")
		alice.submit(t, `form[action$="/matching/runs"] button[type=submit]`)
		alice.wantHeading(t, "Match run")
		rejected := alice.url(t)
		bob.open(t, strings.TrimPrefix(rejected, b.base))
		bob.submit(t, `form[action$="/reject"] button[type=submit]`)
		if s := bob.errorSummary(t); !strings.Contains(s, "Enter why the run is rejected") {
			t.Fatalf("rejecting without a reason: %q", s)
		}
		bob.do(t, "reason", chromedp.SendKeys(chromedp.CSS("#reason"), "Durham's capacity is about to change; run again next week."))
		bob.submit(t, `form[action$="/reject"] button[type=submit]`)
		if got := bob.text(t, "main .govuk-summary-list"); !strings.Contains(got, "Rejected") {
			t.Fatalf("after rejecting: %s", got)
		}

		// A proposed OPTIMAL run: Alice may not approve her own run.
		alice.open(t, "/console/matching")
		alice.click(t, "#algorithm")
		alice.click(t, "#dry_run")
		alice.submit(t, `form[action$="/matching/runs"] button[type=submit]`)
		alice.wantHeading(t, "Match run")
		proposed := alice.url(t)
		if got := alice.text(t, "main .govuk-summary-list"); !strings.Contains(got, "Proposed") {
			t.Fatalf("proposed run page: %s", got)
		}
		alice.submit(t, "#approve")
		if s := alice.errorSummary(t); !strings.Contains(s, "four-eyes") {
			t.Fatalf("approving her own run: %q", s)
		}
		if js {
			alice.check(t, "four-eyes")
		}

		// Bob approves it.
		bob.open(t, strings.TrimPrefix(proposed, b.base))
		bob.submit(t, "#approve")
		if got := bob.text(t, ".govuk-notification-banner"); !strings.Contains(got, "approved") {
			t.Fatalf("after approving: %q", got)
		}
		if got := bob.text(t, "main .govuk-summary-list"); !strings.Contains(got, "Approved") || !strings.Contains(got, "Engagements created") {
			t.Fatalf("approved run page: %s", got)
		}
		if js {
			bob.check(t, "approved")
		}
	}
	t.Run("sponsor matching to an approved run, two officials", func(t *testing.T) { matchingStory(t, true, "JS") })
	t.Run("sponsor matching with JavaScript off", func(t *testing.T) { matchingStory(t, false, "NoJS") })

	t.Run("sign out ends the session", func(t *testing.T) {
		u := b.user(t, "leaver", true)
		u.signIn(t, "ofsted_inspector", "", "", "")
		u.submit(t, `.govuk-phase-banner button[type=submit]`)
		u.wantHeading(t, "Sign in")
		u.open(t, "/console/overview")
		u.wantHeading(t, "Sign in")
	})
}

func gssOfName(name string) string {
	parts := strings.Split(name, "/")
	if len(parts) < 2 {
		return name
	}
	return parts[1]
}

// runName turns a run page's URL into the run's resource name.
func runName(url string) string {
	i := strings.Index(url, "matchRuns/")
	if i < 0 {
		return url
	}
	return url[i:]
}
