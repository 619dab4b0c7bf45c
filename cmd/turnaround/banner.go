package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/auth"
)

// devPrincipals are the example callers the banner prints tokens for: one
// per role, with a council and a sponsor for the roles that need one.
var devPrincipals = []auth.Principal{
	{Subject: "dev-ofsted-inspector", Roles: []auth.Role{auth.RoleOfstedInspector}},
	{Subject: "dev-lga-adviser", Roles: []auth.Role{auth.RoleLGAAdviser}},
	{Subject: "dev-dfe-official", Roles: []auth.Role{auth.RoleDfEOfficial}},
	{Subject: "dev-council-officer-leeds", Roles: []auth.Role{auth.RoleCouncilOfficer}, Authority: "E08000035"},
	{Subject: "dev-sponsor-officer-hampshire", Roles: []auth.Role{auth.RoleSponsorOfficer}, Sponsor: "hampshire"},
	{Subject: "dev-partner-system", Roles: []auth.Role{auth.RolePartnerSystem}},
}

// devTokenTTL is how long the printed tokens stay valid.
const devTokenTTL = 12 * time.Hour

// printBanner tells a newcomer where everything is and how to call it.
func printBanner(w io.Writer, httpURL, grpcAddr, adminURL string, key []byte) error {
	var b strings.Builder
	fmt.Fprintf(&b, "\nTurnaround is running (all components in one process).\n\n")
	fmt.Fprintf(&b, "  !! Data lives in memory (embedded Redis): it is gone when this process stops.\n")
	fmt.Fprintf(&b, "  !! Set REDIS_URL to keep it in a real Redis.\n\n")
	fmt.Fprintf(&b, "  Browser  Console        %s/console/ (development sign-in: pick a role)\n", httpURL)
	fmt.Fprintf(&b, "           API reference  %s/docs\n", httpURL)
	fmt.Fprintf(&b, "           OpenAPI        %s/openapi.json\n", httpURL)
	fmt.Fprintf(&b, "  REST     %s/v1/localAuthorities\n", httpURL)
	fmt.Fprintf(&b, "  gRPC     %s (reflection on)\n", grpcAddr)
	fmt.Fprintf(&b, "  Metrics  %s/metrics\n\n", adminURL)
	fmt.Fprintf(&b, "Development tokens (valid %s; `turnaround token -role ROLE` makes more):\n", devTokenTTL)
	var first string
	for _, p := range devPrincipals {
		tok, err := auth.MintDevToken(key, p, devTokenTTL)
		if err != nil {
			return fmt.Errorf("mint development token for %s: %w", p.Roles[0], err)
		}
		if first == "" {
			first = tok
		}
		label := string(p.Roles[0])
		if p.Authority != "" {
			label += " (" + p.Authority + ")"
		}
		if p.Sponsor != "" {
			label += " (" + p.Sponsor + ")"
		}
		fmt.Fprintf(&b, "\n  %s\n  TOKEN=%s\n", label, tok)
	}
	fmt.Fprintf(&b, "\nTry (with TOKEN set to one of the above):\n")
	fmt.Fprintf(&b, "  curl -H \"Authorization: Bearer $TOKEN\" '%s/v1/localAuthorities?page_size=5&filter=region=\"LONDON\"'\n", httpURL)
	fmt.Fprintf(&b, "  curl -H \"Authorization: Bearer $TOKEN\" %s/v1/localAuthorities/E08000035\n", httpURL)
	fmt.Fprintf(&b, "  grpcurl -plaintext -H \"authorization: Bearer $TOKEN\" -d '{\"name\":\"localAuthorities/E08000035\"}' %s turnaround.inspection.v1.InspectionService/GetLocalAuthority\n\n", grpcAddr)
	_, err := io.WriteString(w, b.String())
	return err
}
