package auth

import (
	"context"
	"slices"
	"testing"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

func TestParseRole(t *testing.T) {
	for _, r := range AllRoles() {
		got, err := ParseRole(string(r))
		if err != nil || got != r {
			t.Errorf("ParseRole(%q) = %q, %v", r, got, err)
		}
	}
	for _, s := range []string{"", "admin", "DfE_Official", "dfe_official ", "council-officer"} {
		if _, err := ParseRole(s); err == nil {
			t.Errorf("ParseRole(%q) succeeded", s)
		}
	}
	want := []Role{"ofsted_inspector", "lga_adviser", "dfe_official", "council_officer", "sponsor_officer", "partner_system"}
	if got := AllRoles(); !slices.Equal(got, want) {
		t.Fatalf("AllRoles() = %v, want %v", got, want)
	}
	AllRoles()[0] = "tampered"
	if AllRoles()[0] != RoleOfstedInspector {
		t.Fatal("AllRoles returned the package's own slice")
	}
}

func TestPrincipalAccess(t *testing.T) {
	officer := Principal{Subject: "o", Roles: []Role{RoleCouncilOfficer}, Authority: "E08000035"}
	sponsorOfficer := Principal{Subject: "s", Roles: []Role{RoleSponsorOfficer}, Sponsor: "trust-1"}
	tests := []struct {
		name        string
		p           Principal
		gss         string
		wantCouncil bool
		sponsor     string
		wantSponsor bool
	}{
		{name: "officer own council", p: officer, gss: "E08000035", wantCouncil: true, sponsor: "trust-1", wantSponsor: true},
		{name: "officer other council", p: officer, gss: "E08000017", wantCouncil: false, sponsor: "trust-2", wantSponsor: true},
		{name: "officer without authority", p: Principal{Roles: []Role{RoleCouncilOfficer}}, gss: "", wantCouncil: false,
			sponsor: "trust-1", wantSponsor: true},
		{name: "inspector any council", p: Principal{Roles: []Role{RoleOfstedInspector}}, gss: "E08000017", wantCouncil: true,
			sponsor: "trust-9", wantSponsor: true},
		{name: "officer who is also DfE", p: Principal{Roles: []Role{RoleCouncilOfficer, RoleDfEOfficial}, Authority: "E08000035"},
			gss: "E08000017", wantCouncil: true, sponsor: "trust-1", wantSponsor: true},
		{name: "sponsor officer own sponsor", p: sponsorOfficer, gss: "E08000017", wantCouncil: false, sponsor: "trust-1", wantSponsor: true},
		{name: "sponsor officer other sponsor", p: sponsorOfficer, sponsor: "trust-2", wantSponsor: false, gss: "E08000001", wantCouncil: false},
		{name: "partner system has no council reach", p: Principal{Roles: []Role{RolePartnerSystem}}, gss: "E08000017", wantCouncil: false,
			sponsor: "trust-1", wantSponsor: true},
		{name: "officer who is also a partner system", p: Principal{Roles: []Role{RoleCouncilOfficer, RolePartnerSystem}, Authority: "E08000035"},
			gss: "E08000017", wantCouncil: false, sponsor: "trust-1", wantSponsor: true},
		{name: "no roles", p: Principal{Subject: "x"}, gss: "E08000017", wantCouncil: false, sponsor: "trust-1", wantSponsor: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.CanReadCouncil(tc.gss); got != tc.wantCouncil {
				t.Errorf("CanReadCouncil(%q) = %v, want %v", tc.gss, got, tc.wantCouncil)
			}
			if got := tc.p.CanReadSponsor(tc.sponsor); got != tc.wantSponsor {
				t.Errorf("CanReadSponsor(%q) = %v, want %v", tc.sponsor, got, tc.wantSponsor)
			}
			ctx := NewContext(context.Background(), tc.p)
			err := RequireCouncil(ctx, tc.gss)
			if tc.wantCouncil {
				if err != nil {
					t.Errorf("RequireCouncil: %v", err)
				}
			} else {
				wantFault(t, err, fault.KindPermissionDenied, ReasonCouncilNotAllowed)
			}
			err = RequireSponsor(ctx, tc.sponsor)
			if tc.wantSponsor {
				if err != nil {
					t.Errorf("RequireSponsor: %v", err)
				}
			} else {
				wantFault(t, err, fault.KindPermissionDenied, ReasonSponsorNotAllowed)
			}
		})
	}
}

func TestRequireWithoutPrincipal(t *testing.T) {
	wantFault(t, RequireCouncil(context.Background(), "E08000035"), fault.KindUnauthenticated, ReasonTokenMissing)
	wantFault(t, RequireSponsor(context.Background(), "trust-1"), fault.KindUnauthenticated, ReasonTokenMissing)
}

func TestContextRoundTrip(t *testing.T) {
	if _, ok := FromContext(context.Background()); ok {
		t.Fatal("empty context has a principal")
	}
	p := Principal{Subject: "a", Roles: []Role{RoleLGAAdviser}}
	got, ok := FromContext(NewContext(context.Background(), p))
	if !ok || !equalPrincipal(got, p) {
		t.Fatalf("FromContext = %+v, %v", got, ok)
	}
	if !got.HasRole(RolePartnerSystem, RoleLGAAdviser) || got.HasRole(RolePartnerSystem) || got.HasRole() {
		t.Fatal("HasRole is wrong")
	}
}

func TestIsGSSCode(t *testing.T) {
	tests := map[string]bool{
		"E08000035": true, "E09000001": true, "E06000001": true,
		"": false, "E0800003": false, "E080000355": false, "W06000001": false, "e08000035": false, "E0800003X": false,
	}
	for s, want := range tests {
		if got := IsGSSCode(s); got != want {
			t.Errorf("IsGSSCode(%q) = %v, want %v", s, got, want)
		}
	}
}
