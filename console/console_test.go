package console

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// newTestConsole builds a console whose upstream answers nothing: these
// tests cover what the console decides before any service is called.
func newTestConsole(t *testing.T, cfg Config) (*Console, *httptest.Server) {
	t.Helper()
	cfg.Upstream = "127.0.0.1:1"
	cfg.DialOptions = []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	c, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	return c, srv
}

// browser is an HTTP client with cookies that does not follow redirects.
func browser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func post(t *testing.T, c *http.Client, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var csrfPattern = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := csrfPattern.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token in page:\n%s", body)
	}
	return m[1]
}

func TestSecurityHeadersAndSignInRedirect(t *testing.T) {
	_, srv := newTestConsole(t, Config{DevKey: make([]byte, 32)})
	c := browser(t)
	resp, _ := get(t, c, srv.URL+"/console/plans?state=DRAFT")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/sign-in?next=%2Fconsole%2Fplans%3Fstate%3DDRAFT" {
		t.Fatalf("signed out: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline code: %q", csp)
	}
	resp, body := get(t, c, srv.URL+"/console/sign-in")
	if resp.StatusCode != http.StatusOK || strings.Contains(body, "<script>") || strings.Contains(body, " style=") {
		t.Fatalf("sign-in page: %d, inline script or style:\n%s", resp.StatusCode, body)
	}
	if !strings.Contains(body, `<script type="module" src="/console/assets/init.mjs">`) {
		t.Error("the page does not load GOV.UK Frontend's module from an external file")
	}
	var ck *http.Cookie
	for _, k := range resp.Cookies() {
		if k.Name == sessionCookie {
			ck = k
		}
	}
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/console" || ck.Secure {
		t.Fatalf("session cookie = %+v; want HttpOnly, SameSite=Lax, Path=/console, not Secure over plain HTTP", ck)
	}
	// Behind a TLS-terminating proxy the cookie is Secure.
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/console/sign-in", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if k := resp.Cookies(); len(k) == 0 || !k[0].Secure {
		t.Fatalf("cookie over TLS = %+v; want Secure", k)
	}
	// The embedded assets are served.
	for _, a := range []string{"/console/assets/govuk/govuk-frontend.min.css", "/console/assets/govuk/govuk-frontend.min.js", "/console/assets/init.mjs",
		"/console/assets/govuk/fonts/bold-b542beb274-v2.woff2"} {
		if resp, _ := get(t, c, srv.URL+a); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d", a, resp.StatusCode)
		}
	}
}

func TestDevSignInNeedsCSRFAndEndsWithSignOut(t *testing.T) {
	_, srv := newTestConsole(t, Config{DevKey: []byte("0123456789abcdef0123456789abcdef")})
	c := browser(t)
	_, body := get(t, c, srv.URL+"/console/sign-in")
	token := csrfOf(t, body)

	// No token, a wrong token: refused.
	for _, bad := range []string{"", "forged"} {
		resp, _ := post(t, c, srv.URL+"/console/sign-in", url.Values{"csrf_token": {bad}, "role": {"dfe_official"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("sign-in with CSRF token %q = %d, want 403", bad, resp.StatusCode)
		}
	}
	// A council officer without a council: an error summary linked to the field.
	resp, body := post(t, c, srv.URL+"/console/sign-in", url.Values{"csrf_token": {token}, "role": {"council_officer"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `<a href="#authority">`) || !strings.Contains(body, "govuk-error-summary") {
		t.Fatalf("council officer without a council = %d:\n%s", resp.StatusCode, body)
	}
	// A partner system is not a console role.
	resp, _ = post(t, c, srv.URL+"/console/sign-in", url.Values{"csrf_token": {token}, "role": {"partner_system"}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("partner system sign-in = %d, want 400", resp.StatusCode)
	}
	// Signed in: a new session id, so the one seen before is worthless.
	before := sessionID(t, c, srv.URL)
	resp, _ = post(t, c, srv.URL+"/console/sign-in", url.Values{"csrf_token": {token}, "role": {"dfe_official"}, "name": {"Ada Lovelace"}, "next": {"//evil.example/"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/" {
		t.Fatalf("sign-in = %d to %q; want 303 to /console/ (never off-site)", resp.StatusCode, resp.Header.Get("Location"))
	}
	if after := sessionID(t, c, srv.URL); after == before || after == "" {
		t.Fatal("signing in kept the session id")
	}
	resp, body = get(t, c, srv.URL+"/console/")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Signed in as dev-ada-lovelace, DfE official") {
		t.Fatalf("home after sign-in = %d:\n%s", resp.StatusCode, body)
	}
	token = csrfOf(t, body)
	// A POST to a page without the session's token is refused before any
	// service is called.
	resp, _ = post(t, c, srv.URL+"/console/matching/runs", url.Values{"csrf_token": {"forged"}, "algorithm": {"OPTIMAL"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("run matching with a forged CSRF token = %d, want 403", resp.StatusCode)
	}
	resp, _ = post(t, c, srv.URL+"/console/sign-out", url.Values{"csrf_token": {token}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out = %d", resp.StatusCode)
	}
	resp, _ = get(t, c, srv.URL+"/console/")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/console/sign-in") {
		t.Fatalf("after sign-out = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func sessionID(t *testing.T, c *http.Client, base string) string {
	t.Helper()
	u, _ := url.Parse(base + "/console/")
	for _, k := range c.Jar.Cookies(u) {
		if k.Name == sessionCookie {
			return k.Value
		}
	}
	return ""
}

func TestSessionsExpire(t *testing.T) {
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	st := newSessionStore(time.Hour, clock)
	w := httptest.NewRecorder()
	s := st.start(w, httptest.NewRequest(http.MethodGet, "/console/", nil), time.Hour)
	s.token = "t"
	r := httptest.NewRequest(http.MethodGet, "/console/", nil)
	r.AddCookie(&http.Cookie{Name: sessionCookie, Value: s.id})
	if st.get(r) != s {
		t.Fatal("a fresh session is not found")
	}
	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	if st.get(r) != nil {
		t.Fatal("a session outlived its expiry")
	}
}

func TestNoSignInWithoutAKeyOrIssuer(t *testing.T) {
	_, srv := newTestConsole(t, Config{})
	c := browser(t)
	_, body := get(t, c, srv.URL+"/console/sign-in")
	if !strings.Contains(body, "Sign-in is not configured") || strings.Contains(body, `name="role"`) {
		t.Fatalf("sign-in page with neither a development key nor OIDC:\n%s", body)
	}
	resp, _ := post(t, c, srv.URL+"/console/sign-in", url.Values{"role": {"dfe_official"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("development sign-in without a key = %d, want 403", resp.StatusCode)
	}
	if resp, _ := get(t, c, srv.URL+"/console/sign-in/oidc"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("OIDC sign-in without an issuer = %d, want 404", resp.StatusCode)
	}
}

func TestGradeChartHasTextAlternative(t *testing.T) {
	rows := []gradeRow{{Region: "North East", Counts: []int{1, 2, 3, 4, 2}, Total: 12}, {Region: "London", Counts: []int{2, 0, 0, 1, 0}, Total: 3}}
	svg := gradeChart(rows)
	for _, want := range []string{`role="img"`, `aria-labelledby="grade-chart-title grade-chart-desc"`,
		"North East: 1 outstanding, 2 good, 3 requires improvement, 4 inadequate, 2 not inspected", `<rect x="210.0" y="10" width="36.7"`} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q:\n%s", want, svg)
		}
	}
	// London's good count is zero: no zero-width segment.
	if strings.Count(svg, "<title>London") != 2 {
		t.Errorf("London has %d segments, want 2", strings.Count(svg, "<title>London"))
	}
}

// idp is a small OpenID Connect provider: discovery, an authorization
// endpoint that approves at once, a token endpoint that checks the PKCE
// verifier, and a JWKS with one generated RSA key.
type idp struct {
	srv       *httptest.Server
	key       *rsa.PrivateKey
	mu        sync.Mutex
	codes     map[string]authzRequest
	badNonce  bool
	clientID  string
	redirects string
}

type authzRequest struct {
	challenge, nonce, redirect string
}

func newIDP(t *testing.T, clientID string) *idp {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &idp{key: key, codes: map[string]authzRequest{}, clientID: clientID}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]string{
			"issuer": p.srv.URL, "authorization_endpoint": p.srv.URL + "/authorize",
			"token_endpoint": p.srv.URL + "/token", "jwks_uri": p.srv.URL + "/jwks",
		})
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{
			"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig",
			"n": base64.RawURLEncoding.EncodeToString(key.N.Bytes()),
			"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes()),
		}}})
	})
	mux.HandleFunc("/authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("client_id") != clientID || q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" ||
			q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" || !strings.Contains(q.Get("scope"), "openid") {
			http.Error(w, "bad authorization request", http.StatusBadRequest)
			return
		}
		code := "code-" + q.Get("state")[:8]
		p.mu.Lock()
		p.codes[code] = authzRequest{challenge: q.Get("code_challenge"), nonce: q.Get("nonce"), redirect: q.Get("redirect_uri")}
		p.mu.Unlock()
		http.Redirect(w, r, q.Get("redirect_uri")+"?code="+code+"&state="+url.QueryEscape(q.Get("state")), http.StatusFound)
	})
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		p.mu.Lock()
		req, ok := p.codes[r.PostForm.Get("code")]
		delete(p.codes, r.PostForm.Get("code"))
		p.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if !ok || base64.RawURLEncoding.EncodeToString(sum[:]) != req.challenge || r.PostForm.Get("redirect_uri") != req.redirect {
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant"})
			return
		}
		nonce := req.nonce
		if p.badNonce {
			nonce = "not-the-nonce"
		}
		now := time.Now()
		claims := jwt.MapClaims{"iss": p.srv.URL, "aud": clientID, "sub": "ada@dfe.example", "iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(),
			"nonce": nonce, "roles": []string{"dfe_official"}}
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
		tok.Header["kid"] = "k1"
		id, err := tok.SignedString(key)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "access-" + id[:10], "id_token": id, "token_type": "Bearer", "expires_in": 600})
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

// oidcSignIn walks the flow; it returns the callback's response.
func oidcSignIn(t *testing.T, c *http.Client, console string, tamper func(u *url.URL)) *http.Response {
	t.Helper()
	resp, _ := get(t, c, console+"/console/sign-in/oidc?next=/console/plans")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("start = %d", resp.StatusCode)
	}
	resp, body := get(t, c, resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("provider's authorization endpoint = %d: %s", resp.StatusCode, body)
	}
	cb, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if tamper != nil {
		tamper(cb)
	}
	resp, _ = get(t, c, cb.String())
	return resp
}

func TestOIDCSignIn(t *testing.T) {
	const clientID = "turnaround-console"
	p := newIDP(t, clientID)
	// The redirect URL names the console's own address, known once it listens.
	cs := httptest.NewUnstartedServer(nil)
	cs.Start()
	t.Cleanup(cs.Close)
	consoleURL := cs.URL
	c, err := New(context.Background(), Config{Upstream: "127.0.0.1:1",
		DialOptions: []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())},
		OIDC:        OIDCConfig{Issuer: p.srv.URL, ClientID: clientID, ClientSecret: "s3cret", RedirectURL: consoleURL + "/console/oidc/callback"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	cs.Config.Handler = c

	t.Run("signs in and lands where it was going", func(t *testing.T) {
		b := browser(t)
		_, body := get(t, b, consoleURL+"/console/sign-in")
		if !strings.Contains(body, "Sign in with your organisation") || strings.Contains(body, `name="role"`) {
			t.Fatalf("sign-in page with OIDC only:\n%s", body)
		}
		resp := oidcSignIn(t, b, consoleURL, nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/plans" {
			t.Fatalf("callback = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		_, body = get(t, b, consoleURL+"/console/")
		if !strings.Contains(body, "Signed in as ada@dfe.example, DfE official") {
			t.Fatalf("home after OIDC sign-in:\n%s", body)
		}
	})
	t.Run("a state that is not the session's is refused", func(t *testing.T) {
		resp := oidcSignIn(t, browser(t), consoleURL, func(u *url.URL) {
			q := u.Query()
			q.Set("state", "forged")
			u.RawQuery = q.Encode()
		})
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("forged state = %d, want 400", resp.StatusCode)
		}
	})
	t.Run("a code replayed in another browser fails PKCE", func(t *testing.T) {
		var stolen *url.URL
		victim := browser(t)
		oidcSignIn(t, victim, consoleURL, func(u *url.URL) { stolen, _ = url.Parse(u.String()); u.RawQuery = "" })
		attacker := browser(t)
		resp, _ := get(t, attacker, stolen.String())
		if resp.StatusCode == http.StatusSeeOther {
			t.Fatal("a stolen code signed another browser in")
		}
	})
	t.Run("an ID token with another nonce is refused", func(t *testing.T) {
		p.badNonce = true
		defer func() { p.badNonce = false }()
		resp := oidcSignIn(t, browser(t), consoleURL, nil)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong nonce = %d, want 401", resp.StatusCode)
		}
	})
}
