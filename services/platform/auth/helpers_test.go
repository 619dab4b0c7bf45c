package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

// testNow is the fixed clock of verifier tests, so token times are exact.
var testNow = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

const (
	testIssuer   = "https://idp.test.turnaround"
	testAudience = "turnaround-api"
)

func fixedClock() time.Time { return testNow }

func newRSAKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("generate RSA key: %v", err)
	}
	return k
}

func newECKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generate EC key: %v", err)
	}
	return k
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// rsaJWK renders pub as a JWK the way identity providers publish it.
func rsaJWK(kid string, pub *rsa.PublicKey) map[string]any {
	return map[string]any{
		"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
		"n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes()),
	}
}

// ecJWK renders a P-256 public key as a JWK with fixed-width coordinates.
func ecJWK(t testing.TB, kid string, pub *ecdsa.PublicKey) map[string]any {
	t.Helper()
	raw, err := pub.Bytes() // 0x04 || X || Y
	if err != nil {
		t.Fatalf("encode EC key: %v", err)
	}
	return map[string]any{
		"kty": "EC", "kid": kid, "use": "sig", "alg": "ES256", "crv": "P-256",
		"x": b64(raw[1:33]), "y": b64(raw[33:65]),
	}
}

func jwksJSON(t testing.TB, keys ...map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		t.Fatalf("marshal JWKS: %v", err)
	}
	return b
}

func writeJWKS(t testing.TB, keys ...map[string]any) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(path, jwksJSON(t, keys...), 0o600); err != nil {
		t.Fatalf("write JWKS: %v", err)
	}
	return path
}

// claims returns valid claims for a DfE official at testNow, changed by
// edits: a nil value deletes the claim.
func claims(edits map[string]any) jwt.MapClaims {
	c := jwt.MapClaims{
		"sub":   "user-1",
		"roles": []string{"dfe_official"},
		"iss":   testIssuer,
		"aud":   testAudience,
		"iat":   testNow.Add(-time.Minute).Unix(),
		"nbf":   testNow.Add(-time.Minute).Unix(),
		"exp":   testNow.Add(time.Hour).Unix(),
	}
	for k, v := range edits {
		if v == nil {
			delete(c, k)
			continue
		}
		c[k] = v
	}
	return c
}

// sign signs c with method and key, naming kid in the header when set.
func sign(t testing.TB, method jwt.SigningMethod, key any, kid string, c jwt.Claims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("sign token: %v", err)
	}
	return s
}

// wantFault checks that err is a fault of kind k and reason.
func wantFault(t testing.TB, err error, k fault.Kind, reason string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want fault kind %d reason %s", k, reason)
	}
	var f *fault.Error
	if !errors.As(err, &f) {
		t.Fatalf("got %T %v, want a *fault.Error", err, err)
	}
	if f.Kind != k || f.Reason != reason {
		t.Fatalf("got fault kind %d reason %s (%v), want kind %d reason %s", f.Kind, f.Reason, err, k, reason)
	}
}
