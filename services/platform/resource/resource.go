// Package resource holds the one way every service names and identifies its
// resources (AIP-122): the shape of an ID, fresh and request-derived IDs, and
// parsing of resource names such as sponsors/{id} and
// localAuthorities/{gss_code}/inspections/{id} into their IDs, with field
// violations that say what was expected.
//
// It is pure Go, so domain packages may use it.
package resource

import (
	"crypto/rand"
	"crypto/sha256"
	"strings"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// MaxIDLen bounds an ID, as AIP-122 suggests.
const MaxIDLen = 63

// IDLen is the length of the IDs NewID and IDFor issue: a letter and eleven
// letters or digits, about 62 bits of randomness.
const IDLen = 12

// Councils is the collection of councils (local authorities).
const Councils = "localAuthorities"

// ReasonCouncilNotFound is the NOT_FOUND reason of a council outside the
// register.
const ReasonCouncilNotFound = "LOCAL_AUTHORITY_NOT_FOUND"

// ErrCouncilNotFound is the NOT_FOUND fault of a council outside the
// register: what the use cases return when asked for a record of a council
// the suite does not hold.
var ErrCouncilNotFound = fault.NotFound(ReasonCouncilNotFound, "the council does not exist")

const (
	letters      = "abcdefghijklmnopqrstuvwxyz"
	alphanumeric = letters + "0123456789"
)

// ValidKey reports whether id is 1 to 63 lowercase letters, digits and
// hyphens, neither starting nor ending with a hyphen: the characters an ID
// may hold, so that it cannot smuggle a separator into a resource name or a
// Redis key. IDs that may start with a digit (an engagement's, say) have
// this shape; ValidID adds AIP-122's leading letter.
func ValidKey(id string) bool {
	if len(id) == 0 || len(id) > MaxIDLen || id[0] == '-' || id[len(id)-1] == '-' {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// ValidID reports whether id has AIP-122's shape: 1 to 63 lowercase letters,
// digits and hyphens, starting with a letter and not ending with a hyphen,
// such as "north-yorkshire" or an ID NewID issued.
func ValidID(id string) bool {
	return ValidKey(id) && id[0] >= 'a' && id[0] <= 'z'
}

// NewID returns a fresh random ID: short, URL-safe, lowercase and valid.
func NewID() string { return RandomID(IDLen) }

// RandomID returns a fresh random ID of n (1 to MaxIDLen) characters: a
// lowercase letter then lowercase letters and digits, so it is valid.
func RandomID(n int) string {
	fresh := func() []byte {
		var b [32]byte
		// crypto/rand.Read never returns an error (Go 1.24+).
		_, _ = rand.Read(b[:])
		return b[:]
	}
	return idFrom(n, fresh, fresh())
}

// IDFor returns the ID a create with request ID requestID in scope gets when
// the caller names none: a hash of the two, so a retry of the request
// computes the same ID, finds the resource under the same hash tag and
// replays the first response, as AIP-155 asks. The hash hides the request ID;
// the scope (method and caller) keeps callers apart. kind separates the ID
// spaces of different collections.
func IDFor(kind, scope, requestID string) string {
	sum := sha256.Sum256([]byte("turnaround." + kind + ".id.v1\x00" + scope + "\x00" + requestID))
	block := sum[:]
	return idFrom(IDLen, func() []byte {
		next := sha256.Sum256(block)
		block = next[:]
		return block
	}, block)
}

// idFrom draws an ID of n characters from first and then, while more bytes
// are needed, from more. Rejection sampling keeps every character equally
// likely.
func idFrom(n int, more func() []byte, first []byte) string {
	out := make([]byte, 0, n)
	src := first
	for {
		for _, b := range src {
			alphabet := alphanumeric
			if len(out) == 0 {
				alphabet = letters
			}
			if limit := 256 - 256%len(alphabet); int(b) < limit {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
			if len(out) == n {
				return string(out)
			}
		}
		src = more()
	}
}

// Name joins a collection and an ID: Name("sponsors", "leeds") is
// "sponsors/leeds".
func Name(collection, id string) string { return collection + "/" + id }

// CouncilName is the resource name of the council with GSS code gss.
func CouncilName(gss string) string { return Councils + "/" + gss }

// ParseID reads a top-level resource name, {collection}/{id}, and returns
// its ID. field names the request field for the violation.
func ParseID(field, collection, name string) (string, error) {
	id, ok := strings.CutPrefix(name, collection+"/")
	if !ok || !ValidID(id) {
		return "", fault.Field(field, "must be %s/{id} with an id of lowercase letters, digits and hyphens, got %q", collection, name)
	}
	return id, nil
}

// ParseCouncil reads a council's resource name, localAuthorities/{gss_code},
// and returns the GSS code. Only the shape is checked: whether it is one of
// the 152 councils is the caller's to say.
func ParseCouncil(field, name string) (string, error) {
	gss, ok := strings.CutPrefix(name, Councils+"/")
	if !ok || !reference.ValidGSSCode(gss) {
		return "", fault.Field(field, "must be localAuthorities/{gss_code} with a GSS code such as E08000035, got %q", name)
	}
	return gss, nil
}

// AllCouncils is the wildcard council of a list's parent,
// localAuthorities/-, which AIP-159 uses to list across every council.
const AllCouncils = "-"

// ParseCouncilOrAll reads a list's parent: a council's resource name, whose
// GSS code it returns, or localAuthorities/-, for which it returns
// AllCouncils.
func ParseCouncilOrAll(field, name string) (string, error) {
	if name == Councils+"/"+AllCouncils {
		return AllCouncils, nil
	}
	gss, ok := strings.CutPrefix(name, Councils+"/")
	if !ok || !reference.ValidGSSCode(gss) {
		return "", fault.Field(field, "must be localAuthorities/{gss_code} with a GSS code such as E08000035, or localAuthorities/- for every council, got %q", name)
	}
	return gss, nil
}

// ParseCouncilChild reads the name of a resource that belongs to a council,
// localAuthorities/{gss_code}/{collection}/{id}, and returns the GSS code and
// the ID.
func ParseCouncilChild(field, collection, name string) (gss, id string, err error) {
	rest, ok := strings.CutPrefix(name, Councils+"/")
	if ok {
		var coll string
		gss, coll, ok = strings.Cut(rest, "/")
		if ok {
			id, ok = strings.CutPrefix(coll, collection+"/")
		}
	}
	if !ok || !reference.ValidGSSCode(gss) || !ValidID(id) {
		return "", "", fault.Field(field, "must be localAuthorities/{gss_code}/%s/{id}, such as localAuthorities/E08000035/%s/abc123, got %q",
			collection, collection, name)
	}
	return gss, id, nil
}

// CouncilChildName is the name of the resource id in collection of the
// council gss.
func CouncilChildName(gss, collection, id string) string {
	return Councils + "/" + gss + "/" + collection + "/" + id
}
