package auth

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

// TestVerifyJWKSFile runs every way a token can fail, and the ways it can
// pass, against an RS256 key set read from a file with issuer and audience
// checks on.
func TestVerifyJWKSFile(t *testing.T) {
	rsaKey, otherRSA := newRSAKey(t), newRSAKey(t)
	ecKey := newECKey(t)
	path := writeJWKS(t, rsaJWK("rsa-1", &rsaKey.PublicKey), ecJWK(t, "ec-1", &ecKey.PublicKey))
	v, err := NewVerifier(Config{JWKSFile: path, Issuer: testIssuer, Audience: testAudience, Now: fixedClock})
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}

	rs := func(edits map[string]any) string {
		return sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-1", claims(edits))
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: mustPKIX(t, &rsaKey.PublicKey)})
	valid := rs(nil)
	parts := strings.Split(valid, ".")
	tampered := parts[0] + "." + b64([]byte(`{"sub":"user-1","roles":["ofsted_inspector"],"iss":"`+testIssuer+
		`","aud":"`+testAudience+`","exp":`+itoa(testNow.Add(time.Hour).Unix())+`}`)) + "." + parts[2]
	noneTok := sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "rsa-1", claims(nil))
	devKey := []byte("0123456789abcdef0123456789abcdef")

	tests := []verifyCase{
		{name: "valid RS256", token: valid, want: Principal{Subject: "user-1", Roles: []Role{RoleDfEOfficial}}},
		{name: "ES256 from same set", token: sign(t, jwt.SigningMethodES256, ecKey, "ec-1", claims(nil)),
			want: Principal{Subject: "user-1", Roles: []Role{RoleDfEOfficial}}},
		{name: "audience in array", token: rs(map[string]any{"aud": []string{"other", testAudience}}),
			want: Principal{Subject: "user-1", Roles: []Role{RoleDfEOfficial}}},
		{name: "expired within leeway", token: rs(map[string]any{"exp": testNow.Add(-20 * time.Second).Unix()}),
			want: Principal{Subject: "user-1", Roles: []Role{RoleDfEOfficial}}},
		{name: "nbf within leeway", token: rs(map[string]any{"nbf": testNow.Add(20 * time.Second).Unix()}),
			want: Principal{Subject: "user-1", Roles: []Role{RoleDfEOfficial}}},
		{name: "duplicate roles collapse", token: rs(map[string]any{"roles": []string{"lga_adviser", "lga_adviser", "dfe_official"}}),
			want: Principal{Subject: "user-1", Roles: []Role{RoleLGAAdviser, RoleDfEOfficial}}},
		{name: "council officer with authority", token: rs(map[string]any{"roles": []string{"council_officer"}, "authority": "E08000035"}),
			want: Principal{Subject: "user-1", Roles: []Role{RoleCouncilOfficer}, Authority: "E08000035"}},
		{name: "sponsor officer with sponsor", token: rs(map[string]any{"roles": []string{"sponsor_officer"}, "sponsor": "trust-42"}),
			want: Principal{Subject: "user-1", Roles: []Role{RoleSponsorOfficer}, Sponsor: "trust-42"}},

		{name: "empty", token: "", kind: fault.KindUnauthenticated, reason: ReasonTokenMissing},
		{name: "not a JWT", token: "hello", kind: fault.KindUnauthenticated, reason: ReasonTokenMalformed},
		{name: "bad base64", token: "a.b.c", kind: fault.KindUnauthenticated, reason: ReasonTokenMalformed},
		{name: "too long", token: strings.Repeat("a", maxTokenBytes+1), kind: fault.KindUnauthenticated, reason: ReasonTokenMalformed},
		{name: "roles not an array", token: rs(map[string]any{"roles": "dfe_official"}), kind: fault.KindUnauthenticated, reason: ReasonTokenMalformed},
		{name: "alg none", token: noneTok, kind: fault.KindUnauthenticated, reason: ReasonTokenInvalid},
		{name: "HS256 keyed with the RSA public key", token: sign(t, jwt.SigningMethodHS256, pubPEM, "rsa-1", claims(nil)),
			kind: fault.KindUnauthenticated, reason: ReasonTokenInvalid},
		{name: "HS256 dev token", token: sign(t, jwt.SigningMethodHS256, devKey, "", claims(map[string]any{"iss": DevIssuer})),
			kind: fault.KindUnauthenticated, reason: ReasonTokenInvalid},
		{name: "ES256 naming the RSA kid", token: sign(t, jwt.SigningMethodES256, ecKey, "rsa-1", claims(nil)),
			kind: fault.KindUnauthenticated, reason: ReasonTokenInvalid},
		{name: "RS256 naming the EC kid", token: sign(t, jwt.SigningMethodRS256, rsaKey, "ec-1", claims(nil)),
			kind: fault.KindUnauthenticated, reason: ReasonTokenInvalid},
		{name: "RS384 refused", token: sign(t, jwt.SigningMethodRS384, rsaKey, "rsa-1", claims(nil)),
			kind: fault.KindUnauthenticated, reason: ReasonTokenInvalid},
		{name: "signed by another key", token: sign(t, jwt.SigningMethodRS256, otherRSA, "rsa-1", claims(nil)),
			kind: fault.KindUnauthenticated, reason: ReasonTokenInvalid},
		{name: "payload tampered", token: tampered, kind: fault.KindUnauthenticated, reason: ReasonTokenInvalid},
		{name: "unknown kid", token: sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-9", claims(nil)),
			kind: fault.KindUnauthenticated, reason: ReasonTokenInvalid},
		{name: "kid not a string", token: signWithHeader(t, rsaKey, map[string]any{"kid": 7}),
			kind: fault.KindUnauthenticated, reason: ReasonTokenInvalid},
		{name: "expired", token: rs(map[string]any{"exp": testNow.Add(-31 * time.Second).Unix()}),
			kind: fault.KindUnauthenticated, reason: ReasonTokenExpired},
		{name: "not yet valid", token: rs(map[string]any{"nbf": testNow.Add(31 * time.Second).Unix()}),
			kind: fault.KindUnauthenticated, reason: ReasonTokenNotYetValid},
		{name: "issued in the future", token: rs(map[string]any{"iat": testNow.Add(time.Minute).Unix()}),
			kind: fault.KindUnauthenticated, reason: ReasonTokenNotYetValid},
		{name: "no exp", token: rs(map[string]any{"exp": nil}), kind: fault.KindUnauthenticated, reason: ReasonTokenClaimsInvalid},
		{name: "wrong issuer", token: rs(map[string]any{"iss": "https://evil.test"}), kind: fault.KindUnauthenticated, reason: ReasonTokenInvalid},
		{name: "no issuer", token: rs(map[string]any{"iss": nil}), kind: fault.KindUnauthenticated, reason: ReasonTokenClaimsInvalid},
		{name: "wrong audience", token: rs(map[string]any{"aud": "other-api"}), kind: fault.KindUnauthenticated, reason: ReasonTokenInvalid},
		{name: "no audience", token: rs(map[string]any{"aud": nil}), kind: fault.KindUnauthenticated, reason: ReasonTokenClaimsInvalid},
		{name: "no subject", token: rs(map[string]any{"sub": nil}), kind: fault.KindUnauthenticated, reason: ReasonTokenClaimsInvalid},
		{name: "no roles", token: rs(map[string]any{"roles": nil}), kind: fault.KindUnauthenticated, reason: ReasonTokenClaimsInvalid},
		{name: "empty roles", token: rs(map[string]any{"roles": []string{}}), kind: fault.KindUnauthenticated, reason: ReasonTokenClaimsInvalid},
		{name: "unknown role", token: rs(map[string]any{"roles": []string{"dfe_official", "admin"}}),
			kind: fault.KindUnauthenticated, reason: ReasonTokenClaimsInvalid},
		{name: "council officer without authority", token: rs(map[string]any{"roles": []string{"council_officer"}}),
			kind: fault.KindUnauthenticated, reason: ReasonTokenClaimsInvalid},
		{name: "council officer with short GSS code", token: rs(map[string]any{"roles": []string{"council_officer"}, "authority": "E0800003"}),
			kind: fault.KindUnauthenticated, reason: ReasonTokenClaimsInvalid},
		{name: "council officer with Welsh code", token: rs(map[string]any{"roles": []string{"council_officer"}, "authority": "W06000001"}),
			kind: fault.KindUnauthenticated, reason: ReasonTokenClaimsInvalid},
		{name: "sponsor officer without sponsor", token: rs(map[string]any{"roles": []string{"sponsor_officer"}}),
			kind: fault.KindUnauthenticated, reason: ReasonTokenClaimsInvalid},
		{name: "sponsor id with a separator", token: rs(map[string]any{"roles": []string{"sponsor_officer"}, "sponsor": "a/b"}),
			kind: fault.KindUnauthenticated, reason: ReasonTokenClaimsInvalid},
		{name: "valid for a century", token: rs(map[string]any{"exp": testNow.Add(100 * 365 * 24 * time.Hour).Unix()}),
			kind: fault.KindUnauthenticated, reason: ReasonTokenLifetime},
		{name: "valid for 25 hours from iat", token: rs(map[string]any{"iat": testNow.Add(-time.Hour).Unix(), "exp": testNow.Add(24 * time.Hour).Unix()}),
			kind: fault.KindUnauthenticated, reason: ReasonTokenLifetime},
		{name: "valid for 24 hours from iat", token: rs(map[string]any{"iat": testNow.Add(-time.Hour).Unix(), "exp": testNow.Add(23 * time.Hour).Unix()}),
			want: Principal{Subject: "user-1", Roles: []Role{RoleDfEOfficial}}},
		{name: "no iat, expiring within the lifetime", token: rs(map[string]any{"iat": nil, "exp": testNow.Add(23 * time.Hour).Unix()}),
			want: Principal{Subject: "user-1", Roles: []Role{RoleDfEOfficial}}},
		{name: "no iat, expiring beyond the lifetime", token: rs(map[string]any{"iat": nil, "exp": testNow.Add(25 * time.Hour).Unix()}),
			kind: fault.KindUnauthenticated, reason: ReasonTokenLifetime},
	}
	runVerifyCases(t, v, tests)
}

// verifyCase is a token and what Verify makes of it: the fault of kind
// and reason when reason is set, else the principal want.
type verifyCase struct {
	name   string
	token  string
	kind   fault.Kind
	reason string
	want   Principal
}

func runVerifyCases(t *testing.T, v *Verifier, tests []verifyCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := v.Verify(context.Background(), tc.token)
			if tc.reason != "" {
				wantFault(t, err, tc.kind, tc.reason)
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !equalPrincipal(p, tc.want) {
				t.Fatalf("got %+v, want %+v", p, tc.want)
			}
		})
	}
}

// TestVerifyRefusesDevIssuer covers a production verifier with no issuer
// check: the reserved development issuer is still refused whatever the
// signature.
func TestVerifyRefusesDevIssuer(t *testing.T) {
	key := newECKey(t)
	v, err := NewVerifier(Config{JWKSFile: writeJWKS(t, ecJWK(t, "ec-1", &key.PublicKey)), Now: fixedClock})
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	ok := sign(t, jwt.SigningMethodES256, key, "ec-1", claims(map[string]any{"iss": "someone"}))
	if _, err := v.Verify(context.Background(), ok); err != nil {
		t.Fatalf("control token refused: %v", err)
	}
	dev := sign(t, jwt.SigningMethodES256, key, "ec-1", claims(map[string]any{"iss": DevIssuer}))
	_, err = v.Verify(context.Background(), dev)
	wantFault(t, err, fault.KindUnauthenticated, ReasonTokenInvalid)
}

func TestVerifyDevKey(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	otherKey := []byte("fedcba9876543210fedcba9876543210")
	v, err := NewVerifier(Config{DevKey: key})
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	council := Principal{Subject: "officer-7", Roles: []Role{RoleCouncilOfficer}, Authority: "E08000035"}
	minted, err := MintDevToken(key, council, time.Hour)
	if err != nil {
		t.Fatalf("MintDevToken: %v", err)
	}
	mintedOther, err := MintDevToken(otherKey, council, time.Hour)
	if err != nil {
		t.Fatalf("MintDevToken: %v", err)
	}
	rsaKey := newRSAKey(t)
	now := time.Now()
	devClaims := func(edits map[string]any) jwt.MapClaims {
		c := claims(edits)
		c["iss"], c["iat"], c["nbf"], c["exp"] = DevIssuer, now.Unix(), now.Unix(), now.Add(time.Hour).Unix()
		delete(c, "aud")
		for k, val := range edits {
			if val == nil {
				delete(c, k)
			} else {
				c[k] = val
			}
		}
		return c
	}

	tests := []verifyCase{
		{name: "minted token", token: minted, want: council},
		{name: "hand-signed HS256", token: sign(t, jwt.SigningMethodHS256, key, "", devClaims(nil)),
			want: Principal{Subject: "user-1", Roles: []Role{RoleDfEOfficial}}},
		{name: "other dev key", token: mintedOther, kind: fault.KindUnauthenticated, reason: ReasonTokenInvalid},
		{name: "RS256 refused", token: sign(t, jwt.SigningMethodRS256, rsaKey, "", devClaims(nil)), kind: fault.KindUnauthenticated, reason: ReasonTokenInvalid},
		{name: "HS512 refused", token: sign(t, jwt.SigningMethodHS512, key, "", devClaims(nil)), kind: fault.KindUnauthenticated, reason: ReasonTokenInvalid},
		{name: "alg none", token: sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "", devClaims(nil)), kind: fault.KindUnauthenticated, reason: ReasonTokenInvalid},
		{name: "other issuer", token: sign(t, jwt.SigningMethodHS256, key, "", devClaims(map[string]any{"iss": testIssuer})), kind: fault.KindUnauthenticated, reason: ReasonTokenInvalid},
		{name: "expired", token: sign(t, jwt.SigningMethodHS256, key, "", devClaims(map[string]any{"exp": now.Add(-time.Minute).Unix()})),
			kind: fault.KindUnauthenticated, reason: ReasonTokenExpired},
	}
	runVerifyCases(t, v, tests)
}

// jwksServer serves a swappable JWKS and counts fetches.
type jwksServer struct {
	*httptest.Server
	mu      sync.Mutex
	body    []byte
	status  int
	fetches atomic.Int32
}

func newJWKSServer(t *testing.T, body []byte) *jwksServer {
	s := &jwksServer{body: body, status: http.StatusOK}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		s.mu.Lock()
		body, status := s.body, s.status
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/jwk-set+json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) set(status int, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.body = status, body
}

func TestVerifyJWKSURL(t *testing.T) {
	k1, k2 := newECKey(t), newECKey(t)
	tok1 := sign(t, jwt.SigningMethodES256, k1, "ec-1", claims(nil))
	tok2 := sign(t, jwt.SigningMethodES256, k2, "ec-2", claims(nil))
	ctx := context.Background()

	t.Run("ES256 success and caching", func(t *testing.T) {
		srv := newJWKSServer(t, jwksJSON(t, ecJWK(t, "ec-1", &k1.PublicKey)))
		v := mustVerifier(t, Config{JWKSURL: srv.URL, Issuer: testIssuer, Audience: testAudience, Now: fixedClock})
		for range 3 {
			if _, err := v.Verify(ctx, tok1); err != nil {
				t.Fatalf("Verify: %v", err)
			}
		}
		if n := srv.fetches.Load(); n != 1 {
			t.Fatalf("fetched the JWKS %d times, want once", n)
		}
	})

	t.Run("token without kid against a single key", func(t *testing.T) {
		srv := newJWKSServer(t, jwksJSON(t, ecJWK(t, "ec-1", &k1.PublicKey)))
		v := mustVerifier(t, Config{JWKSURL: srv.URL, Now: fixedClock})
		if _, err := v.Verify(ctx, sign(t, jwt.SigningMethodES256, k1, "", claims(nil))); err != nil {
			t.Fatalf("Verify: %v", err)
		}
	})

	t.Run("kid rotation refreshes", func(t *testing.T) {
		srv := newJWKSServer(t, jwksJSON(t, ecJWK(t, "ec-1", &k1.PublicKey)))
		v := mustVerifier(t, Config{JWKSURL: srv.URL, Now: fixedClock, MinRefreshInterval: time.Nanosecond})
		if _, err := v.Verify(ctx, tok1); err != nil {
			t.Fatalf("Verify before rotation: %v", err)
		}
		srv.set(http.StatusOK, jwksJSON(t, ecJWK(t, "ec-2", &k2.PublicKey)))
		if _, err := v.Verify(ctx, tok2); err != nil {
			t.Fatalf("Verify with rotated key: %v", err)
		}
		if n := srv.fetches.Load(); n != 2 {
			t.Fatalf("fetched the JWKS %d times, want 2", n)
		}
	})

	t.Run("refresh is rate-limited", func(t *testing.T) {
		srv := newJWKSServer(t, jwksJSON(t, ecJWK(t, "ec-1", &k1.PublicKey)))
		v := mustVerifier(t, Config{JWKSURL: srv.URL, Now: fixedClock, MinRefreshInterval: time.Hour})
		if _, err := v.Verify(ctx, tok1); err != nil {
			t.Fatalf("Verify: %v", err)
		}
		srv.set(http.StatusOK, jwksJSON(t, ecJWK(t, "ec-2", &k2.PublicKey)))
		for i := range 5 {
			forged := sign(t, jwt.SigningMethodES256, k2, "made-up-"+itoa(int64(i)), claims(nil))
			_, err := v.Verify(ctx, forged)
			wantFault(t, err, fault.KindUnauthenticated, ReasonTokenInvalid)
		}
		if n := srv.fetches.Load(); n != 1 {
			t.Fatalf("fetched the JWKS %d times, want once", n)
		}
		if err := v.Refresh(ctx); err != nil {
			t.Fatalf("Refresh: %v", err)
		}
		if _, err := v.Verify(ctx, tok2); err != nil {
			t.Fatalf("Verify after forced refresh: %v", err)
		}
	})

	t.Run("old key set expires so removed keys stop working", func(t *testing.T) {
		srv := newJWKSServer(t, jwksJSON(t, ecJWK(t, "ec-1", &k1.PublicKey)))
		v := mustVerifier(t, Config{JWKSURL: srv.URL, Now: fixedClock, MinRefreshInterval: time.Nanosecond, MaxKeyAge: time.Nanosecond})
		if _, err := v.Verify(ctx, tok1); err != nil {
			t.Fatalf("Verify: %v", err)
		}
		srv.set(http.StatusOK, jwksJSON(t, ecJWK(t, "ec-2", &k2.PublicKey)))
		_, err := v.Verify(ctx, tok1)
		wantFault(t, err, fault.KindUnauthenticated, ReasonTokenInvalid)
	})

	t.Run("failed refresh keeps the cached keys", func(t *testing.T) {
		srv := newJWKSServer(t, jwksJSON(t, ecJWK(t, "ec-1", &k1.PublicKey)))
		v := mustVerifier(t, Config{JWKSURL: srv.URL, Now: fixedClock, MinRefreshInterval: time.Nanosecond, MaxKeyAge: time.Nanosecond})
		if _, err := v.Verify(ctx, tok1); err != nil {
			t.Fatalf("Verify: %v", err)
		}
		srv.set(http.StatusServiceUnavailable, []byte("down"))
		if _, err := v.Verify(ctx, tok1); err != nil {
			t.Fatalf("Verify during identity provider outage: %v", err)
		}
		if n := srv.fetches.Load(); n < 2 {
			t.Fatalf("fetched the JWKS %d times, want a refresh attempt", n)
		}
	})

	for _, tc := range []struct {
		name   string
		status int
		body   []byte
	}{
		{name: "HTTP error", status: http.StatusInternalServerError, body: []byte("oops")},
		{name: "not JSON", status: http.StatusOK, body: []byte("<html>")},
		{name: "no usable keys", status: http.StatusOK, body: []byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`)},
		{name: "too large", status: http.StatusOK, body: []byte(`{"keys":[],"pad":"` + strings.Repeat("x", maxJWKSBytes) + `"}`)},
	} {
		t.Run("unavailable: "+tc.name, func(t *testing.T) {
			srv := newJWKSServer(t, nil)
			srv.set(tc.status, tc.body)
			v := mustVerifier(t, Config{JWKSURL: srv.URL, Now: fixedClock})
			_, err := v.Verify(ctx, tok1)
			wantFault(t, err, fault.KindUnavailable, ReasonKeysUnavailable)
			if err := v.Refresh(ctx); err == nil {
				t.Fatal("Refresh succeeded against a broken JWKS")
			}
		})
	}

	t.Run("fetch timeout", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}))
		t.Cleanup(srv.Close)
		t.Cleanup(func() { close(release) })
		v := mustVerifier(t, Config{JWKSURL: srv.URL, Now: fixedClock, FetchTimeout: 50 * time.Millisecond})
		_, err := v.Verify(ctx, tok1)
		wantFault(t, err, fault.KindUnavailable, ReasonKeysUnavailable)
	})
}

// TestVerifyJWKSFileRotation checks that a key file replaced in place (a
// rotated Kubernetes secret) is re-read when a token names a new kid.
func TestVerifyJWKSFileRotation(t *testing.T) {
	k1, k2 := newECKey(t), newECKey(t)
	path := writeJWKS(t, ecJWK(t, "ec-1", &k1.PublicKey))
	v := mustVerifier(t, Config{JWKSFile: path, Now: fixedClock, MinRefreshInterval: time.Nanosecond})
	tok2 := sign(t, jwt.SigningMethodES256, k2, "ec-2", claims(nil))
	_, err := v.Verify(context.Background(), tok2)
	wantFault(t, err, fault.KindUnauthenticated, ReasonTokenInvalid)
	if err := os.WriteFile(path, jwksJSON(t, ecJWK(t, "ec-1", &k1.PublicKey), ecJWK(t, "ec-2", &k2.PublicKey)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), tok2); err != nil {
		t.Fatalf("Verify after file rotation: %v", err)
	}
}

func TestVerifyConcurrent(t *testing.T) {
	k := newECKey(t)
	srv := newJWKSServer(t, jwksJSON(t, ecJWK(t, "ec-1", &k.PublicKey)))
	v := mustVerifier(t, Config{JWKSURL: srv.URL, Now: fixedClock, MinRefreshInterval: time.Nanosecond})
	good := sign(t, jwt.SigningMethodES256, k, "ec-1", claims(nil))
	unknown := sign(t, jwt.SigningMethodES256, k, "ec-9", claims(nil))
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 32 {
		wg.Go(func() {
			tok := good
			if i%2 == 1 {
				tok = unknown
			}
			_, err := v.Verify(context.Background(), tok)
			if (err == nil) != (tok == good) {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("unexpected result: %v", err)
	}
}

func TestNewVerifierConfig(t *testing.T) {
	k := newECKey(t)
	good := writeJWKS(t, ecJWK(t, "ec-1", &k.PublicKey))
	devKey := make([]byte, 32)
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{name: "file", cfg: Config{JWKSFile: good}, ok: true},
		{name: "url", cfg: Config{JWKSURL: "http://127.0.0.1:1/jwks"}, ok: true},
		{name: "dev", cfg: Config{DevKey: devKey}, ok: true},
		{name: "dev with dev issuer", cfg: Config{DevKey: devKey, Issuer: DevIssuer}, ok: true},
		{name: "no source", cfg: Config{}},
		{name: "two sources", cfg: Config{JWKSFile: good, DevKey: devKey}},
		{name: "missing file", cfg: Config{JWKSFile: good + ".missing"}},
		{name: "short dev key", cfg: Config{DevKey: devKey[:16]}},
		{name: "dev with other issuer", cfg: Config{DevKey: devKey, Issuer: testIssuer}},
		{name: "dev with audience", cfg: Config{DevKey: devKey, Audience: testAudience}},
		{name: "production with dev issuer", cfg: Config{JWKSFile: good, Issuer: DevIssuer}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewVerifier(tc.cfg)
			if (err == nil) != tc.ok {
				t.Fatalf("NewVerifier error = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func mustVerifier(t *testing.T, cfg Config) *Verifier {
	t.Helper()
	v, err := NewVerifier(cfg)
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	return v
}

func mustPKIX(t *testing.T, pub any) []byte {
	t.Helper()
	b, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatalf("marshal public key: %v", err)
	}
	return b
}

// signWithHeader signs valid RS256 claims with extra header fields.
func signWithHeader(t *testing.T, key any, header map[string]any) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims(nil))
	for k, v := range header {
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return s
}

func equalPrincipal(a, b Principal) bool {
	return a.Subject == b.Subject && a.Authority == b.Authority && a.Sponsor == b.Sponsor && slices.Equal(a.Roles, b.Roles)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestVerifiedTokensAreRemembered shows the verdict cache: a token verified
// once is accepted again without its key (for at most verifiedTTL), while a
// token differing in any byte is verified afresh.
func TestVerifiedTokensAreRemembered(t *testing.T) {
	ctx := context.Background()
	k1, k2 := newECKey(t), newECKey(t)
	tok := sign(t, jwt.SigningMethodES256, k1, "ec-1", claims(nil))
	srv := newJWKSServer(t, jwksJSON(t, ecJWK(t, "ec-1", &k1.PublicKey)))
	v := mustVerifier(t, Config{JWKSURL: srv.URL, Now: fixedClock, MinRefreshInterval: time.Nanosecond})
	first, err := v.Verify(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	// The identity provider now serves only another key: the remembered
	// verdict still stands, the same token's tampered twin does not.
	srv.set(http.StatusOK, jwksJSON(t, ecJWK(t, "ec-2", &k2.PublicKey)))
	again, err := v.Verify(ctx, tok)
	if err != nil || again.Subject != first.Subject {
		t.Fatalf("remembered token = %+v, %v", again, err)
	}
	tampered := tok[:len(tok)-2] + "AA"
	if tampered == tok {
		tampered = tok[:len(tok)-2] + "BB"
	}
	_, err = v.Verify(ctx, tampered)
	wantFault(t, err, fault.KindUnauthenticated, ReasonTokenInvalid)
}

// TestMaxLifetimeConfigurable: the maximum token lifetime can be shortened,
// or turned off with a negative value.
func TestMaxLifetimeConfigurable(t *testing.T) {
	rsaKey := newRSAKey(t)
	path := writeJWKS(t, rsaJWK("rsa-1", &rsaKey.PublicKey))
	twoHours := sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-1", claims(map[string]any{"exp": testNow.Add(2 * time.Hour).Unix()}))
	century := sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-1", claims(map[string]any{"exp": testNow.Add(100 * 365 * 24 * time.Hour).Unix()}))
	for _, tc := range []struct {
		max    time.Duration
		token  string
		reject bool
	}{
		{time.Hour, twoHours, true},
		{3 * time.Hour, twoHours, false},
		{0, century, true},
		{-1, century, false},
	} {
		v, err := NewVerifier(Config{JWKSFile: path, Issuer: testIssuer, Audience: testAudience, Now: fixedClock, MaxLifetime: tc.max})
		if err != nil {
			t.Fatal(err)
		}
		_, err = v.Verify(context.Background(), tc.token)
		if tc.reject {
			wantFault(t, err, fault.KindUnauthenticated, ReasonTokenLifetime)
		} else if err != nil {
			t.Errorf("MaxLifetime %s: %v", tc.max, err)
		}
	}
}
