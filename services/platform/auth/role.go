// Package auth authenticates and authorises every Turnaround gRPC call.
//
// A caller presents a bearer JWT; a Verifier checks it (RS256/ES256 against a
// JWKS in production, HS256 against a generated development key in embedded
// mode) and turns its claims into a Principal. One interceptor pair enforces
// a Policy per RPC, denying by default, and puts the Principal in the
// context, where handlers read it for object-level checks such as
// RequireCouncil.
package auth

import (
	"fmt"
	"slices"
)

// Role is what a caller is allowed to be. Roles are closed: a token naming
// any other role is refused, so a typo in an identity provider's mapping
// fails loudly instead of granting nothing silently.
type Role string

// The roles of Turnaround's users and partners.
const (
	// RoleOfstedInspector records inspections and their judgements.
	RoleOfstedInspector Role = "ofsted_inspector"
	// RoleLGAAdviser runs sector-led peer reviews.
	RoleLGAAdviser Role = "lga_adviser"
	// RoleDfEOfficial oversees intervention and sponsor matching.
	RoleDfEOfficial Role = "dfe_official"
	// RoleCouncilOfficer works for one council, named by the token's
	// authority claim, and sees only that council's records.
	RoleCouncilOfficer Role = "council_officer"
	// RoleSponsorOfficer works for one sponsor, named by the token's sponsor
	// claim.
	RoleSponsorOfficer Role = "sponsor_officer"
	// RolePartnerSystem is a machine client integrating over gRPC.
	RolePartnerSystem Role = "partner_system"
)

var allRoles = []Role{
	RoleOfstedInspector,
	RoleLGAAdviser,
	RoleDfEOfficial,
	RoleCouncilOfficer,
	RoleSponsorOfficer,
	RolePartnerSystem,
}

// AllRoles returns every role, in a fixed order. The slice is the caller's to
// keep or change.
func AllRoles() []Role {
	return slices.Clone(allRoles)
}

// ParseRole returns the role named s, or an error if s names none.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if !slices.Contains(allRoles, r) {
		return "", fmt.Errorf("unknown role %q", s)
	}
	return r, nil
}

// String returns the role's wire name.
func (r Role) String() string { return string(r) }
