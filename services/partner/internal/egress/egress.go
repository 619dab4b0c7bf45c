// Package egress guards the requests the suite makes to addresses its
// callers choose (webhook endpoints) against server-side request forgery:
// a URL must be https and its host must resolve only to public addresses,
// never loopback, private, link-local, CGNAT, multicast, unspecified,
// reserved or cloud-metadata ones. The check runs when a URL is given, and
// again on every connection through the dialer's Control hook, against the
// very address being dialled, so a name that later resolves elsewhere (DNS
// rebinding) is refused too.
//
// An operator allow-list names hosts (names, addresses or CIDR prefixes)
// that may be reached even so: the tests use it for receivers on loopback.
package egress

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"syscall"
	"time"
)

// ErrForbidden marks a destination the guard refuses.
var ErrForbidden = errors.New("egress: destination not allowed")

// blocked are the address ranges no webhook may reach.
var blocked = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",       // this network, unspecified
		"10.0.0.0/8",      // private
		"100.64.0.0/10",   // CGNAT
		"127.0.0.0/8",     // loopback
		"169.254.0.0/16",  // link-local, including 169.254.169.254 (cloud metadata)
		"172.16.0.0/12",   // private
		"192.0.0.0/24",    // IETF protocol assignments
		"192.0.2.0/24",    // documentation
		"192.88.99.0/24",  // 6to4 relay
		"192.168.0.0/16",  // private
		"198.18.0.0/15",   // benchmarking
		"198.51.100.0/24", // documentation
		"203.0.113.0/24",  // documentation
		"224.0.0.0/4",     // multicast
		"240.0.0.0/4",     // reserved, broadcast
		"::/128",          // unspecified
		"::1/128",         // loopback
		"::ffff:0:0/96",   // IPv4-mapped (checked as IPv4 too)
		"64:ff9b::/96",    // NAT64
		"100::/64",        // discard
		"2001:db8::/32",   // documentation
		"fc00::/7",        // unique local, including fd00:ec2::254 (cloud metadata)
		"fe80::/10",       // link-local
		"ff00::/8",        // multicast
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// Public reports whether ip may be reached: it is in none of the blocked
// ranges, as itself or as the IPv4 address it maps.
func Public(ip netip.Addr) bool {
	if !ip.IsValid() {
		return false
	}
	ip = ip.Unmap()
	for _, p := range blocked {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// Resolver looks names up; net.DefaultResolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Guard checks destinations.
type Guard struct {
	allowNames    []string
	allowPrefixes []netip.Prefix
	resolver      Resolver
}

// NewGuard returns a guard that lets through the hosts of allow (host
// names, case-insensitive; IP addresses; or CIDR prefixes) whatever they
// resolve to. resolver nil means net.DefaultResolver.
func NewGuard(allow []string, resolver Resolver) (*Guard, error) {
	g := &Guard{resolver: resolver}
	if g.resolver == nil {
		g.resolver = net.DefaultResolver
	}
	for _, a := range allow {
		a = strings.TrimSpace(a)
		switch {
		case a == "":
		case strings.Contains(a, "/"):
			p, err := netip.ParsePrefix(a)
			if err != nil {
				return nil, fmt.Errorf("egress: allow-list entry %q: %w", a, err)
			}
			g.allowPrefixes = append(g.allowPrefixes, p.Masked())
		default:
			if ip, err := netip.ParseAddr(strings.Trim(a, "[]")); err == nil {
				g.allowPrefixes = append(g.allowPrefixes, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
				continue
			}
			g.allowNames = append(g.allowNames, strings.ToLower(strings.TrimSuffix(a, ".")))
		}
	}
	return g, nil
}

func (g *Guard) allowedName(host string) bool {
	return slices.Contains(g.allowNames, strings.ToLower(strings.TrimSuffix(host, ".")))
}

// Allowed reports whether ip may be dialled: it is public or allow-listed.
func (g *Guard) Allowed(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, p := range g.allowPrefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return Public(ip)
}

// CheckURL parses raw and refuses it unless it is an absolute https URL
// without user information whose host is allow-listed or resolves only to
// addresses that may be dialled. The error describes the problem for the
// caller and wraps ErrForbidden for a refused destination.
func (g *Guard) CheckURL(ctx context.Context, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return nil, errors.New("must be an absolute https URL, such as https://partner.example/hooks/turnaround")
	}
	if u.Scheme != "https" {
		return nil, fmt.Errorf("must use https, not %q", u.Scheme)
	}
	if u.User != nil {
		return nil, errors.New("must not carry a user name or password")
	}
	if u.Fragment != "" {
		return nil, errors.New("must not have a fragment")
	}
	host := u.Hostname()
	if g.allowedName(host) {
		return u, nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if !g.Allowed(ip) {
			return nil, fmt.Errorf("%w: %s is a loopback, private, link-local, metadata or otherwise non-public address", ErrForbidden, ip)
		}
		return u, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	ips, err := g.resolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(ips) == 0 {
		return nil, fmt.Errorf("host %q does not resolve", host)
	}
	for _, ip := range ips {
		if !g.Allowed(ip) {
			return nil, fmt.Errorf("%w: host %q resolves to %s, a loopback, private, link-local, metadata or otherwise non-public address", ErrForbidden, host, ip)
		}
	}
	return u, nil
}

// control is the dialer's Control hook: it refuses a connection to an
// address that may not be dialled, whatever name led to it.
func (g *Guard) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot read the address %q", ErrForbidden, address)
	}
	if !g.Allowed(ap.Addr()) {
		return fmt.Errorf("%w: %s is a loopback, private, link-local, metadata or otherwise non-public address", ErrForbidden, ap.Addr())
	}
	return nil
}

// Client returns an HTTP client whose every connection passes the guard:
// allow-listed host names are dialled as they are, and any other host only
// at addresses the guard allows, checked on the address actually dialled.
// It follows no redirects and uses no proxy. roots, when not nil, are the
// certificate authorities it trusts instead of the system's.
func (g *Guard) Client(timeout time.Duration, roots *x509.CertPool) *http.Client {
	guarded := &net.Dialer{Timeout: 10 * time.Second, Control: g.control}
	open := &net.Dialer{Timeout: 10 * time.Second}
	tr := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, err := net.SplitHostPort(addr)
			if err == nil && g.allowedName(host) {
				return open.DialContext(ctx, network, addr)
			}
			return guarded.DialContext(ctx, network, addr)
		},
		TLSClientConfig:       &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
