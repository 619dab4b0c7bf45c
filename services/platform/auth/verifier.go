package auth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"google.golang.org/grpc/metadata"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

// Reasons of the UNAUTHENTICATED faults a Verifier returns, plus the
// UNAVAILABLE one for keys that cannot be fetched.
const (
	// ReasonTokenMissing: no bearer token was presented.
	ReasonTokenMissing = "TOKEN_MISSING"
	// ReasonTokenMalformed: the credential is not a well-formed bearer JWT.
	ReasonTokenMalformed = "TOKEN_MALFORMED"
	// ReasonTokenExpired: the token's exp has passed.
	ReasonTokenExpired = "TOKEN_EXPIRED"
	// ReasonTokenNotYetValid: the token's nbf or iat lies in the future.
	ReasonTokenNotYetValid = "TOKEN_NOT_YET_VALID"
	// ReasonTokenInvalid: bad signature, refused algorithm, unknown key,
	// wrong issuer or audience, or a development token in production.
	ReasonTokenInvalid = "TOKEN_INVALID"
	// ReasonTokenClaimsInvalid: the token is genuine but its claims do not
	// describe a caller: no subject or roles, an unknown role, a council
	// officer without a council, a sponsor officer without a sponsor.
	ReasonTokenClaimsInvalid = "TOKEN_CLAIMS_INVALID"
	// ReasonTokenLifetime: the token is valid for longer than the maximum
	// token lifetime (exp minus iat, or exp minus now without iat).
	ReasonTokenLifetime = "TOKEN_LIFETIME_TOO_LONG"
	// ReasonKeysUnavailable: the JWKS could not be fetched and no earlier
	// copy is cached (UNAVAILABLE: the caller may retry).
	ReasonKeysUnavailable = "KEYS_UNAVAILABLE"
)

// Leeway is the clock skew tolerated on exp, nbf and iat.
const Leeway = 30 * time.Second

// maxTokenBytes bounds the work an unauthenticated caller can cause; real
// tokens are well under 2 KiB.
const maxTokenBytes = 16 << 10

// Defaults for the JWKS key cache.
const (
	DefaultFetchTimeout       = 5 * time.Second
	DefaultMinRefreshInterval = 1 * time.Minute
	DefaultMaxKeyAge          = 1 * time.Hour
)

// Config configures a Verifier. Exactly one key source is set: JWKSFile,
// JWKSURL, or DevKey.
type Config struct {
	// Issuer, when set, must equal the token's iss.
	Issuer string
	// Audience, when set, must be among the token's aud.
	Audience string

	// JWKSFile is a JWK Set file of RS256/ES256 public keys. It is read at
	// construction, and re-read like a URL when a token names an unknown kid.
	JWKSFile string
	// JWKSURL is where a JWK Set of RS256/ES256 public keys is fetched from.
	JWKSURL string
	// DevKey is the HS256 development key (see LoadOrCreateDevKey). Only the
	// embedded all-in-one mode may set it: a shared secret has no place in a
	// deployment. With it, only HS256 tokens issued by DevIssuer are accepted.
	DevKey []byte

	// HTTPClient fetches JWKSURL; nil means a client with FetchTimeout.
	HTTPClient *http.Client
	// FetchTimeout bounds one JWKS fetch; 0 means DefaultFetchTimeout.
	FetchTimeout time.Duration
	// MinRefreshInterval is the least time between two JWKS fetches; 0
	// means DefaultMinRefreshInterval.
	MinRefreshInterval time.Duration
	// MaxKeyAge is how long a fetched key set is trusted before it is
	// fetched again, so a revoked key stops working; 0 means DefaultMaxKeyAge.
	MaxKeyAge time.Duration

	// MaxLifetime is the longest validity a token may claim: exp minus iat,
	// or, for a token without iat, exp minus now (so such a token is
	// accepted only in the last MaxLifetime before it expires). Zero means
	// DefaultMaxTokenLifetime; a negative value turns the check off.
	MaxLifetime time.Duration

	// Now is the clock for exp, nbf and iat; nil means time.Now.
	Now func() time.Time
}

// DefaultMaxTokenLifetime bounds how long a token may be valid unless
// Config.MaxLifetime says otherwise: a stolen token stays useful a day at
// most, and nobody can mint one that works for a century.
const DefaultMaxTokenLifetime = 24 * time.Hour

// Verifier checks bearer JWTs and turns them into Principals. It is safe for
// concurrent use.
type Verifier struct {
	parser   *jwt.Parser
	dev      bool
	devKey   []byte
	keys     *keyCache
	now      func() time.Time
	verified verifiedCache
	// maxLifetime is the longest exp - iat accepted; 0 turns the check off.
	maxLifetime time.Duration
}

// tokenClaims are the claims a Turnaround token carries.
type tokenClaims struct {
	jwt.RegisteredClaims
	Roles     []string `json:"roles,omitempty"`
	Authority string   `json:"authority,omitempty"`
	Sponsor   string   `json:"sponsor,omitempty"`
}

// NewVerifier checks cfg and builds a Verifier. A JWKS file is read now, so
// a bad path or key set stops startup; a JWKS URL is fetched on first use,
// so a briefly absent identity provider does not.
func NewVerifier(cfg Config) (*Verifier, error) {
	sources := 0
	for _, set := range []bool{cfg.JWKSFile != "", cfg.JWKSURL != "", len(cfg.DevKey) > 0} {
		if set {
			sources++
		}
	}
	if sources != 1 {
		return nil, errors.New("auth: set exactly one of JWKSFile, JWKSURL and DevKey")
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	opts := []jwt.ParserOption{
		jwt.WithLeeway(Leeway),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(now),
	}
	v := &Verifier{now: now, maxLifetime: cfg.MaxLifetime}
	switch {
	case cfg.MaxLifetime == 0:
		v.maxLifetime = DefaultMaxTokenLifetime
	case cfg.MaxLifetime < 0:
		v.maxLifetime = 0
	}
	if len(cfg.DevKey) > 0 {
		if len(cfg.DevKey) < devKeyBytes {
			return nil, fmt.Errorf("auth: development key has %d bytes, want at least %d", len(cfg.DevKey), devKeyBytes)
		}
		if cfg.Issuer != "" && cfg.Issuer != DevIssuer {
			return nil, fmt.Errorf("auth: development tokens are issued by %q, not %q", DevIssuer, cfg.Issuer)
		}
		if cfg.Audience != "" {
			return nil, errors.New("auth: development tokens carry no audience; leave Audience empty")
		}
		v.dev = true
		v.devKey = append([]byte(nil), cfg.DevKey...)
		opts = append(opts, jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithIssuer(DevIssuer))
		v.parser = jwt.NewParser(opts...)
		return v, nil
	}

	if cfg.Issuer == DevIssuer {
		return nil, fmt.Errorf("auth: issuer %q is reserved for development tokens", DevIssuer)
	}
	opts = append(opts, jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg(), jwt.SigningMethodES256.Alg()}))
	if cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.Issuer))
	}
	if cfg.Audience != "" {
		opts = append(opts, jwt.WithAudience(cfg.Audience))
	}
	v.parser = jwt.NewParser(opts...)
	v.keys = &keyCache{
		fetchTimeout: orDefault(cfg.FetchTimeout, DefaultFetchTimeout),
		minRefresh:   orDefault(cfg.MinRefreshInterval, DefaultMinRefreshInterval),
		maxAge:       orDefault(cfg.MaxKeyAge, DefaultMaxKeyAge),
	}
	if cfg.JWKSFile != "" {
		v.keys.src = fileSource{path: cfg.JWKSFile}
		if err := v.keys.refresh(context.Background(), true); err != nil {
			return nil, fmt.Errorf("auth: load %s: %w", cfg.JWKSFile, err)
		}
		return v, nil
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: v.keys.fetchTimeout}
	}
	v.keys.src = urlSource{url: cfg.JWKSURL, client: client}
	return v, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Refresh fetches the key set now, ignoring the rate limit. Call it at
// startup to warm the cache and learn early that the identity provider is
// unreachable. It does nothing for a development verifier.
func (v *Verifier) Refresh(ctx context.Context) error {
	if v.dev {
		return nil
	}
	if err := v.keys.refresh(ctx, true); err != nil {
		return fmt.Errorf("auth: refresh keys: %w", err)
	}
	return nil
}

// Authenticate verifies the bearer token in ctx's incoming gRPC metadata.
func (v *Verifier) Authenticate(ctx context.Context) (Principal, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	vals := md.Get("authorization")
	switch len(vals) {
	case 0:
		return Principal{}, fault.Unauthenticated(ReasonTokenMissing, "a bearer token is required")
	case 1:
	default:
		return Principal{}, fault.Unauthenticated(ReasonTokenMalformed, "exactly one authorization header is allowed")
	}
	token, err := bearerToken(vals[0])
	if err != nil {
		return Principal{}, err
	}
	return v.Verify(ctx, token)
}

// bearerToken extracts the token from an Authorization value. The scheme is
// case-insensitive (RFC 9110 §11.1).
func bearerToken(header string) (string, error) {
	header = strings.TrimSpace(header)
	if header == "" {
		return "", fault.Unauthenticated(ReasonTokenMissing, "a bearer token is required")
	}
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", fault.Unauthenticated(ReasonTokenMalformed, "the authorization header must be \"Bearer <token>\"")
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return "", fault.Unauthenticated(ReasonTokenMissing, "a bearer token is required")
	}
	return token, nil
}

// Verify checks a raw JWT and returns its Principal. Every failure is an
// UNAUTHENTICATED fault with one of the Reason* constants, except
// KEYS_UNAVAILABLE (UNAVAILABLE) when no key set could ever be fetched.
func (v *Verifier) Verify(ctx context.Context, token string) (Principal, error) {
	if token == "" {
		return Principal{}, fault.Unauthenticated(ReasonTokenMissing, "a bearer token is required")
	}
	if len(token) > maxTokenBytes {
		return Principal{}, fault.Unauthenticated(ReasonTokenMalformed, "the token is too long")
	}
	sum := sha256.Sum256([]byte(token))
	if p, ok := v.verified.get(sum, time.Now()); ok {
		return p, nil
	}
	var claims tokenClaims
	if _, err := v.parser.ParseWithClaims(token, &claims, v.keyfunc(ctx)); err != nil {
		return Principal{}, classify(err)
	}
	if !v.dev && claims.Issuer == DevIssuer {
		// Belt and braces: a production verifier already refuses HS256, but a
		// dev-issued token signed some other way must not pass either.
		return Principal{}, fault.Unauthenticated(ReasonTokenInvalid, "development tokens are not accepted")
	}
	p := Principal{Subject: claims.Subject, Authority: claims.Authority, Sponsor: claims.Sponsor}
	for _, r := range claims.Roles {
		role := Role(r)
		if !p.HasRole(role) {
			p.Roles = append(p.Roles, role)
		}
	}
	if err := p.validate(); err != nil {
		return Principal{}, &fault.Error{
			Kind:    fault.KindUnauthenticated,
			Reason:  ReasonTokenClaimsInvalid,
			Message: "the token's claims are invalid: " + err.Error(),
			Err:     err,
		}
	}
	if err := v.checkLifetime(claims.RegisteredClaims); err != nil {
		return Principal{}, err
	}
	// The cache runs on the real clock, like the key cache: a verdict never
	// outlives the token's remaining validity, the key set's maximum age or
	// verifiedTTL, whichever is shortest.
	ttl := verifiedTTL
	if v.keys != nil && v.keys.maxAge < ttl {
		ttl = v.keys.maxAge
	}
	if claims.ExpiresAt != nil {
		if left := claims.ExpiresAt.Sub(v.now()); left < ttl {
			ttl = left
		}
	}
	if ttl > 0 {
		v.verified.put(sum, p, time.Now().Add(ttl))
	}
	return p, nil
}

// verifiedTTL bounds how long a verified token is trusted without checking
// its signature again, so a key withdrawn from the JWKS stops working soon.
const verifiedTTL = time.Minute

// verifiedCacheSize bounds the cache; when full, it is emptied and refilled.
const verifiedCacheSize = 4096

// verifiedCache remembers tokens whose signature and claims were checked,
// keyed by the token's SHA-256, until the earlier of their expiry and
// verifiedTTL: verifying an RS256 signature on every call of a busy client
// costs more than the rest of a small read.
type verifiedCache struct {
	mu      sync.Mutex
	entries map[[sha256.Size]byte]verifiedEntry
}

type verifiedEntry struct {
	p     Principal
	until time.Time
}

func (c *verifiedCache) get(sum [sha256.Size]byte, now time.Time) (Principal, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[sum]
	if !ok || !now.Before(e.until) {
		return Principal{}, false
	}
	return e.p, true
}

func (c *verifiedCache) put(sum [sha256.Size]byte, p Principal, until time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= verifiedCacheSize {
		c.entries = make(map[[sha256.Size]byte]verifiedEntry)
	}
	c.entries[sum] = verifiedEntry{p: p, until: until}
}

// keyfunc selects the verification key. The algorithm has already been
// restricted by the parser's valid methods; binding each JWKS key to its own
// algorithm closes algorithm confusion (an HS256 token "signed" with an RSA
// public key) even if that list were ever widened.
func (v *Verifier) keyfunc(ctx context.Context) jwt.Keyfunc {
	return func(t *jwt.Token) (any, error) {
		alg := t.Method.Alg()
		if v.dev {
			if alg != jwt.SigningMethodHS256.Alg() {
				return nil, fmt.Errorf("algorithm %s not accepted", alg)
			}
			return v.devKey, nil
		}
		var kid string
		if raw, ok := t.Header["kid"]; ok {
			s, isString := raw.(string)
			if !isString {
				return nil, errors.New("kid header is not a string")
			}
			kid = s
		}
		keys, err := v.keys.keys(ctx, kid, alg)
		if err != nil {
			return nil, err
		}
		return jwt.VerificationKeySet{Keys: keys}, nil
	}
}

// classify maps a jwt parse error to a fault. The message tells the caller
// what to fix without echoing token contents; the cause is kept for logs.
func classify(err error) error {
	if f, ok := fault.As(err); ok {
		return f
	}
	reason, msg := ReasonTokenInvalid, "the token is not valid"
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		reason, msg = ReasonTokenMalformed, "the token is not a well-formed JWT"
	case errors.Is(err, errUnknownKey):
		msg = "the token's signing key is not known"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		msg = "the token's signature or algorithm is not accepted"
	case errors.Is(err, jwt.ErrTokenExpired):
		reason, msg = ReasonTokenExpired, "the token has expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		reason, msg = ReasonTokenNotYetValid, "the token is not valid yet"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		msg = "the token's issuer is not accepted"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		msg = "the token's audience is not accepted"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		reason, msg = ReasonTokenClaimsInvalid, "the token lacks a required claim"
	}
	return &fault.Error{Kind: fault.KindUnauthenticated, Reason: reason, Message: msg, Err: err}
}

// checkLifetime refuses a token valid for longer than the maximum lifetime,
// measured from iat, or from now when the token has no iat. The parser has
// already required exp.
func (v *Verifier) checkLifetime(c jwt.RegisteredClaims) error {
	if v.maxLifetime <= 0 || c.ExpiresAt == nil {
		return nil
	}
	from := v.now()
	if c.IssuedAt != nil {
		from = c.IssuedAt.Time
	}
	if c.ExpiresAt.Sub(from) > v.maxLifetime+Leeway {
		return fault.Unauthenticated(ReasonTokenLifetime,
			"the token is valid for longer than the accepted maximum of %s", v.maxLifetime)
	}
	return nil
}
