package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

// Reasons of the PERMISSION_DENIED faults this package returns.
const (
	// ReasonPolicyMissing: the method declares no policy, so nobody may call it.
	ReasonPolicyMissing = "POLICY_MISSING"
	// ReasonRoleNotAllowed: none of the caller's roles may call the method.
	ReasonRoleNotAllowed = "ROLE_NOT_ALLOWED"
	// ReasonCouncilNotAllowed: a council officer asked for another council's records.
	ReasonCouncilNotAllowed = "COUNCIL_NOT_ALLOWED"
	// ReasonSponsorNotAllowed: a sponsor officer asked for another sponsor's records.
	ReasonSponsorNotAllowed = "SPONSOR_NOT_ALLOWED"
)

// Principal is the authenticated caller of a request.
type Principal struct {
	// Subject is the token's sub claim: who the caller is.
	Subject string
	// Roles are the caller's roles; never empty for a verified caller.
	Roles []Role
	// Authority is the GSS code of a council officer's council (E08000035).
	Authority string
	// Sponsor is the sponsor id of a sponsor officer.
	Sponsor string
}

// HasRole reports whether p holds any of roles.
func (p Principal) HasRole(roles ...Role) bool {
	for _, r := range roles {
		if slices.Contains(p.Roles, r) {
			return true
		}
	}
	return false
}

// CanReadCouncil reports whether p may see the non-public records of the
// council with GSS code gss. Ofsted inspectors, LGA advisers and DfE
// officials see every council; a council officer sees only their own. Other
// roles have no council-wide reach here: partner systems read published
// information only, and sponsor officers are granted the councils they
// support by the services that know the engagements. Holding a narrow role
// beside council_officer therefore never widens an officer's reach.
func (p Principal) CanReadCouncil(gss string) bool {
	if p.HasRole(RoleOfstedInspector, RoleLGAAdviser, RoleDfEOfficial) {
		return true
	}
	return p.HasRole(RoleCouncilOfficer) && p.Authority != "" && p.Authority == gss
}

// CanReadSponsor reports whether p may see the records of the sponsor with id
// sponsor: a sponsor officer sees only their own sponsor; any other role sees
// every sponsor.
func (p Principal) CanReadSponsor(sponsor string) bool {
	if p.hasRoleOtherThan(RoleSponsorOfficer) {
		return true
	}
	return p.HasRole(RoleSponsorOfficer) && p.Sponsor != "" && p.Sponsor == sponsor
}

func (p Principal) hasRoleOtherThan(r Role) bool {
	for _, have := range p.Roles {
		if have != r {
			return true
		}
	}
	return false
}

// validate checks the invariants every verified Principal holds, so a token
// and a minted development token are judged by the same rules.
func (p Principal) validate() error {
	if p.Subject == "" {
		return errors.New("subject is empty")
	}
	if len(p.Roles) == 0 {
		return errors.New("no roles")
	}
	for _, r := range p.Roles {
		if _, err := ParseRole(string(r)); err != nil {
			return err
		}
	}
	if p.Authority != "" && !IsGSSCode(p.Authority) {
		return fmt.Errorf("authority %q is not a council GSS code", p.Authority)
	}
	if p.HasRole(RoleCouncilOfficer) && p.Authority == "" {
		return errors.New("council_officer needs an authority")
	}
	if p.Sponsor != "" && !isSponsorID(p.Sponsor) {
		return fmt.Errorf("sponsor %q is not a sponsor id", p.Sponsor)
	}
	if p.HasRole(RoleSponsorOfficer) && p.Sponsor == "" {
		return errors.New("sponsor_officer needs a sponsor")
	}
	return nil
}

// IsGSSCode reports whether s has the shape of an English council's GSS code:
// the letter E and eight digits, such as E08000035.
func IsGSSCode(s string) bool {
	if len(s) != 9 || s[0] != 'E' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isSponsorID accepts the identifier shapes a sponsor id can take (slugs,
// UUIDs) and nothing that could smuggle separators into a key or resource
// name.
func isSponsorID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
		if !ok {
			return false
		}
	}
	return true
}

type principalKey struct{}

// NewContext returns a copy of ctx carrying p.
func NewContext(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the Principal in ctx, if the interceptor put one there.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// RequireCouncil returns nil when the caller in ctx may see the council with
// GSS code gss, and a PERMISSION_DENIED fault otherwise. A context without a
// Principal is UNAUTHENTICATED: the method was served without the
// interceptor, which must never grant access.
func RequireCouncil(ctx context.Context, gss string) error {
	return require(ctx, Principal.CanReadCouncil, gss, ReasonCouncilNotAllowed, "council", "authority")
}

// RequireSponsor returns nil when the caller in ctx may see the sponsor with
// id sponsor, and a PERMISSION_DENIED fault otherwise.
func RequireSponsor(ctx context.Context, sponsor string) error {
	return require(ctx, Principal.CanReadSponsor, sponsor, ReasonSponsorNotAllowed, "sponsor", "sponsor")
}

// require returns nil when may says the caller in ctx may see the what
// with id, and otherwise a PERMISSION_DENIED fault with reason that names
// id under the metadata key key.
func require(ctx context.Context, may func(Principal, string) bool, id, reason, what, key string) error {
	p, ok := FromContext(ctx)
	if !ok {
		return errNoPrincipal()
	}
	if !may(p, id) {
		return fault.PermissionDenied(reason, "the caller may not access %s %s", what, id).With(key, id)
	}
	return nil
}

func errNoPrincipal() error {
	return fault.Unauthenticated(ReasonTokenMissing, "the request is not authenticated")
}
