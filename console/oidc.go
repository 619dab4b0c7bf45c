package console

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/turnaround-sli/turnaround/services/platform/auth"
)

// OIDCConfig configures sign-in with OpenID Connect (the authorization code
// flow with PKCE) for production.
type OIDCConfig struct {
	// Issuer is the identity provider's issuer URL; its discovery document
	// is at Issuer + "/.well-known/openid-configuration".
	Issuer string
	// ClientID and ClientSecret identify the console to the provider; the
	// secret may be empty for a public client (PKCE protects the code).
	ClientID, ClientSecret string
	// RedirectURL is the console's callback as registered with the
	// provider: https://HOST/console/oidc/callback.
	RedirectURL string
	// Scopes asked for besides openid; default profile.
	Scopes []string
	// HTTPClient talks to the provider; default a client with a 10s timeout.
	HTTPClient *http.Client
}

// oidcClient runs the flow. The ID token is verified against the
// provider's JWKS (signature, issuer, audience = client id, expiry) and its
// nonce against the session's; the access token it came with is what the
// console forwards to the services, which verify it themselves.
type oidcClient struct {
	cfg  OIDCConfig
	http *http.Client

	mu       sync.Mutex
	disc     *oidcDiscovery
	verifier *auth.Verifier
}

type oidcDiscovery struct {
	Issuer                string `json:"issuer"`
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	TokenEndpoint         string `json:"token_endpoint"`
	JWKSURI               string `json:"jwks_uri"`
	EndSessionEndpoint    string `json:"end_session_endpoint"`
}

func newOIDCClient(cfg OIDCConfig) (*oidcClient, error) {
	if cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, errors.New("OIDC needs a client id and a redirect URL as well as the issuer")
	}
	if _, err := url.Parse(cfg.Issuer); err != nil {
		return nil, fmt.Errorf("OIDC issuer: %w", err)
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = []string{"profile"}
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	return &oidcClient{cfg: cfg, http: hc}, nil
}

// discover fetches the discovery document once (again after a failure).
func (o *oidcClient) discover(ctx context.Context) (*oidcDiscovery, *auth.Verifier, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.disc != nil {
		return o.disc, o.verifier, nil
	}
	u := strings.TrimSuffix(o.cfg.Issuer, "/") + "/.well-known/openid-configuration"
	var d oidcDiscovery
	if err := o.getJSON(ctx, u, &d); err != nil {
		return nil, nil, fmt.Errorf("OIDC discovery: %w", err)
	}
	if d.Issuer != o.cfg.Issuer {
		return nil, nil, fmt.Errorf("OIDC discovery: issuer %q does not match the configured %q", d.Issuer, o.cfg.Issuer)
	}
	if d.AuthorizationEndpoint == "" || d.TokenEndpoint == "" || d.JWKSURI == "" {
		return nil, nil, errors.New("OIDC discovery: the document lacks an endpoint")
	}
	v, err := auth.NewVerifier(auth.Config{JWKSURL: d.JWKSURI, Issuer: d.Issuer, Audience: o.cfg.ClientID, HTTPClient: o.http})
	if err != nil {
		return nil, nil, err
	}
	o.disc, o.verifier = &d, v
	return o.disc, o.verifier, nil
}

func (o *oidcClient) getJSON(ctx context.Context, u string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := o.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(out)
}

// signInOIDC starts the flow: a fresh state, nonce and PKCE verifier are
// kept in the session and the browser goes to the provider.
func (c *Console) signInOIDC(w http.ResponseWriter, r *http.Request) {
	s := c.sessions.ensure(w, r)
	if c.oidc == nil {
		c.renderStatus(w, r, s, http.StatusNotFound)
		return
	}
	d, _, err := c.oidc.discover(r.Context())
	if err != nil {
		c.log.Error("console: OIDC", "err", err)
		c.renderStatus(w, r, s, http.StatusServiceUnavailable)
		return
	}
	state, nonce, verifier := randomToken(), randomToken(), randomToken()
	s.mu.Lock()
	s.oidcState, s.oidcNonce, s.oidcVerifier, s.next = state, nonce, verifier, safeNext(r.URL.Query().Get("next"))
	s.mu.Unlock()
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {c.oidc.cfg.ClientID},
		"redirect_uri":          {c.oidc.cfg.RedirectURL},
		"scope":                 {strings.Join(append([]string{"openid"}, c.oidc.cfg.Scopes...), " ")},
		"state":                 {state},
		"nonce":                 {nonce},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
	}
	sep := "?"
	if strings.Contains(d.AuthorizationEndpoint, "?") {
		sep = "&"
	}
	http.Redirect(w, r, d.AuthorizationEndpoint+sep+q.Encode(), http.StatusSeeOther)
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	IDToken     string `json:"id_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	Error       string `json:"error"`
}

// idClaims are the ID token claims the console reads beyond those the
// verifier checks.
type idClaims struct {
	jwt.RegisteredClaims
	Nonce string `json:"nonce"`
}

// oidcCallback finishes the flow: the state must match the session's, the
// code is exchanged with the PKCE verifier, and the ID token must verify
// and carry the session's nonce.
func (c *Console) oidcCallback(w http.ResponseWriter, r *http.Request) {
	s := c.sessions.get(r)
	if c.oidc == nil || s == nil {
		c.renderStatus(w, r, s, http.StatusNotFound)
		return
	}
	q := r.URL.Query()
	s.mu.Lock()
	state, nonce, verifier, next := s.oidcState, s.oidcNonce, s.oidcVerifier, s.next
	s.oidcState, s.oidcNonce, s.oidcVerifier = "", "", "" // one use only
	s.mu.Unlock()
	if state == "" || subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1 || q.Get("code") == "" {
		c.renderStatus(w, r, s, http.StatusBadRequest)
		return
	}
	d, v, err := c.oidc.discover(r.Context())
	if err != nil {
		c.log.Error("console: OIDC", "err", err)
		c.renderStatus(w, r, s, http.StatusServiceUnavailable)
		return
	}
	tok, err := c.oidc.exchange(r.Context(), d.TokenEndpoint, q.Get("code"), verifier)
	if err != nil {
		c.log.Warn("console: OIDC code exchange", "err", err)
		c.renderStatus(w, r, s, http.StatusUnauthorized)
		return
	}
	p, err := v.Verify(r.Context(), tok.IDToken)
	if err != nil {
		c.log.Warn("console: OIDC ID token refused", "err", err)
		c.renderStatus(w, r, s, http.StatusUnauthorized)
		return
	}
	var claims idClaims
	if _, _, err := jwt.NewParser().ParseUnverified(tok.IDToken, &claims); err != nil ||
		subtle.ConstantTimeCompare([]byte(claims.Nonce), []byte(nonce)) != 1 {
		c.log.Warn("console: OIDC ID token nonce does not match")
		c.renderStatus(w, r, s, http.StatusUnauthorized)
		return
	}
	ttl := c.cfg.SessionTTL
	if tok.ExpiresIn > 0 && time.Duration(tok.ExpiresIn)*time.Second < ttl {
		ttl = time.Duration(tok.ExpiresIn) * time.Second
	}
	c.sessions.end(w, r)
	ns := c.sessions.start(w, r, ttl)
	ns.token, ns.principal = tok.AccessToken, p
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (o *oidcClient) exchange(ctx context.Context, endpoint, code, verifier string) (*tokenResponse, error) {
	form := url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {o.cfg.RedirectURL},
		"client_id":     {o.cfg.ClientID},
		"code_verifier": {verifier},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if o.cfg.ClientSecret != "" {
		req.SetBasicAuth(url.QueryEscape(o.cfg.ClientID), url.QueryEscape(o.cfg.ClientSecret))
	}
	resp, err := o.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var t tokenResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&t); err != nil {
		return nil, fmt.Errorf("token response: %w", err)
	}
	if resp.StatusCode != http.StatusOK || t.Error != "" {
		return nil, fmt.Errorf("token endpoint: %s %s", resp.Status, t.Error)
	}
	if t.AccessToken == "" || t.IDToken == "" || !strings.EqualFold(t.TokenType, "bearer") {
		return nil, errors.New("token response lacks a bearer access token or an ID token")
	}
	return &t, nil
}
