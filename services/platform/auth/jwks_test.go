package auth

import (
	"crypto/rsa"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
)

func TestParseJWKS(t *testing.T) {
	rsaKey := newRSAKey(t)
	ecKey := newECKey(t)
	goodRSA := rsaJWK("r", &rsaKey.PublicKey)
	goodEC := ecJWK(t, "e", &ecKey.PublicKey)
	edit := func(base map[string]any, changes map[string]any) map[string]any {
		m := make(map[string]any, len(base))
		for k, v := range base {
			m[k] = v
		}
		for k, v := range changes {
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		return m
	}
	// An off-curve point: a valid x with y changed by one.
	offCurve := edit(goodEC, nil)
	y, err := decodeB64Field("y", goodEC["y"].(string))
	if err != nil {
		t.Fatal(err)
	}
	y[31] ^= 1
	offCurve["y"] = b64(y)
	small := &rsa.PublicKey{N: new(big.Int).Lsh(big.NewInt(1), 1023), E: 65537}

	tests := []struct {
		name    string
		doc     string
		wantErr string
		kids    []string // kids of the usable keys, in order
	}{
		{name: "RSA and EC", doc: doc(t, goodRSA, goodEC), kids: []string{"r", "e"}},
		{name: "no alg or use members", doc: doc(t, edit(goodRSA, map[string]any{"alg": nil, "use": nil})), kids: []string{"r"}},
		{name: "encryption key skipped", doc: doc(t, edit(goodRSA, map[string]any{"use": "enc", "kid": "x"}), goodEC), kids: []string{"e"}},
		{name: "RS512 key skipped", doc: doc(t, edit(goodRSA, map[string]any{"alg": "RS512", "kid": "x"}), goodEC), kids: []string{"e"}},
		{name: "P-384 key skipped", doc: doc(t, edit(goodEC, map[string]any{"crv": "P-384", "kid": "x"}), goodRSA), kids: []string{"r"}},
		{name: "OKP key skipped", doc: doc(t, map[string]any{"kty": "OKP", "crv": "Ed25519", "x": "AA"}, goodEC), kids: []string{"e"}},
		{name: "not JSON", doc: "{", wantErr: "decode JWKS"},
		{name: "empty", doc: `{"keys":[]}`, wantErr: "no RS256 or ES256"},
		{name: "only symmetric keys", doc: `{"keys":[{"kty":"oct","k":"AAAA"}]}`, wantErr: "no RS256 or ES256"},
		{name: "duplicate kid", doc: doc(t, goodRSA, edit(goodEC, map[string]any{"kid": "r"})), wantErr: "duplicate kid"},
		{name: "short RSA modulus", doc: doc(t, rsaJWK("s", small)), wantErr: "at least 2048"},
		{name: "even RSA exponent", doc: doc(t, edit(goodRSA, map[string]any{"e": b64([]byte{1, 0, 0})})), wantErr: "exponent"},
		{name: "huge RSA exponent", doc: doc(t, edit(goodRSA, map[string]any{"e": b64([]byte{1, 0, 0, 0, 1})})), wantErr: "exponent"},
		{name: "RSA without n", doc: doc(t, edit(goodRSA, map[string]any{"n": nil})), wantErr: `"n" is missing`},
		{name: "RSA n not base64url", doc: doc(t, edit(goodRSA, map[string]any{"n": "+/=="})), wantErr: `member "n"`},
		{name: "EC short coordinate", doc: doc(t, edit(goodEC, map[string]any{"x": b64(make([]byte, 31))})), wantErr: "32 bytes"},
		{name: "EC point off the curve", doc: doc(t, offCurve), wantErr: "P-256 point"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			set, err := parseJWKS([]byte(tc.doc))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseJWKS: %v", err)
			}
			var kids []string
			for _, k := range set.all {
				kids = append(kids, k.kid)
			}
			if strings.Join(kids, ",") != strings.Join(tc.kids, ",") {
				t.Fatalf("got keys %v, want %v", kids, tc.kids)
			}
		})
	}
}

func TestKeySetLookup(t *testing.T) {
	rsaKey := newRSAKey(t)
	ecKey := newECKey(t)
	set, err := parseJWKS([]byte(doc(t, rsaJWK("r", &rsaKey.PublicKey), ecJWK(t, "e", &ecKey.PublicKey))))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		kid, alg  string
		wantFound bool
		wantKeys  int
	}{
		{kid: "r", alg: "RS256", wantFound: true, wantKeys: 1},
		{kid: "r", alg: "ES256", wantFound: true, wantKeys: 0}, // kid known, algorithm not its own
		{kid: "e", alg: "ES256", wantFound: true, wantKeys: 1},
		{kid: "x", alg: "RS256", wantFound: false},
		{kid: "", alg: "ES256", wantFound: true, wantKeys: 1},
		{kid: "", alg: "HS256", wantFound: true, wantKeys: 0},
	}
	for _, tc := range tests {
		keys, found := set.lookup(tc.kid, tc.alg)
		if found != tc.wantFound || len(keys) != tc.wantKeys {
			t.Errorf("lookup(%q, %q) = %d keys, found %v; want %d, %v", tc.kid, tc.alg, len(keys), found, tc.wantKeys, tc.wantFound)
		}
	}
}

func doc(t *testing.T, keys ...map[string]any) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
