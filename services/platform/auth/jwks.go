package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// minRSABits is the smallest RSA modulus accepted; shorter keys are
// factorable and an identity provider publishing one is misconfigured.
const minRSABits = 2048

// publicKey is one verification key from a JWKS, bound to the single
// algorithm it may verify so that a key can never be used with another.
type publicKey struct {
	kid string
	alg string
	key crypto.PublicKey
}

// keySet is a parsed JWKS, immutable once published to a keyCache.
type keySet struct {
	byKid     map[string]publicKey
	all       []publicKey
	fetchedAt time.Time // when the set was read from its source
}

// lookup returns the keys that may verify a token signed with alg and naming
// kid. A token without a kid may be verified by any key of its algorithm, as
// identity providers with a single key often omit it.
func (s *keySet) lookup(kid, alg string) ([]jwt.VerificationKey, bool) {
	if s == nil {
		return nil, false
	}
	if kid != "" {
		k, ok := s.byKid[kid]
		if !ok {
			return nil, false
		}
		if k.alg != alg {
			return nil, true
		}
		return []jwt.VerificationKey{k.key}, true
	}
	var keys []jwt.VerificationKey
	for _, k := range s.all {
		if k.alg == alg {
			keys = append(keys, k.key)
		}
	}
	return keys, true
}

// jwk holds the members of a JSON Web Key (RFC 7517, 7518) that matter here.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	N   string `json:"n"`
	E   string `json:"e"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// parseJWKS parses a JWK Set. Keys of a type or use this package cannot
// verify with (encryption keys, OKP, other curves) are skipped, as RFC 7517
// asks; a malformed RSA or P-256 key fails the whole set, because a
// half-understood key set hides a broken identity provider. A set with no
// usable key is an error.
func parseJWKS(data []byte) (*keySet, error) {
	var doc struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("decode JWKS: %w", err)
	}
	set := &keySet{byKid: make(map[string]publicKey)}
	for i, k := range doc.Keys {
		pk, ok, err := parseJWK(k)
		if err != nil {
			return nil, fmt.Errorf("JWKS key %d (kid %q): %w", i, k.Kid, err)
		}
		if !ok {
			continue
		}
		if pk.kid != "" {
			if _, dup := set.byKid[pk.kid]; dup {
				return nil, fmt.Errorf("JWKS key %d: duplicate kid %q", i, pk.kid)
			}
			set.byKid[pk.kid] = pk
		}
		set.all = append(set.all, pk)
	}
	if len(set.all) == 0 {
		return nil, errors.New("JWKS has no RS256 or ES256 signing key")
	}
	return set, nil
}

// parseJWK returns ok=false for a key this package does not use.
func parseJWK(k jwk) (publicKey, bool, error) {
	if k.Use != "" && k.Use != "sig" {
		return publicKey{}, false, nil
	}
	switch k.Kty {
	case "RSA":
		if k.Alg != "" && k.Alg != "RS256" {
			return publicKey{}, false, nil
		}
		key, err := parseRSA(k)
		if err != nil {
			return publicKey{}, false, err
		}
		return publicKey{kid: k.Kid, alg: "RS256", key: key}, true, nil
	case "EC":
		if k.Crv != "P-256" || (k.Alg != "" && k.Alg != "ES256") {
			return publicKey{}, false, nil
		}
		key, err := parseP256(k)
		if err != nil {
			return publicKey{}, false, err
		}
		return publicKey{kid: k.Kid, alg: "ES256", key: key}, true, nil
	default:
		return publicKey{}, false, nil
	}
}

func parseRSA(k jwk) (*rsa.PublicKey, error) {
	n, err := decodeB64Field("n", k.N)
	if err != nil {
		return nil, err
	}
	e, err := decodeB64Field("e", k.E)
	if err != nil {
		return nil, err
	}
	mod := new(big.Int).SetBytes(n)
	if mod.BitLen() < minRSABits {
		return nil, fmt.Errorf("RSA modulus has %d bits, want at least %d", mod.BitLen(), minRSABits)
	}
	// Exponents are small in practice (65537); anything past 32 bits or even
	// is not a usable public exponent.
	if len(e) > 4 {
		return nil, errors.New("RSA exponent too large")
	}
	var exp uint64
	for _, b := range e {
		exp = exp<<8 | uint64(b)
	}
	if exp < 3 || exp%2 == 0 || exp > 1<<31-1 {
		return nil, fmt.Errorf("RSA exponent %d is not a valid public exponent", exp)
	}
	return &rsa.PublicKey{N: mod, E: int(exp)}, nil
}

func parseP256(k jwk) (*ecdsa.PublicKey, error) {
	x, err := decodeB64Field("x", k.X)
	if err != nil {
		return nil, err
	}
	y, err := decodeB64Field("y", k.Y)
	if err != nil {
		return nil, err
	}
	// RFC 7518 §6.2.1.2: coordinates are exactly the curve's field size.
	if len(x) != 32 || len(y) != 32 {
		return nil, errors.New("P-256 coordinates must be 32 bytes each")
	}
	point := make([]byte, 0, 65)
	point = append(point, 4) // uncompressed point marker
	point = append(point, x...)
	point = append(point, y...)
	// ParseUncompressedPublicKey rejects points not on the curve, which
	// invalid-curve attacks rely on.
	key, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
	if err != nil {
		return nil, fmt.Errorf("P-256 point: %w", err)
	}
	return key, nil
}

func decodeB64Field(name, s string) ([]byte, error) {
	if s == "" {
		return nil, fmt.Errorf("member %q is missing", name)
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("member %q: %w", name, err)
	}
	return b, nil
}
