package egress_test

import (
	"context"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/partner/internal/egress"
)

func TestPublicRefusesEveryNonPublicRange(t *testing.T) {
	for _, s := range []string{
		"127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "100.64.0.1", "169.254.169.254", "169.254.1.1",
		"0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fd00:ec2::254", "fc00::1", "ff02::1",
		"::ffff:127.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe",
	} {
		if egress.Public(netip.MustParseAddr(s)) {
			t.Errorf("%s is public, want refused", s)
		}
	}
	for _, s := range []string{"8.8.8.8", "151.101.1.69", "2a00:1450:4009:81f::200e"} {
		if !egress.Public(netip.MustParseAddr(s)) {
			t.Errorf("%s is refused, want public", s)
		}
	}
}

// fakeResolver answers every name with addrs.
type fakeResolver []netip.Addr

func (f fakeResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	return f, nil
}

func TestCheckURL(t *testing.T) {
	g, err := egress.NewGuard(nil, fakeResolver{netip.MustParseAddr("93.184.216.34")})
	if err != nil {
		t.Fatal(err)
	}
	ok := []string{"https://partner.example/hooks", "https://93.184.216.34:8443/x"}
	for _, u := range ok {
		if _, err := g.CheckURL(context.Background(), u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	bad := map[string]string{
		"http://partner.example/hooks":       "https",
		"ftp://partner.example/":             "https",
		"partner.example/hooks":              "absolute",
		"https://u:p@partner.example/":       "user",
		"https://127.0.0.1/":                 "non-public",
		"https://[::1]/":                     "non-public",
		"https://169.254.169.254/latest":     "non-public",
		"https://[fd00:ec2::254]/":           "non-public",
		"https://partner.example/#fragment":  "fragment",
		"https://10.0.0.8/hooks":             "non-public",
		"https://100.100.100.100/hooks":      "non-public",
		"https://[::ffff:192.168.0.1]/hooks": "non-public",
	}
	for u, want := range bad {
		if _, err := g.CheckURL(context.Background(), u); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error about %s", u, err, want)
		}
	}
	// A name that resolves to a private address is refused too.
	private, _ := egress.NewGuard(nil, fakeResolver{netip.MustParseAddr("93.184.216.34"), netip.MustParseAddr("10.1.1.1")})
	if _, err := private.CheckURL(context.Background(), "https://mixed.example/"); !errors.Is(err, egress.ErrForbidden) {
		t.Errorf("a name with a private address: %v, want ErrForbidden", err)
	}
}

func TestAllowListLetsNamedHostsThrough(t *testing.T) {
	g, err := egress.NewGuard([]string{"127.0.0.1", "10.0.0.0/8", "Receiver.Test"}, fakeResolver{netip.MustParseAddr("192.168.0.1")})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"https://127.0.0.1:9443/", "https://10.2.3.4/", "https://receiver.test/"} {
		if _, err := g.CheckURL(context.Background(), u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	if _, err := g.CheckURL(context.Background(), "https://192.168.0.1/"); err == nil {
		t.Error("an address outside the allow-list passed")
	}
	if _, err := egress.NewGuard([]string{"10.0.0.0/99"}, nil); err == nil {
		t.Error("a malformed prefix was accepted")
	}
}

// TestTheDialerChecksTheAddressActuallyDialled is the DNS-rebinding case:
// the name passed the check when the URL was given (the resolver then
// said it was public), but the connection goes to loopback, which the
// dialer's Control hook refuses.
func TestTheDialerChecksTheAddressActuallyDialled(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	url := "https://localhost" + port + "/hooks"

	rebinding, _ := egress.NewGuard(nil, fakeResolver{netip.MustParseAddr("93.184.216.34")})
	if _, err := rebinding.CheckURL(context.Background(), url); err != nil {
		t.Fatalf("the name looked public when it was given: %v", err)
	}
	_, err := rebinding.Client(5*time.Second, pool).Post(url, "application/json", nil)
	if !errors.Is(err, egress.ErrForbidden) {
		t.Fatalf("dialling loopback through a guarded client: %v, want ErrForbidden", err)
	}
	// Allow-listed, the same receiver is reached.
	allowed, _ := egress.NewGuard([]string{"127.0.0.1"}, nil)
	resp, err := allowed.Client(5*time.Second, pool).Post(srv.URL+"/hooks", "application/json", nil)
	if err != nil {
		t.Fatalf("an allow-listed host: %v", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("status %d", resp.StatusCode)
	}
	// Redirects are not followed: a 3xx is the answer.
	redirect := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://169.254.169.254/latest/meta-data", http.StatusFound)
	}))
	defer redirect.Close()
	pool.AddCert(redirect.Certificate())
	loop, _ := egress.NewGuard([]string{"127.0.0.1"}, nil)
	resp, err = loop.Client(5*time.Second, pool).Post(redirect.URL, "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("status %d, want the redirect itself", resp.StatusCode)
	}
}
