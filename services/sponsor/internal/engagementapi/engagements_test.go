package engagementapi

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagement"
)

func TestPoliciesCoverExactlyTheEngagementMethods(t *testing.T) {
	if err := Policies.Validate(); err != nil {
		t.Fatal(err)
	}
	want := map[string][]auth.Role{
		sponsorv1.SponsorService_GetEngagement_FullMethodName:            {auth.RoleDfEOfficial, auth.RoleLGAAdviser, auth.RoleSponsorOfficer, auth.RoleCouncilOfficer},
		sponsorv1.SponsorService_ListEngagements_FullMethodName:          {auth.RoleDfEOfficial, auth.RoleLGAAdviser, auth.RoleSponsorOfficer, auth.RoleCouncilOfficer},
		sponsorv1.SponsorService_RecordDeployment_FullMethodName:         {auth.RoleSponsorOfficer},
		sponsorv1.SponsorService_ListDeployments_FullMethodName:          {auth.RoleDfEOfficial, auth.RoleSponsorOfficer},
		sponsorv1.SponsorService_GetCompensationStatement_FullMethodName: {auth.RoleDfEOfficial, auth.RoleSponsorOfficer},
	}
	if len(Policies) != len(want) {
		t.Errorf("%d policies, want %d", len(Policies), len(want))
	}
	for method, roles := range want {
		got := slices.Clone(Policies[method].Roles)
		slices.Sort(got)
		slices.Sort(roles)
		if !slices.Equal(got, roles) {
			t.Errorf("%s admits %v, want %v", method, got, roles)
		}
	}
}

func TestGetEngagementAccess(t *testing.T) {
	e := newEnv(t)
	eng := e.engage(hampshire, slough, 40)
	missing := engagement.Name(hampshire, "missing")
	tests := []struct {
		name   string
		caller auth.Principal
		target string
		code   codes.Code
		reason string
	}{
		{"DfE reads any sponsor's", rpctest.Official, eng.Name(), codes.OK, ""},
		{"the sponsor's officer reads its own", hampshireOfficer, eng.Name(), codes.OK, ""},
		{"the supported council's officer reads it", sloughOfficer, eng.Name(), codes.OK, ""},
		{"the LGA reads it: it sees which sponsor supports a council", rpctest.Adviser, eng.Name(), codes.OK, ""},
		{"the LGA asking for a missing one", rpctest.Adviser, missing, codes.NotFound, engagement.ReasonNotFound},
		{"another sponsor's officer is denied", leedsOfficer, eng.Name(), codes.PermissionDenied, access.ReasonNotAllowed},
		{"another council's officer is denied", doncasterOfficer, eng.Name(), codes.PermissionDenied, access.ReasonNotAllowed},
		// Denied alike whether it exists or not: names cannot be probed.
		{"a council officer asking for a missing one is denied", sloughOfficer, missing, codes.PermissionDenied, access.ReasonNotAllowed},
		{"another sponsor's officer asking for a missing one is denied", leedsOfficer, missing, codes.PermissionDenied, access.ReasonNotAllowed},
		{"DfE asking for a missing one", rpctest.Official, missing, codes.NotFound, engagement.ReasonNotFound},
		{"the sponsor asking for a missing one", hampshireOfficer, missing, codes.NotFound, engagement.ReasonNotFound},
		{"Ofsted is denied", rpctest.Inspector, eng.Name(), codes.PermissionDenied, auth.ReasonRoleNotAllowed},
		{"partner systems are denied", rpctest.Partner, eng.Name(), codes.PermissionDenied, auth.ReasonRoleNotAllowed},
	}
	want := encode(eng)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := e.client.GetEngagement(e.as(tc.caller), &sponsorv1.GetEngagementRequest{Name: tc.target})
			if tc.code == codes.OK {
				if err != nil || !proto.Equal(got, want) {
					t.Fatalf("GetEngagement = %v, %v; want %v", got, err, want)
				}
				return
			}
			rpctest.ExpectError(t, tc.name, err, tc.code, tc.reason)
		})
	}
	_, err := e.client.GetEngagement(context.Background(), &sponsorv1.GetEngagementRequest{Name: eng.Name()})
	rpctest.ExpectError(t, "no token", err, codes.Unauthenticated, "")
	_, err = e.client.GetEngagement(e.as(rpctest.Official), &sponsorv1.GetEngagementRequest{Name: "sponsors/hampshire/engagements"})
	rpctest.ExpectError(t, "bad name", err, codes.InvalidArgument, "", "name")
}

// names lists the engagements' names, in order.
func names(es []*sponsorv1.Engagement) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.GetName())
	}
	return out
}

func TestListEngagementsNarrowsToTheCaller(t *testing.T) {
	e := newEnv(t)
	// Created in this order, so listed newest first in reverse.
	hSlough := e.engage(hampshire, slough, 40)
	hDoncaster := e.engage(hampshire, doncaster, 20)
	lSlough := e.engage(leeds, slough, 10)
	dSunderland := e.engage(durham, sunderland, 30)
	list := func(p auth.Principal, parent, filter string) ([]string, error) {
		resp, err := e.client.ListEngagements(e.as(p), &sponsorv1.ListEngagementsRequest{Parent: parent, Filter: filter})
		if err != nil {
			return nil, err
		}
		if int(resp.GetTotalSize()) != len(resp.GetEngagements()) || resp.GetNextPageToken() != "" {
			t.Errorf("one page of %d: total %d, next %q", len(resp.GetEngagements()), resp.GetTotalSize(), resp.GetNextPageToken())
		}
		return names(resp.GetEngagements()), nil
	}
	bySlough := `local_authority = "localAuthorities/` + slough + `"`
	tests := []struct {
		name   string
		caller auth.Principal
		parent string
		filter string
		want   []string
	}{
		{"DfE, every sponsor", rpctest.Official, "sponsors/-", "", []string{dSunderland.Name(), lSlough.Name(), hDoncaster.Name(), hSlough.Name()}},
		{"DfE, one sponsor", rpctest.Official, "sponsors/hampshire", "", []string{hDoncaster.Name(), hSlough.Name()}},
		{"DfE, who supports Slough", rpctest.Official, "sponsors/-", bySlough, []string{lSlough.Name(), hSlough.Name()}},
		{"DfE, who supports Slough, by its GSS code", rpctest.Official, "sponsors/-", "local_authority = " + slough, []string{lSlough.Name(), hSlough.Name()}},
		{"DfE, active only", rpctest.Official, "sponsors/durham", "state = ACTIVE", []string{dSunderland.Name()}},
		{"DfE, ended only", rpctest.Official, "sponsors/-", "state = ENDED", nil},
		{"DfE, a sponsor without engagements", rpctest.Official, "sponsors/nspcc", "", nil},
		{"a sponsor officer, every sponsor means their own", hampshireOfficer, "sponsors/-", "", []string{hDoncaster.Name(), hSlough.Name()}},
		{"a sponsor officer, their own", hampshireOfficer, "sponsors/hampshire", bySlough, []string{hSlough.Name()}},
		{"Slough's officer sees who supports Slough", sloughOfficer, "sponsors/-", "", []string{lSlough.Name(), hSlough.Name()}},
		{"Slough's officer, one sponsor", sloughOfficer, "sponsors/hampshire", "", []string{hSlough.Name()}},
		{"the LGA sees who supports Slough", rpctest.Adviser, "sponsors/-", bySlough, []string{lSlough.Name(), hSlough.Name()}},
		{"the LGA, one sponsor", rpctest.Adviser, "sponsors/hampshire", "", []string{hDoncaster.Name(), hSlough.Name()}},
		{"Doncaster's officer filtering on Slough sees nothing", doncasterOfficer, "sponsors/-", bySlough, nil},
		{"Doncaster's officer", doncasterOfficer, "sponsors/-", "", []string{hDoncaster.Name()}},
	}
	for _, tc := range tests {
		got, err := list(tc.caller, tc.parent, tc.filter)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}

	for _, tc := range []struct {
		name   string
		caller auth.Principal
		parent string
		reason string
	}{
		{"a sponsor officer listing another sponsor", leedsOfficer, "sponsors/hampshire", access.ReasonNotAllowed},
		{"Ofsted", rpctest.Inspector, "sponsors/-", auth.ReasonRoleNotAllowed},
		// A sponsor that does not support the officer's council is refused,
		// as its engagements are when named one by one.
		{"Slough's officer, a sponsor not supporting Slough", sloughOfficer, "sponsors/durham", access.ReasonNotAllowed},
		{"a partner system", rpctest.Partner, "sponsors/-", auth.ReasonRoleNotAllowed},
	} {
		_, err := list(tc.caller, tc.parent, "")
		rpctest.ExpectError(t, tc.name, err, codes.PermissionDenied, tc.reason)
	}

	_, err := e.client.ListEngagements(e.as(rpctest.Official), &sponsorv1.ListEngagementsRequest{Parent: "sponsors", Filter: "sponsor = leeds", PageSize: -1})
	rpctest.ExpectError(t, "every problem at once", err, codes.InvalidArgument, "", "filter", "page_size", "parent")
}

func TestListEngagementsPages(t *testing.T) {
	e := newEnv(t)
	var want []string
	for range 5 {
		want = append([]string{e.engage(hampshire, slough, 10).Name()}, want...)
	}
	e.engage(hampshire, doncaster, 10)
	req := &sponsorv1.ListEngagementsRequest{Parent: "sponsors/-", PageSize: 2, Filter: `local_authority = "localAuthorities/` + slough + `"`}
	var got []string
	for page := 0; ; page++ {
		resp, err := e.client.ListEngagements(e.as(sloughOfficer), req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.GetTotalSize() != 5 {
			t.Errorf("page %d: total %d, want 5", page, resp.GetTotalSize())
		}
		got = append(got, names(resp.GetEngagements())...)
		if resp.GetNextPageToken() == "" {
			break
		}
		if page > 5 {
			t.Fatal("the pages never end")
		}
		// A token is bound to the caller's view: Doncaster's officer
		// cannot continue Slough's officer's list.
		other := proto.Clone(req).(*sponsorv1.ListEngagementsRequest)
		other.PageToken = resp.GetNextPageToken()
		_, err = e.client.ListEngagements(e.as(doncasterOfficer), other)
		rpctest.ExpectError(t, "another view's token", err, codes.InvalidArgument, paging.ReasonPageTokenMismatch, "page_token")
		req.PageToken = resp.GetNextPageToken()
	}
	if !slices.Equal(got, want) {
		t.Errorf("pages = %v, want %v", got, want)
	}
}

func TestRecordDeployment(t *testing.T) {
	e := newEnv(t)
	eng := e.engage(hampshire, slough, 40)
	req := &sponsorv1.RecordDeploymentRequest{
		Parent: eng.Name(),
		Deployment: &sponsorv1.Deployment{
			Date: protoDate(date(2016, 6, 1)), Role: director, StaffDays: 2.5, Notes: "Interim director of children's services.",
			Name: "ignored", RecordedBy: "someone else", // output only
		},
		RequestId: "dep-req-1",
	}
	// A retry replays the first answer and deploys nothing more.
	d := rpctest.Replayed(t, "record", e.as(hampshireOfficer), e.client.RecordDeployment, req)
	if !strings.HasPrefix(d.GetName(), eng.Name()+"/deployments/") || d.GetRecordedBy() != hampshireOfficer.Subject ||
		d.GetStaffDays() != 2.5 || d.GetRole() != director || d.GetDate().GetDay() != 1 || !d.GetCreateTime().AsTime().After(start) {
		t.Fatalf("recorded = %v", d)
	}
	changed := proto.Clone(req).(*sponsorv1.RecordDeploymentRequest)
	changed.Deployment.StaffDays = 3
	_, err := e.client.RecordDeployment(e.as(hampshireOfficer), changed)
	rpctest.ExpectError(t, "request_id reused", err, codes.InvalidArgument, "REQUEST_ID_REUSED", "request_id")

	got, err := e.client.GetEngagement(e.as(hampshireOfficer), &sponsorv1.GetEngagementRequest{Name: eng.Name()})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetDeployedStaffDays() != 2.5 || got.GetEtag() != `"2"` {
		t.Errorf("engagement after one deployment: %v days at etag %s, want 2.5 at \"2\"", got.GetDeployedStaffDays(), got.GetEtag())
	}

	// More deployments, recorded out of date order: listed oldest first.
	e.record(hampshireOfficer, eng, date(2016, 4, 1), socialWorker, 0.5)
	e.record(hampshireOfficer, eng, date(2016, 6, 15), manager, 31)
	list, err := e.client.ListDeployments(e.as(rpctest.Official), &sponsorv1.ListDeploymentsRequest{Parent: eng.Name()})
	if err != nil {
		t.Fatal(err)
	}
	var days []float64
	for _, dep := range list.GetDeployments() {
		days = append(days, dep.GetStaffDays())
	}
	if want := []float64{0.5, 2.5, 31}; !slices.Equal(days, want) || list.GetTotalSize() != 3 || !proto.Equal(list.GetDeployments()[1], d) {
		t.Errorf("deployments %v (total %d), want %v with the first recorded in the middle", days, list.GetTotalSize(), want)
	}
	got, err = e.client.GetEngagement(e.as(rpctest.Official), &sponsorv1.GetEngagementRequest{Name: eng.Name()})
	if err != nil || got.GetDeployedStaffDays() != 34 || got.GetEtag() != `"4"` {
		t.Errorf("engagement after three deployments = %v, %v; want 34 days at etag \"4\"", got, err)
	}

	var trail []string
	for _, a := range e.audits(hampshire) {
		if a.Method == sponsorv1.SponsorService_RecordDeployment_FullMethodName && a.RequestID == "dep-req-1" {
			trail = append(trail, a.Actor+" "+a.Resource+" "+a.EtagBefore+">"+a.EtagAfter)
		}
	}
	if want := []string{"hants-1 " + d.GetName() + ` >"1"`, "hants-1 " + eng.Name() + ` "1">"2"`}; !slices.Equal(trail, want) {
		t.Errorf("audit of the first deployment %q, want %q", trail, want)
	}
}

func TestRecordDeploymentDenied(t *testing.T) {
	e := newEnv(t)
	eng := e.engage(hampshire, slough, 40)
	tests := []struct {
		name   string
		caller auth.Principal
		reason string
	}{
		// DfE reads everything but the sponsor records what it lent.
		{"DfE", rpctest.Official, auth.ReasonRoleNotAllowed},
		{"another sponsor's officer", leedsOfficer, access.ReasonNotAllowed},
		{"the supported council's officer", sloughOfficer, auth.ReasonRoleNotAllowed},
		{"Ofsted", rpctest.Inspector, auth.ReasonRoleNotAllowed},
		{"the LGA", rpctest.Adviser, auth.ReasonRoleNotAllowed},
		{"a partner system", rpctest.Partner, auth.ReasonRoleNotAllowed},
		{"DfE and another sponsor's officer at once", auth.Principal{Subject: "both-1", Roles: []auth.Role{auth.RoleDfEOfficial, auth.RoleSponsorOfficer}, Sponsor: leeds}, access.ReasonNotAllowed},
	}
	for _, tc := range tests {
		_, err := e.client.RecordDeployment(e.as(tc.caller), &sponsorv1.RecordDeploymentRequest{
			Parent:     eng.Name(),
			Deployment: &sponsorv1.Deployment{Date: protoDate(date(2016, 6, 1)), Role: manager, StaffDays: 1},
		})
		rpctest.ExpectError(t, tc.name, err, codes.PermissionDenied, tc.reason)
	}
	e.wantNothingDeployed(eng, "the denied calls")
}

func TestRecordDeploymentErrors(t *testing.T) {
	e := newEnv(t)
	eng := e.engage(hampshire, slough, 40)
	ctx := e.as(hampshireOfficer)
	valid := func() *sponsorv1.Deployment {
		return &sponsorv1.Deployment{Date: protoDate(date(2016, 6, 1)), Role: socialWorker, StaffDays: 1}
	}
	with := func(change func(*sponsorv1.Deployment)) *sponsorv1.Deployment {
		d := valid()
		change(d)
		return d
	}
	tests := []struct {
		name      string
		parent    string
		dep       *sponsorv1.Deployment
		requestID string
		code      codes.Code
		reason    string
		fields    []string
	}{
		{"no deployment", eng.Name(), nil, "", codes.InvalidArgument, "", []string{"deployment"}},
		{"tomorrow", eng.Name(), with(func(d *sponsorv1.Deployment) { d.Date = protoDate(date(2016, 6, 16)) }), "", codes.InvalidArgument, "", []string{"deployment.date"}},
		{"before the engagement started", eng.Name(), with(func(d *sponsorv1.Deployment) { d.Date = protoDate(date(2016, 3, 31)) }), "", codes.InvalidArgument, "", []string{"deployment.date"}},
		{"no calendar date", eng.Name(), with(func(d *sponsorv1.Deployment) { d.Date.Month, d.Date.Day = 2, 30 }), "", codes.InvalidArgument, "", []string{"deployment.date"}},
		{"no date", eng.Name(), with(func(d *sponsorv1.Deployment) { d.Date = nil }), "", codes.InvalidArgument, "", []string{"deployment.date"}},
		{"a quarter day", eng.Name(), with(func(d *sponsorv1.Deployment) { d.StaffDays = 0.25 }), "", codes.InvalidArgument, "", []string{"deployment.staff_days"}},
		{"over 31 days", eng.Name(), with(func(d *sponsorv1.Deployment) { d.StaffDays = 31.5 }), "", codes.InvalidArgument, "", []string{"deployment.staff_days"}},
		{"no role", eng.Name(), with(func(d *sponsorv1.Deployment) { d.Role = 0 }), "", codes.InvalidArgument, "", []string{"deployment.role"}},
		{"an unknown role", eng.Name(), with(func(d *sponsorv1.Deployment) { d.Role = 9 }), "", codes.InvalidArgument, "", []string{"deployment.role"}},
		{"everything at once", "sponsors/hampshire", &sponsorv1.Deployment{StaffDays: -1}, strings.Repeat("r", 129), codes.InvalidArgument, "",
			[]string{"deployment.date", "deployment.role", "deployment.staff_days", "parent", "request_id"}},
		{"a missing engagement", engagement.Name(hampshire, "missing"), valid(), "", codes.NotFound, engagement.ReasonNotFound, nil},
	}
	for _, tc := range tests {
		_, err := e.client.RecordDeployment(ctx, &sponsorv1.RecordDeploymentRequest{Parent: tc.parent, Deployment: tc.dep, RequestId: tc.requestID})
		rpctest.ExpectError(t, tc.name, err, tc.code, tc.reason, tc.fields...)
	}
	e.wantNothingDeployed(eng, "the refused calls")
}

func TestConcurrentDeploymentsAllCount(t *testing.T) {
	e := newEnv(t)
	eng := e.engage(hampshire, slough, 40)
	// Five at once: each commit can lose only to the other four, so every
	// one succeeds within the handler's attempts.
	const n = 5
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = e.client.RecordDeployment(e.as(hampshireOfficer), &sponsorv1.RecordDeploymentRequest{
				Parent:     eng.Name(),
				Deployment: &sponsorv1.Deployment{Date: protoDate(date(2016, 5, 1+i)), Role: socialWorker, StaffDays: 1.5},
				RequestId:  fmt.Sprintf("concurrent-%d", i),
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("deployment %d: %v", i, err)
		}
	}
	got, err := e.engs.Get(context.Background(), hampshire, eng.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Deployed.StaffDays() != n*1.5 || got.Version != 1+n {
		t.Errorf("engagement = %v days at version %d, want %v at %d", got.Deployed.StaffDays(), got.Version, n*1.5, 1+n)
	}
	deps, err := e.engs.Deployments(context.Background(), hampshire, eng.ID)
	if err != nil || len(deps) != n {
		t.Errorf("%d deployments, %v; want %d", len(deps), err, n)
	}
}

func TestListDeploymentsAccessAndPages(t *testing.T) {
	e := newEnv(t)
	eng := e.engage(hampshire, slough, 40)
	for day := 1; day <= 5; day++ {
		e.record(hampshireOfficer, eng, date(2016, 6, day), socialWorker, float64(day))
	}
	for _, tc := range []struct {
		name   string
		caller auth.Principal
		parent string
		code   codes.Code
		reason string
	}{
		{"DfE", rpctest.Official, eng.Name(), codes.OK, ""},
		{"the sponsor's officer", hampshireOfficer, eng.Name(), codes.OK, ""},
		{"another sponsor's officer", leedsOfficer, eng.Name(), codes.PermissionDenied, access.ReasonNotAllowed},
		{"the supported council's officer", sloughOfficer, eng.Name(), codes.PermissionDenied, auth.ReasonRoleNotAllowed},
		{"Ofsted", rpctest.Inspector, eng.Name(), codes.PermissionDenied, auth.ReasonRoleNotAllowed},
		{"the LGA", rpctest.Adviser, eng.Name(), codes.PermissionDenied, auth.ReasonRoleNotAllowed},
		{"a partner system", rpctest.Partner, eng.Name(), codes.PermissionDenied, auth.ReasonRoleNotAllowed},
		{"a missing engagement", rpctest.Official, engagement.Name(hampshire, "missing"), codes.NotFound, engagement.ReasonNotFound},
		{"another sponsor's missing engagement", leedsOfficer, engagement.Name(hampshire, "missing"), codes.PermissionDenied, access.ReasonNotAllowed},
	} {
		resp, err := e.client.ListDeployments(e.as(tc.caller), &sponsorv1.ListDeploymentsRequest{Parent: tc.parent})
		if tc.code == codes.OK {
			if err != nil || len(resp.GetDeployments()) != 5 {
				t.Errorf("%s: %d deployments, %v; want 5", tc.name, len(resp.GetDeployments()), err)
			}
			continue
		}
		rpctest.ExpectError(t, tc.name, err, tc.code, tc.reason)
	}

	req := &sponsorv1.ListDeploymentsRequest{Parent: eng.Name(), PageSize: 2}
	var days []float64
	for page := 0; ; page++ {
		resp, err := e.client.ListDeployments(e.as(hampshireOfficer), req)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range resp.GetDeployments() {
			days = append(days, d.GetStaffDays())
		}
		if resp.GetTotalSize() != 5 {
			t.Errorf("page %d: total %d, want 5", page, resp.GetTotalSize())
		}
		if resp.GetNextPageToken() == "" {
			break
		}
		if page > 5 {
			t.Fatal("the pages never end")
		}
		req.PageToken = resp.GetNextPageToken()
	}
	if want := []float64{1, 2, 3, 4, 5}; !slices.Equal(days, want) {
		t.Errorf("pages = %v, want %v oldest first", days, want)
	}
	_, err := e.client.ListDeployments(e.as(rpctest.Official), &sponsorv1.ListDeploymentsRequest{Parent: "sponsors/hampshire", PageSize: -2})
	rpctest.ExpectError(t, "bad request", err, codes.InvalidArgument, "", "page_size", "parent")
}

func TestCompensationStatement(t *testing.T) {
	e := newEnv(t)
	hSlough := e.engage(hampshire, slough, 40)
	hDoncaster := e.engage(hampshire, doncaster, 20)
	lSlough := e.engage(leeds, slough, 10)
	e.record(hampshireOfficer, hSlough, date(2016, 4, 1), director, 2)        // 1 April: first day of the period
	e.record(hampshireOfficer, hSlough, date(2016, 6, 14), socialWorker, 0.5) // within
	e.record(hampshireOfficer, hDoncaster, date(2016, 6, 15), manager, 1.5)   // today, the last day
	e.record(leedsOfficer, lSlough, date(2016, 5, 3), manager, 7)             // another sponsor's

	req := &sponsorv1.GetCompensationStatementRequest{Sponsor: "sponsors/hampshire", Period: period(date(2016, 4, 1), date(2016, 6, 15))}
	want := &sponsorv1.CompensationStatement{
		Sponsor:      "sponsors/hampshire",
		Period:       req.GetPeriod(),
		DayRatePence: 45_001,
		Councils: []*sponsorv1.CouncilCompensation{
			// 2.5 days: 5 half-days × 45,001p / 2 = 112,502.5p, rounded up.
			{LocalAuthority: "localAuthorities/" + slough, StaffDays: 2.5, AmountPence: 112_503},
			// 1.5 days: 3 × 45,001 / 2 = 67,501.5p, rounded up.
			{LocalAuthority: "localAuthorities/" + doncaster, StaffDays: 1.5, AmountPence: 67_502},
		},
		TotalStaffDays: 4,
		TotalPence:     112_503 + 67_502,
	}
	for _, p := range []auth.Principal{hampshireOfficer, rpctest.Official} {
		got, err := e.client.GetCompensationStatement(e.as(p), req)
		if err != nil || !proto.Equal(got, want) {
			t.Errorf("statement for %s = %v, %v; want %v", p.Subject, got, err, want)
		}
	}
	// A period ending the day before leaves Doncaster out.
	got, err := e.client.GetCompensationStatement(e.as(hampshireOfficer), &sponsorv1.GetCompensationStatementRequest{
		Sponsor: "sponsors/hampshire", Period: period(date(2016, 4, 1), date(2016, 6, 14)),
	})
	if err != nil || len(got.GetCouncils()) != 1 || got.GetTotalPence() != 112_503 || got.GetTotalStaffDays() != 2.5 {
		t.Errorf("statement to 14 June = %v, %v", got, err)
	}
	// A sponsor with no deployments in the period is owed nothing.
	got, err = e.client.GetCompensationStatement(e.as(rpctest.Official), &sponsorv1.GetCompensationStatementRequest{
		Sponsor: "sponsors/durham", Period: period(date(2016, 4, 1), date(2016, 6, 15)),
	})
	if err != nil || len(got.GetCouncils()) != 0 || got.GetTotalPence() != 0 || got.GetDayRatePence() != 40_000 {
		t.Errorf("durham's statement = %v, %v", got, err)
	}

	for _, tc := range []struct {
		name   string
		caller auth.Principal
		req    *sponsorv1.GetCompensationStatementRequest
		code   codes.Code
		reason string
		fields []string
	}{
		{"another sponsor's officer", leedsOfficer, req, codes.PermissionDenied, access.ReasonNotAllowed, nil},
		{"another sponsor's officer, without a period", leedsOfficer, &sponsorv1.GetCompensationStatementRequest{Sponsor: req.GetSponsor()},
			codes.PermissionDenied, access.ReasonNotAllowed, nil},
		{"the supported council's officer", sloughOfficer, req, codes.PermissionDenied, auth.ReasonRoleNotAllowed, nil},
		{"Ofsted", rpctest.Inspector, req, codes.PermissionDenied, auth.ReasonRoleNotAllowed, nil},
		{"the LGA", rpctest.Adviser, req, codes.PermissionDenied, auth.ReasonRoleNotAllowed, nil},
		{"a partner system", rpctest.Partner, req, codes.PermissionDenied, auth.ReasonRoleNotAllowed, nil},
		{"an unknown sponsor", rpctest.Official, &sponsorv1.GetCompensationStatementRequest{Sponsor: "sponsors/unknown", Period: req.GetPeriod()},
			codes.NotFound, "SPONSOR_NOT_FOUND", nil},
		{"no period", hampshireOfficer, &sponsorv1.GetCompensationStatementRequest{Sponsor: "sponsors/hampshire"},
			codes.InvalidArgument, "", []string{"period"}},
		{"end before start", hampshireOfficer, &sponsorv1.GetCompensationStatementRequest{Sponsor: "sponsors/hampshire", Period: period(date(2016, 6, 1), date(2016, 5, 31))},
			codes.InvalidArgument, "", []string{"period.end"}},
		{"longer than a year", hampshireOfficer, &sponsorv1.GetCompensationStatementRequest{Sponsor: "sponsors/hampshire", Period: period(date(2016, 4, 1), date(2017, 4, 1))},
			codes.InvalidArgument, "", []string{"period.end"}},
		{"no dates", hampshireOfficer, &sponsorv1.GetCompensationStatementRequest{Sponsor: "sponsors/hampshire", Period: &typev1.DateRange{}},
			codes.InvalidArgument, "", []string{"period.end", "period.start"}},
		{"every problem at once", hampshireOfficer, &sponsorv1.GetCompensationStatementRequest{Sponsor: "sponsors/-", Period: period(date(2016, 2, 29), date(2017, 3, 1))},
			codes.InvalidArgument, "", []string{"period.end", "sponsor"}},
	} {
		_, err := e.client.GetCompensationStatement(e.as(tc.caller), tc.req)
		rpctest.ExpectError(t, tc.name, err, tc.code, tc.reason, tc.fields...)
	}
	// A full financial year is allowed.
	if _, err := e.client.GetCompensationStatement(e.as(hampshireOfficer), &sponsorv1.GetCompensationStatementRequest{
		Sponsor: "sponsors/hampshire", Period: period(date(2016, 4, 1), date(2017, 3, 31)),
	}); err != nil {
		t.Errorf("a financial year: %v", err)
	}
}
