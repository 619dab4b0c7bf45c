// Package console is Turnaround's staff console: server-rendered GOV.UK
// pages under /console for DfE officials, LGA advisers, Ofsted inspectors,
// council officers and sponsor officers.
//
// The console has no privileges of its own. Every page calls the services
// over gRPC with the signed-in user's bearer token in the call's metadata, so
// the services' own policies decide what each person sees: a PERMISSION_DENIED
// becomes a 403 page, NOT_FOUND a 404 page, and INVALID_ARGUMENT field
// violations a GOV.UK error summary linked to the form's fields.
//
// Pages work without JavaScript; GOV.UK Frontend's own JavaScript only
// enhances them, loaded from an external module under a strict
// Content-Security-Policy with no inline script. Its compiled CSS,
// JavaScript, fonts and images are built from the pinned npm package into
// assets/govuk (make console-assets) and embedded in the binary.
package console

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	oversightv1 "github.com/turnaround-sli/turnaround/proto/turnaround/oversight/v1"
	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
)

// BasePath is where the console is served.
const BasePath = "/console"

// DefaultSessionTTL is how long a sign-in lasts when Config.SessionTTL is zero.
const DefaultSessionTTL = time.Hour

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// Config configures the console.
type Config struct {
	// Upstream is the gRPC address serving every service not named in
	// Upstreams.
	Upstream string
	// Upstreams maps a gRPC service's full name to the address serving it.
	Upstreams map[string]string
	// DialOptions choose the transport credentials of the upstream
	// connections (as the gateway's do).
	DialOptions []grpc.DialOption
	// DevKey, when set, enables the development sign-in: a person picks a
	// role (and council or sponsor) and the console mints a short-lived
	// token signed with this key. Only the embedded mode has one.
	DevKey []byte
	// OIDC, when its Issuer is set, enables sign-in with OpenID Connect.
	OIDC OIDCConfig
	// SessionTTL is how long a sign-in lasts; default DefaultSessionTTL.
	SessionTTL time.Duration
	// RequestTimeout bounds the service calls of one page; default 10s.
	RequestTimeout time.Duration
	// Logger receives failures the user cannot see; default slog.Default().
	Logger *slog.Logger
	// Now is the services' clock, for deadline countdowns; default time.Now.
	Now func() time.Time
}

// Console is the console's http.Handler.
type Console struct {
	cfg      Config
	log      *slog.Logger
	mux      *http.ServeMux
	sessions *sessionStore
	pages    map[string]*template.Template
	conns    []*grpc.ClientConn
	oidc     *oidcClient

	inspection inspectionv1.InspectionServiceClient
	peerreview peerreviewv1.PeerReviewServiceClient
	plans      improvementplanv1.ImprovementPlanServiceClient
	sponsor    sponsorv1.SponsorServiceClient
	oversight  oversightv1.OversightServiceClient

	namesMu       sync.Mutex
	names         map[string]string // GSS code -> display name
	councilsCache []*inspectionv1.LocalAuthority
	namesAt       time.Time
	now           func() time.Time
}

// New builds the console. It connects lazily: the services need not be up.
func New(ctx context.Context, cfg Config) (*Console, error) {
	if cfg.Upstream == "" {
		return nil, errors.New("console: upstream gRPC address is required")
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 10 * time.Second
	}
	c := &Console{cfg: cfg, log: cfg.Logger, sessions: newSessionStore(cfg.SessionTTL, time.Now)}
	if c.log == nil {
		c.log = slog.Default()
	}
	c.now = cfg.Now
	if c.now == nil {
		c.now = time.Now
	}
	pages, err := parseTemplates()
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	c.pages = pages
	if cfg.OIDC.Issuer != "" {
		if c.oidc, err = newOIDCClient(cfg.OIDC); err != nil {
			return nil, fmt.Errorf("console: %w", err)
		}
	}

	byAddr := map[string]*grpc.ClientConn{}
	conn := func(service string) (*grpc.ClientConn, error) {
		addr := cfg.Upstream
		if a := cfg.Upstreams[service]; a != "" {
			addr = a
		}
		if cc, ok := byAddr[addr]; ok {
			return cc, nil
		}
		cc, err := grpc.NewClient(addr, cfg.DialOptions...)
		if err != nil {
			return nil, fmt.Errorf("console: connect to %s: %w", addr, err)
		}
		byAddr[addr] = cc
		c.conns = append(c.conns, cc)
		return cc, nil
	}
	var cc *grpc.ClientConn
	if cc, err = conn(inspectionv1.InspectionService_ServiceDesc.ServiceName); err != nil {
		return nil, errors.Join(err, c.Close())
	}
	c.inspection = inspectionv1.NewInspectionServiceClient(cc)
	if cc, err = conn(peerreviewv1.PeerReviewService_ServiceDesc.ServiceName); err != nil {
		return nil, errors.Join(err, c.Close())
	}
	c.peerreview = peerreviewv1.NewPeerReviewServiceClient(cc)
	if cc, err = conn(improvementplanv1.ImprovementPlanService_ServiceDesc.ServiceName); err != nil {
		return nil, errors.Join(err, c.Close())
	}
	c.plans = improvementplanv1.NewImprovementPlanServiceClient(cc)
	if cc, err = conn(sponsorv1.SponsorService_ServiceDesc.ServiceName); err != nil {
		return nil, errors.Join(err, c.Close())
	}
	c.sponsor = sponsorv1.NewSponsorServiceClient(cc)
	if cc, err = conn(oversightv1.OversightService_ServiceDesc.ServiceName); err != nil {
		return nil, errors.Join(err, c.Close())
	}
	c.oversight = oversightv1.NewOversightServiceClient(cc)

	c.routes()
	return c, nil
}

// Close releases the upstream connections.
func (c *Console) Close() error {
	var errs []error
	for _, cc := range c.conns {
		errs = append(errs, cc.Close())
	}
	c.conns = nil
	return errors.Join(errs...)
}

// csp is the Content-Security-Policy of every console response: everything
// from the console's own origin, no inline script or style, no plugins, no
// framing, forms posting only back to the console.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// maxFormBytes caps a form body.
const maxFormBytes = 64 << 10

// ServeHTTP serves the console.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if r.TLS != nil {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	}
	c.mux.ServeHTTP(w, r)
}

// routes registers every page.
func (c *Console) routes() {
	m := http.NewServeMux()
	assets, _ := fs.Sub(assetFS, "assets")
	static := http.StripPrefix(BasePath+"/assets/", http.FileServer(http.FS(assets)))
	m.Handle("GET "+BasePath+"/assets/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		static.ServeHTTP(w, r)
	}))
	m.HandleFunc("GET "+BasePath, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, BasePath+"/", http.StatusMovedPermanently)
	})
	m.HandleFunc("GET "+BasePath+"/{$}", c.page(c.home))
	m.HandleFunc("GET "+BasePath+"/sign-in", c.signInPage)
	m.HandleFunc("POST "+BasePath+"/sign-in", c.signInDev)
	m.HandleFunc("GET "+BasePath+"/sign-in/oidc", c.signInOIDC)
	m.HandleFunc("GET "+BasePath+"/oidc/callback", c.oidcCallback)
	m.HandleFunc("POST "+BasePath+"/sign-out", c.signOut)

	m.HandleFunc("GET "+BasePath+"/overview", c.page(c.overview))
	m.HandleFunc("GET "+BasePath+"/councils", c.page(c.councils))
	m.HandleFunc("GET "+BasePath+"/councils/{gss}", c.page(c.council))

	m.HandleFunc("GET "+BasePath+"/plans", c.page(c.planList))
	m.HandleFunc("GET "+BasePath+"/localAuthorities/{gss}/improvementPlans/{id}", c.page(c.planPage))
	m.HandleFunc("POST "+BasePath+"/localAuthorities/{gss}/improvementPlans/{id}/{action}", c.page(c.planAction))
	plan := BasePath + "/localAuthorities/{gss}/improvementPlans/{id}/priorities/{pid}"
	m.HandleFunc("GET "+plan, c.page(c.priorityForm))
	m.HandleFunc("POST "+plan, c.page(c.savePriority))
	m.HandleFunc("POST "+plan+"/remove", c.page(c.removePriority))
	m.HandleFunc("GET "+plan+"/actions/{aid}", c.page(c.actionForm))
	m.HandleFunc("POST "+plan+"/actions/{aid}", c.page(c.saveAction))
	m.HandleFunc("POST "+plan+"/actions/{aid}/remove", c.page(c.removeAction))

	m.HandleFunc("GET "+BasePath+"/matching", c.page(c.matching))
	m.HandleFunc("POST "+BasePath+"/matching/runs", c.page(c.runMatching))
	m.HandleFunc("GET "+BasePath+"/matchRuns/{id}", c.page(c.matchRun))
	m.HandleFunc("POST "+BasePath+"/matchRuns/{id}/{action}", c.page(c.decideRun))
	m.HandleFunc("GET "+BasePath+"/matching/compare", c.page(c.compareRuns))

	m.HandleFunc("GET "+BasePath+"/engagements", c.page(c.engagements))
	m.HandleFunc("GET "+BasePath+"/sponsors/{sponsor}/engagements/{id}", c.page(c.engagement))
	m.HandleFunc("POST "+BasePath+"/sponsors/{sponsor}/engagements/{id}/deployments", c.page(c.recordDeployment))

	m.HandleFunc("GET "+BasePath+"/reviews", c.page(c.reviewPriorities))
	m.HandleFunc("GET "+BasePath+"/localAuthorities/{gss}/peerReviews/{id}", c.page(c.peerReview))
	m.HandleFunc("POST "+BasePath+"/localAuthorities/{gss}/peerReviews/{id}/{action}", c.page(c.peerReviewAction))

	m.HandleFunc(BasePath+"/", func(w http.ResponseWriter, r *http.Request) {
		c.renderStatus(w, r, nil, http.StatusNotFound)
	})
	c.mux = m
}

// handlerFunc is a page handler: it runs with a signed-in session and
// returns the page to render, or an error the console turns into a page.
type handlerFunc func(w http.ResponseWriter, r *http.Request, s *session) (*view, error)

// page wraps a page handler: it requires a signed-in session, checks the
// CSRF token of every POST, bounds the service calls, and renders the
// result or the error.
func (c *Console) page(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s := c.sessions.get(r)
		if s == nil || !s.signedIn() {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, BasePath+"/sign-in?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			c.renderStatus(w, r, s, http.StatusUnauthorized)
			return
		}
		if r.Method == http.MethodPost {
			if err := r.ParseForm(); err != nil {
				c.renderStatus(w, r, s, http.StatusBadRequest)
				return
			}
			if !s.validCSRF(r.PostForm.Get(csrfField)) {
				c.renderStatus(w, r, s, http.StatusForbidden)
				return
			}
		}
		ctx, cancel := context.WithTimeout(r.Context(), c.cfg.RequestTimeout)
		defer cancel()
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+s.token)
		v, err := h(w, r.WithContext(ctx), s)
		if err != nil {
			c.renderError(w, r, s, err)
			return
		}
		if v == nil { // the handler redirected
			return
		}
		c.render(w, r, s, http.StatusOK, v)
	}
}

// redirect answers a POST with 303 See Other to path, with an optional
// success message shown once on the next page.
func (c *Console) redirect(w http.ResponseWriter, r *http.Request, s *session, path, flash string) (*view, error) {
	if flash != "" {
		s.setFlash(flash)
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
	return nil, nil
}
