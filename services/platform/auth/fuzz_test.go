package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

// fuzzDevKey and fuzzNow are fixed so the checked-in seed corpus holds dev
// tokens that verify, letting the fuzzer mutate from accepted inputs.
var (
	fuzzDevKey = []byte("turnaround-fuzz-development-key!")
	fuzzNow    = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
)

// FuzzVerify feeds arbitrary strings to a development verifier and a JWKS
// verifier. Neither may panic, every refusal must be an UNAUTHENTICATED
// fault, and anything accepted must carry a signature that an independent
// check, written without the jwt library, confirms was made with the key.
func FuzzVerify(f *testing.F) {
	rsaKey, ecKey := newRSAKey(f), newECKey(f)
	dev, err := NewVerifier(Config{DevKey: fuzzDevKey, Now: func() time.Time { return fuzzNow }, MaxLifetime: fuzzSeedLifetime})
	if err != nil {
		f.Fatal(err)
	}
	prod, err := NewVerifier(Config{
		JWKSFile:           writeJWKS(f, rsaJWK("rsa-1", &rsaKey.PublicKey), ecJWK(f, "ec-1", &ecKey.PublicKey)),
		Now:                func() time.Time { return fuzzNow },
		MinRefreshInterval: time.Hour, // unknown kids must not re-read the file on every input
	})
	if err != nil {
		f.Fatal(err)
	}

	// Valid tokens for this run's generated keys, as starting points.
	at := func(edits map[string]any) jwt.MapClaims {
		c := claims(edits)
		c["iat"], c["nbf"], c["exp"] = fuzzNow.Add(-time.Minute).Unix(), fuzzNow.Add(-time.Minute).Unix(), fuzzNow.Add(time.Hour).Unix()
		return c
	}
	f.Add(sign(f, jwt.SigningMethodRS256, rsaKey, "rsa-1", at(nil)))
	f.Add(sign(f, jwt.SigningMethodES256, ecKey, "ec-1", at(map[string]any{"roles": []string{"council_officer"}, "authority": "E08000035"})))
	f.Add(sign(f, jwt.SigningMethodES256, ecKey, "", at(map[string]any{"roles": []string{"sponsor_officer"}, "sponsor": "s-1"})))
	f.Add(sign(f, jwt.SigningMethodHS256, fuzzDevKey, "", at(map[string]any{"iss": DevIssuer, "aud": nil})))

	ctx := context.Background()
	f.Fuzz(func(t *testing.T, token string) {
		if p, err := dev.Verify(ctx, token); err != nil {
			requireUnauthenticated(t, err)
		} else {
			if !signedHS256(token, fuzzDevKey) {
				t.Fatalf("development verifier accepted a token not signed with its key: %q", token)
			}
			requireSound(t, p)
		}
		if p, err := prod.Verify(ctx, token); err != nil {
			requireUnauthenticated(t, err)
		} else {
			if !signedByJWKS(token, &rsaKey.PublicKey, &ecKey.PublicKey) {
				t.Fatalf("JWKS verifier accepted a token not signed with its keys: %q", token)
			}
			requireSound(t, p)
		}
	})
}

func requireUnauthenticated(t *testing.T, err error) {
	t.Helper()
	f, ok := fault.As(err)
	if !ok || f.Kind != fault.KindUnauthenticated || f.Reason == "" {
		t.Fatalf("refusal is not an UNAUTHENTICATED fault: %#v", err)
	}
}

func requireSound(t *testing.T, p Principal) {
	t.Helper()
	if err := p.validate(); err != nil {
		t.Fatalf("accepted principal %+v is invalid: %v", p, err)
	}
}

// splitJWS decodes a compact JWS without the jwt library.
func splitJWS(token string) (header map[string]any, signingInput string, sig []byte, ok bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, "", nil, false
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil || json.Unmarshal(hb, &header) != nil {
		return nil, "", nil, false
	}
	sig, err = base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, "", nil, false
	}
	return header, parts[0] + "." + parts[1], sig, true
}

func signedHS256(token string, key []byte) bool {
	header, input, sig, ok := splitJWS(token)
	if !ok || header["alg"] != "HS256" {
		return false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(input))
	return hmac.Equal(mac.Sum(nil), sig)
}

func signedByJWKS(token string, rsaPub *rsa.PublicKey, ecPub *ecdsa.PublicKey) bool {
	header, input, sig, ok := splitJWS(token)
	if !ok {
		return false
	}
	digest := sha256.Sum256([]byte(input))
	switch header["alg"] {
	case "RS256":
		return rsa.VerifyPKCS1v15(rsaPub, crypto.SHA256, digest[:], sig) == nil
	case "ES256":
		if len(sig) != 64 {
			return false
		}
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		return ecdsa.Verify(ecPub, digest[:], r, s)
	default:
		return false
	}
}

// fuzzSeedLifetime admits the checked-in seed tokens, which are valid for 25
// hours, one more than DefaultMaxTokenLifetime.
const fuzzSeedLifetime = 48 * time.Hour

// TestFuzzCorpusSeeds pins the checked-in seed corpus: the seeds meant to be
// accepted still are (so the fuzzer starts from the success path, not only
// from refusals), and the others are refused for the expected reason.
func TestFuzzCorpusSeeds(t *testing.T) {
	dev, err := NewVerifier(Config{DevKey: fuzzDevKey, Now: func() time.Time { return fuzzNow }, MaxLifetime: fuzzSeedLifetime})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		file   string
		reason string // empty: accepted
	}{
		{file: "dev_valid"},
		{file: "dev_council"},
		{file: "dev_sponsor_no_claim", reason: ReasonTokenClaimsInvalid},
		{file: "dev_expired", reason: ReasonTokenExpired},
		{file: "alg_none", reason: ReasonTokenInvalid},
		{file: "rs256_unknown_kid", reason: ReasonTokenInvalid},
		{file: "malformed", reason: ReasonTokenMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			token := readCorpusString(t, filepath.Join("testdata", "fuzz", "FuzzVerify", tc.file))
			_, err := dev.Verify(context.Background(), token)
			if tc.reason == "" {
				if err != nil {
					t.Fatalf("seed refused: %v", err)
				}
				return
			}
			wantFault(t, err, fault.KindUnauthenticated, tc.reason)
		})
	}
}

// readCorpusString reads a one-string Go fuzz corpus file.
func readCorpusString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 || lines[0] != "go test fuzz v1" || !strings.HasPrefix(lines[1], "string(") {
		t.Fatalf("%s is not a one-string fuzz corpus file", path)
	}
	s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "string("), ")"))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return s
}
