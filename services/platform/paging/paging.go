// Package paging implements AIP-158 list pagination: page size defaults and
// caps, and opaque page tokens that a client cannot forge, edit or carry over
// to a different query.
//
// A page token is base64url (no padding) of a versioned payload, the query's
// fingerprint, the store's cursor and an expiry time, followed by an
// HMAC-SHA256 tag over all of it. The token is signed rather than encrypted:
// the cursor is no secret (typically an offset into a sorted index), but it
// must come back exactly as the server issued it, for the query that
// produced it.
package paging

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

// Reasons of the faults this package returns, as they appear in
// google.rpc.ErrorInfo.
const (
	ReasonInvalidPageSize   = "INVALID_PAGE_SIZE"
	ReasonInvalidPageToken  = "INVALID_PAGE_TOKEN"
	ReasonPageTokenMismatch = "PAGE_TOKEN_QUERY_MISMATCH"
	ReasonPageTokenExpired  = "PAGE_TOKEN_EXPIRED"
)

const (
	pageSizeField  = "page_size"
	pageTokenField = "page_token"
	// minSecretLen is SHA-256's output size: a shorter secret would be
	// easier to guess than the tag is to forge.
	minSecretLen      = 32
	tokenVersion byte = 1
)

// Sentinels for errors.Is: a fault matches one of these when Kind and Reason
// agree (see fault.Error.Is).
var (
	ErrInvalidPageSize   = &fault.Error{Kind: fault.KindInvalid, Reason: ReasonInvalidPageSize}
	ErrInvalidPageToken  = &fault.Error{Kind: fault.KindInvalid, Reason: ReasonInvalidPageToken}
	ErrPageTokenMismatch = &fault.Error{Kind: fault.KindInvalid, Reason: ReasonPageTokenMismatch}
	ErrPageTokenExpired  = &fault.Error{Kind: fault.KindInvalid, Reason: ReasonPageTokenExpired}
)

// Configuration errors: the service, not the caller, is at fault.
var (
	errSecretTooShort        = fmt.Errorf("paging: secret must be at least %d bytes", minSecretLen)
	errNonPositiveTTL        = errors.New("paging: token lifetime must be positive")
	errNonPositiveDefaultMax = errors.New("paging: default and maximum page sizes must be positive")
)

// Layout of a version 1 token, before base64:
//
//	version(1) | fingerprint(16) | expiry unix ms(8) | uvarint cursor length | cursor | HMAC-SHA256(32)
const (
	fingerprintLen = 16
	expiryLen      = 8
	tagLen         = sha256.Size
	headerLen      = 1 + fingerprintLen + expiryLen
	minPayloadLen  = headerLen + 1 + tagLen

	// MaxCursorLen bounds the cursor a token carries, so tokens stay short
	// enough for a URL query string and decoding does bounded work.
	MaxCursorLen = 1024
	// maxTokenLen is the longest token Encode can produce for MaxCursorLen.
	maxTokenLen = (headerLen + binary.MaxVarintLen64 + MaxCursorLen + tagLen + 2) / 3 * 4
)

// PageSize applies AIP-158's page_size rules: 0 means def, values above
// limit are lowered to limit (AIP-158 asks for coercion, not rejection), and
// negative values are invalid. def and limit come from the service, so a
// non-positive one is a programming error, reported as a plain error rather
// than a fault.
func PageSize(requested, def, limit int32) (int32, error) {
	if def <= 0 || limit <= 0 {
		return 0, errNonPositiveDefaultMax
	}
	switch {
	case requested < 0:
		return 0, fault.Invalid(ReasonInvalidPageSize, fault.Violation{
			Field: pageSizeField,
			Description: fmt.Sprintf("page_size must not be negative, got %d; use 0 for the default of %d",
				requested, min(def, limit)),
		})
	case requested == 0:
		return min(def, limit), nil
	default:
		return min(requested, limit), nil
	}
}

// Query identifies a list request apart from its paging fields. A token is
// valid only for a request whose Query has the same fingerprint, so a client
// cannot change the filter, the order or the parent between pages. page_size
// is deliberately absent: AIP-158 lets it change from page to page.
type Query struct {
	// Method names the list, e.g. "turnaround.inspection.v1.InspectionService/ListInspections",
	// so a token for one collection is never accepted by another.
	Method string
	// Parent is the parent resource name, e.g. "localAuthorities/E08000017".
	Parent string
	// Filter is the request's filter. Services that compile filters should
	// pass the compiled filter's canonical text, so that spacing differences
	// do not invalidate a token.
	Filter string
	// OrderBy is the request's order_by, ideally in canonical form.
	OrderBy string
	// Params holds any further request fields that shape the result set,
	// e.g. "show_deleted": "true". Map order does not affect the fingerprint.
	Params map[string]string
}

// fingerprint hashes the canonical encoding of q. Each field is length
// prefixed, so no two different queries share an encoding (Parent "ab" with
// Filter "c" differs from Parent "a" with Filter "bc"), and params are sorted
// by key, so the same query always fingerprints the same.
func (q Query) fingerprint() [fingerprintLen]byte {
	h := sha256.New()
	var buf [binary.MaxVarintLen64]byte
	write := func(s string) {
		h.Write(buf[:binary.PutUvarint(buf[:], uint64(len(s)))])
		h.Write([]byte(s))
	}
	write("turnaround.paging.query.v1")
	write(q.Method)
	write(q.Parent)
	write(q.Filter)
	write(q.OrderBy)
	keys := make([]string, 0, len(q.Params))
	for k := range q.Params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	h.Write(buf[:binary.PutUvarint(buf[:], uint64(len(keys)))])
	for _, k := range keys {
		write(k)
		write(q.Params[k])
	}
	var fp [fingerprintLen]byte
	copy(fp[:], h.Sum(nil))
	return fp
}

// Codec issues and checks page tokens. It is safe for concurrent use.
type Codec struct {
	key []byte
	ttl time.Duration
	now func() time.Time
}

// Option configures a Codec.
type Option func(*Codec)

// WithClock makes the codec read the time from now instead of time.Now, so
// tests can move time forward to expire tokens.
func WithClock(now func() time.Time) Option {
	return func(c *Codec) { c.now = now }
}

// NewCodec returns a codec that signs tokens with secret and lets them live
// for ttl. Every replica of a service must share the secret, since any
// replica may receive the next page's request. The secret must be at least
// 32 bytes; the codec derives its own key from it, so a secret shared with
// another purpose never yields interchangeable signatures.
func NewCodec(secret []byte, ttl time.Duration, opts ...Option) (*Codec, error) {
	if len(secret) < minSecretLen {
		return nil, errSecretTooShort
	}
	if ttl <= 0 {
		return nil, errNonPositiveTTL
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("turnaround.paging.token-key.v1"))
	c := &Codec{key: mac.Sum(nil), ttl: ttl, now: time.Now}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// NewRandomCodec returns a codec with a random secret. Its tokens are valid
// only in this process, which suits a single-process deployment and tests;
// replicated services need NewCodec with a shared secret.
func NewRandomCodec(ttl time.Duration, opts ...Option) (*Codec, error) {
	secret := make([]byte, minSecretLen)
	// crypto/rand.Read never returns an error (Go 1.24+); it aborts the
	// process if the system's randomness is unavailable.
	_, _ = rand.Read(secret)
	return NewCodec(secret, ttl, opts...)
}

// Encode returns the token that resumes query q at cursor. An empty cursor
// still yields a non-empty token; callers signal "no more pages" by
// returning an empty next_page_token instead of calling Encode. Cursors
// longer than MaxCursorLen are a programming error and panic, because a
// token the server cannot decode again must never reach a client.
func (c *Codec) Encode(q Query, cursor string) string {
	if len(cursor) > MaxCursorLen {
		panic(fmt.Sprintf("paging: cursor of %d bytes exceeds MaxCursorLen %d", len(cursor), MaxCursorLen))
	}
	fp := q.fingerprint()
	buf := make([]byte, 0, headerLen+binary.MaxVarintLen64+len(cursor)+tagLen)
	buf = append(buf, tokenVersion)
	buf = append(buf, fp[:]...)
	buf = binary.BigEndian.AppendUint64(buf, uint64(c.now().Add(c.ttl).UnixMilli()))
	buf = binary.AppendUvarint(buf, uint64(len(cursor)))
	buf = append(buf, cursor...)
	buf = append(buf, c.tag(buf)...)
	return base64.RawURLEncoding.EncodeToString(buf)
}

// Decode checks token against the request's query and returns the cursor it
// carries. An empty token means the first page and yields an empty cursor.
// Every failure is an INVALID_ARGUMENT fault with a violation on page_token
// and one of the reasons ReasonInvalidPageToken (malformed, tampered or
// signed with another secret), ReasonPageTokenMismatch (issued for a
// different query) or ReasonPageTokenExpired.
func (c *Codec) Decode(token string, q Query) (string, error) {
	if token == "" {
		return "", nil
	}
	if len(token) > maxTokenLen || !isBase64URL(token) {
		return "", invalidToken()
	}
	// The alphabet check above matters because the decoder skips CR and LF;
	// Strict rejects non-zero padding bits. Together they give each token
	// exactly one spelling, so no edited copy of a token is accepted.
	raw, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(raw) < minPayloadLen || raw[0] != tokenVersion {
		return "", invalidToken()
	}
	body, tag := raw[:len(raw)-tagLen], raw[len(raw)-tagLen:]
	if !hmac.Equal(tag, c.tag(body)) {
		return "", invalidToken()
	}
	// The signature is good, so the payload is one this codec wrote; the
	// checks below guard against a future layout change, not an attacker.
	n, w := binary.Uvarint(body[headerLen:])
	if w <= 0 || n != uint64(len(body)-headerLen-w) {
		return "", invalidToken()
	}
	cursor := string(body[headerLen+w:])

	fp := q.fingerprint()
	if !hmac.Equal(body[1:1+fingerprintLen], fp[:]) {
		return "", fault.Invalid(ReasonPageTokenMismatch, fault.Violation{
			Field: pageTokenField,
			Description: "page_token was issued for a different query: parent, filter, order_by and the other " +
				"request fields except page_size must match the request that produced it; " +
				"leave page_token empty to start the new query from its first page",
		})
	}
	expiry := time.UnixMilli(int64(binary.BigEndian.Uint64(body[1+fingerprintLen : headerLen])))
	if !c.now().Before(expiry) {
		return "", fault.Invalid(ReasonPageTokenExpired, fault.Violation{
			Field: pageTokenField,
			Description: fmt.Sprintf("page_token expired at %s; leave page_token empty to start again from the first page",
				expiry.UTC().Format(time.RFC3339)),
		})
	}
	return cursor, nil
}

// EncodeOffset returns the token that resumes q at offset, the zero-based
// rank of the next item in a sorted index.
func (c *Codec) EncodeOffset(q Query, offset int64) string {
	return c.Encode(q, strconv.FormatInt(offset, 10))
}

// DecodeOffset is Decode for tokens made by EncodeOffset. An empty token
// yields offset 0. A genuine token whose cursor is not an offset is reported
// as ReasonInvalidPageToken, since the client cannot have produced it.
func (c *Codec) DecodeOffset(token string, q Query) (int64, error) {
	cursor, err := c.Decode(token, q)
	if err != nil || token == "" {
		return 0, err
	}
	off, err := strconv.ParseInt(cursor, 10, 64)
	if err != nil || off < 0 {
		return 0, invalidToken()
	}
	return off, nil
}

// NextOffset returns the next_page_token after a page of size items read
// from offset in an index holding total items: empty when the page reached
// the end, so clients stop.
func (c *Codec) NextOffset(q Query, offset int64, size int32, total int64) string {
	next := offset + int64(size)
	if size <= 0 || next >= total {
		return ""
	}
	return c.EncodeOffset(q, next)
}

func isBase64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func (c *Codec) tag(body []byte) []byte {
	mac := hmac.New(sha256.New, c.key)
	mac.Write(body)
	return mac.Sum(nil)
}

// invalidToken deliberately says nothing about which check failed, so the
// error cannot guide a forger.
func invalidToken() error {
	return fault.Invalid(ReasonInvalidPageToken, fault.Violation{
		Field: pageTokenField,
		Description: "page_token is not a token this service issued; pass next_page_token from the previous " +
			"response unchanged, or leave it empty to start from the first page",
	})
}

// Window is the part [start, end) of a list of total items that a page of
// size items from offset shows. It is pure arithmetic, so domain use cases
// that page an in-memory list use it too.
func Window(offset int64, size int32, total int) (start, end int) {
	start = int(min(max(offset, 0), int64(total)))
	end = min(start+int(max(size, 0)), total)
	return start, end
}
