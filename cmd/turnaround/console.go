package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"strings"
	"time"

	"google.golang.org/grpc"

	"github.com/turnaround-sli/turnaround/console"
)

// consoleConfig configures the staff console served at /console beside the
// REST gateway.
type consoleConfig struct {
	// OIDC sign-in for production; without an issuer only the embedded
	// mode's development sign-in exists.
	OIDCIssuer, OIDCClientID, OIDCClientSecret, OIDCRedirectURL string
	// SessionTTL is how long a sign-in lasts.
	SessionTTL time.Duration
}

func registerConsole(fs *flag.FlagSet, c *consoleConfig) {
	fs.StringVar(&c.OIDCIssuer, "oidc-issuer", env("TURNAROUND_OIDC_ISSUER", ""), "console: OpenID Connect issuer URL for staff sign-in (authorization code flow with PKCE)")
	fs.StringVar(&c.OIDCClientID, "oidc-client-id", env("TURNAROUND_OIDC_CLIENT_ID", ""), "console: OpenID Connect client id")
	fs.StringVar(&c.OIDCClientSecret, "oidc-client-secret", env("TURNAROUND_OIDC_CLIENT_SECRET", ""), "console: OpenID Connect client secret (empty for a public client)")
	fs.StringVar(&c.OIDCRedirectURL, "oidc-redirect-url", env("TURNAROUND_OIDC_REDIRECT_URL", ""), "console: the callback registered with the provider, https://HOST/console/oidc/callback")
	fs.DurationVar(&c.SessionTTL, "console-session-ttl", envDuration("TURNAROUND_CONSOLE_SESSION_TTL", console.DefaultSessionTTL), "console: how long a sign-in lasts")
}

// withConsole serves the console under /console/ beside the gateway, on
// the same listener. The console calls the services over its own gRPC
// connections with the signed-in user's token; it holds no privileges.
func (p *process) withConsole(ctx context.Context, gw http.Handler, upstreams map[string]string, dial []grpc.DialOption) (http.Handler, error) {
	cc := p.cfg.Console
	c, err := console.New(ctx, console.Config{
		Upstream:    upstreams[components[0].service],
		Upstreams:   upstreams,
		DialOptions: dial,
		DevKey:      p.devKey,
		OIDC: console.OIDCConfig{
			Issuer: cc.OIDCIssuer, ClientID: cc.OIDCClientID, ClientSecret: cc.OIDCClientSecret, RedirectURL: cc.OIDCRedirectURL,
		},
		SessionTTL: cc.SessionTTL,
		Logger:     p.log,
		Now:        p.now,
	})
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	p.closers = append(p.closers, c.Close)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == console.BasePath || strings.HasPrefix(r.URL.Path, console.BasePath+"/") {
			c.ServeHTTP(w, r)
			return
		}
		gw.ServeHTTP(w, r)
	}), nil
}
