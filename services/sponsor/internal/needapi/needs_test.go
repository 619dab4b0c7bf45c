package needapi

import (
	"context"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/need"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/needstore"
)

const (
	open   = sponsorv1.NeedState_NEED_STATE_OPEN
	closed = sponsorv1.NeedState_NEED_STATE_CLOSED
)

func names(ns []*sponsorv1.SponsorNeed) []string {
	var out []string
	for _, n := range ns {
		out = append(out, n.GetName())
	}
	return out
}

// announced returns the SponsorNeedOpened payloads in a council's outbox.
func (e *env) announced(gss string) []*eventsv1.SponsorNeedOpened {
	e.t.Helper()
	return rpctest.Payloads[*eventsv1.SponsorNeedOpened](e.t, rpctest.Outbox(e.t, e.store, needstore.Tag(gss)))
}

func TestCreateGetList(t *testing.T) {
	e := newEnv(t)
	urgent := e.open(sunderlandName, needMsg(5))
	middling := e.open(wightName, needMsg(4))
	later := e.open(sunderlandName, needMsg(3))
	if !strings.HasPrefix(urgent.GetName(), sunderlandName+"/sponsorNeeds/") || urgent.GetState() != open || urgent.GetEtag() != `"1"` ||
		urgent.GetIntervention() != "" || !urgent.GetCreateTime().AsTime().After(start) ||
		!slices.Equal(urgent.GetExcludedSponsors(), []string{"sponsors/durham"}) || !urgent.GetRequiresTrustSponsor() {
		t.Errorf("created %v", urgent)
	}
	if box := e.announced(sunderland); len(box) != 2 || box[0].GetSponsorNeed() != urgent.GetName() {
		t.Errorf("SponsorNeedOpened = %v", box)
	}
	got, err := e.client.GetSponsorNeed(e.as(rpctest.Official), &sponsorv1.GetSponsorNeedRequest{Name: urgent.GetName()})
	if err != nil || !proto.Equal(got, urgent) {
		t.Errorf("Get = %v, %v", got, err)
	}
	_, err = e.client.GetSponsorNeed(e.as(rpctest.Official), &sponsorv1.GetSponsorNeedRequest{Name: sunderlandName + "/sponsorNeeds/nope"})
	rpctest.ExpectError(t, "a missing need", err, codes.NotFound, need.ReasonNotFound)
	_, err = e.client.GetSponsorNeed(e.as(rpctest.Official), &sponsorv1.GetSponsorNeedRequest{Name: "sponsorNeeds/x"})
	rpctest.ExpectError(t, "a malformed name", err, codes.InvalidArgument, "", "name")

	list := func(p auth.Principal, parent, filter string, size int32, token string) (*sponsorv1.ListSponsorNeedsResponse, error) {
		return e.client.ListSponsorNeeds(e.as(p), &sponsorv1.ListSponsorNeedsRequest{Parent: parent, Filter: filter, PageSize: size, PageToken: token})
	}
	for _, tc := range []struct {
		parent, filter string
		want           []string
	}{
		{sunderlandName, "", []string{urgent.GetName(), later.GetName()}},
		{allParent, "", []string{urgent.GetName(), middling.GetName(), later.GetName()}},
		{allParent, "urgency >= 4", []string{urgent.GetName(), middling.GetName()}},
		{allParent, "requires_trust_sponsor = true", []string{urgent.GetName()}},
		{allParent, "state = CLOSED", nil},
		{wightName, "state = OPEN", []string{middling.GetName()}},
		{"localAuthorities/E08000035", "", nil},
	} {
		resp, err := list(rpctest.Official, tc.parent, tc.filter, 0, "")
		if err != nil || !slices.Equal(names(resp.GetSponsorNeeds()), tc.want) || resp.GetTotalSize() != int32(len(tc.want)) {
			t.Errorf("list %s %q = %v, %v; want %v", tc.parent, tc.filter, names(resp.GetSponsorNeeds()), err, tc.want)
		}
	}
	var paged []string
	token := ""
	for range 5 {
		resp, err := list(rpctest.Official, allParent, "", 2, token)
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, names(resp.GetSponsorNeeds())...)
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	if !slices.Equal(paged, []string{urgent.GetName(), middling.GetName(), later.GetName()}) {
		t.Errorf("paged = %v", paged)
	}
	_, err = list(rpctest.Official, "localAuthorities/E08999999", "", 0, "")
	rpctest.ExpectError(t, "a council outside the 152", err, codes.NotFound, resource.ReasonCouncilNotFound)
	_, err = list(rpctest.Official, "councils/-", "", 0, "")
	rpctest.ExpectError(t, "a malformed parent", err, codes.InvalidArgument, "", "parent")
	_, err = list(rpctest.Official, allParent, "kind = TRUST", -1, "")
	rpctest.ExpectError(t, "a bad filter and page size", err, codes.InvalidArgument, "", "filter", "page_size")
}

func TestCreateValidation(t *testing.T) {
	e := newEnv(t)
	_, err := e.client.CreateSponsorNeed(e.as(rpctest.Official), &sponsorv1.CreateSponsorNeedRequest{Parent: "Sunderland"})
	rpctest.ExpectError(t, "no need, no parent", err, codes.InvalidArgument, "", "parent", "sponsor_need")

	bad := &sponsorv1.SponsorNeed{
		Areas: []*sponsorv1.AreaOfNeed{
			{Area: &sponsorv1.AreaOfNeed_JudgementArea{JudgementArea: typev1.JudgementArea_JUDGEMENT_AREA_HELP_AND_PROTECTION}, Weight: 0},
			{Area: &sponsorv1.AreaOfNeed_JudgementArea{JudgementArea: typev1.JudgementArea_JUDGEMENT_AREA_OVERALL_EFFECTIVENESS}, Weight: 5},
		},
		ExcludedSponsors: []string{"durham"},
	}
	_, err = e.client.CreateSponsorNeed(e.as(rpctest.Official), &sponsorv1.CreateSponsorNeedRequest{Parent: sunderlandName, SponsorNeed: bad})
	// Every problem at once; the malformed sponsor name is reported once.
	rpctest.ExpectError(t, "every problem", err, codes.InvalidArgument, "", "sponsor_need.areas[0].weight", "sponsor_need.areas[1].judgement_area",
		"sponsor_need.excluded_sponsors[0]", "sponsor_need.staff_days_needed", "sponsor_need.urgency")

	missing := needMsg(4)
	missing.ExcludedSponsors = []string{"sponsors/durham", "sponsors/york"}
	_, err = e.client.CreateSponsorNeed(e.as(rpctest.Official), &sponsorv1.CreateSponsorNeedRequest{Parent: sunderlandName, SponsorNeed: missing})
	rpctest.ExpectError(t, "an excluded sponsor that does not exist", err, codes.InvalidArgument, "", "sponsor_need.excluded_sponsors[1]")

	_, err = e.client.CreateSponsorNeed(e.as(rpctest.Official), &sponsorv1.CreateSponsorNeedRequest{Parent: "localAuthorities/E08999999", SponsorNeed: needMsg(4)})
	rpctest.ExpectError(t, "a council outside the 152", err, codes.NotFound, resource.ReasonCouncilNotFound)

	// Output-only fields are ignored.
	m := needMsg(4)
	m.Name, m.State, m.Intervention, m.Engagement, m.Etag = "x", closed, "localAuthorities/E08000024/interventions/iv", "sponsors/a/engagements/b", `"9"`
	n := e.open(sunderlandName, m)
	if n.GetState() != open || n.GetIntervention() != "" || n.GetEngagement() != "" || n.GetEtag() != `"1"` {
		t.Errorf("output-only fields were taken: %v", n)
	}
}

func TestCreateIdempotency(t *testing.T) {
	e := newEnv(t)
	req := &sponsorv1.CreateSponsorNeedRequest{Parent: sunderlandName, SponsorNeed: needMsg(5), RequestId: "5d7e4f3a-1b2c-4d5e-8f90-a1b2c3d4e5f6"}
	first, err := e.client.CreateSponsorNeed(e.as(rpctest.Official), req)
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.client.CreateSponsorNeed(e.as(rpctest.Official), req)
	if err != nil || !proto.Equal(first, again) {
		t.Errorf("retry = %v, %v; want %v", again, err, first)
	}
	changed := proto.Clone(req).(*sponsorv1.CreateSponsorNeedRequest)
	changed.SponsorNeed.Urgency = 2
	_, err = e.client.CreateSponsorNeed(e.as(rpctest.Official), changed)
	rpctest.ExpectError(t, "a request_id reused", err, codes.InvalidArgument, "REQUEST_ID_REUSED", "request_id")
	resp, err := e.client.ListSponsorNeeds(e.as(rpctest.Official), &sponsorv1.ListSponsorNeedsRequest{Parent: sunderlandName})
	if err != nil || resp.GetTotalSize() != 1 || len(e.announced(sunderland)) != 1 {
		t.Errorf("after retries: %d needs, %d announced (%v)", resp.GetTotalSize(), len(e.announced(sunderland)), err)
	}
}

func TestUpdate(t *testing.T) {
	e := newEnv(t)
	n := e.open(sunderlandName, needMsg(5))
	update := func(m *sponsorv1.SponsorNeed, paths ...string) (*sponsorv1.SponsorNeed, error) {
		req := &sponsorv1.UpdateSponsorNeedRequest{SponsorNeed: m}
		if paths != nil {
			req.UpdateMask = &fieldmaskpb.FieldMask{Paths: paths}
		}
		return e.client.UpdateSponsorNeed(e.as(rpctest.Official), req)
	}
	// Every list shows the need as it stands: the list renders each need
	// once per version, and each update is a new version.
	listed := func(step string, want *sponsorv1.SponsorNeed) {
		t.Helper()
		resp, err := e.client.ListSponsorNeeds(e.as(rpctest.Official), &sponsorv1.ListSponsorNeedsRequest{Parent: allParent})
		if err != nil || len(resp.GetSponsorNeeds()) != 1 || !proto.Equal(resp.GetSponsorNeeds()[0], want) {
			t.Errorf("%s: list = %v, %v; want %v", step, resp.GetSponsorNeeds(), err, want)
		}
	}
	listed("created", n)
	out, err := update(&sponsorv1.SponsorNeed{Name: n.GetName(), Etag: `"1"`, Urgency: 3, StaffDaysNeeded: 999},
		"urgency", "requires_trust_sponsor", "create_time")
	if err != nil || out.GetUrgency() != 3 || out.GetStaffDaysNeeded() != 120 || out.GetRequiresTrustSponsor() || out.GetEtag() != `"2"` {
		t.Errorf("update = %v, %v", out, err)
	}
	listed("after an update", out)
	out, err = update(&sponsorv1.SponsorNeed{Name: n.GetName(), Etag: `"2"`, ExcludedSponsors: []string{"sponsors/hampshire"}})
	if err != nil || !slices.Equal(out.GetExcludedSponsors(), []string{"sponsors/hampshire"}) || out.GetUrgency() != 3 {
		t.Errorf("implied mask = %v, %v", out, err)
	}
	listed("after a second update", out)
	_, err = update(&sponsorv1.SponsorNeed{Name: n.GetName(), Etag: `"3"`, ExcludedSponsors: []string{"sponsors/york"}})
	rpctest.ExpectError(t, "a missing sponsor excluded", err, codes.InvalidArgument, "", "sponsor_need.excluded_sponsors[0]")
	_, err = update(&sponsorv1.SponsorNeed{Name: n.GetName(), Etag: `"1"`, Urgency: 2}, "urgency")
	rpctest.ExpectError(t, "a stale etag", err, codes.Aborted, "ETAG_MISMATCH")
	_, err = update(&sponsorv1.SponsorNeed{Name: n.GetName(), Urgency: 2}, "urgency")
	rpctest.ExpectError(t, "no etag", err, codes.InvalidArgument, "", "sponsor_need.etag")
	_, err = update(&sponsorv1.SponsorNeed{Name: n.GetName(), Etag: `"3"`, Urgency: 7}, "urgency")
	rpctest.ExpectError(t, "a bad urgency", err, codes.InvalidArgument, "", "sponsor_need.urgency")
	_, err = update(&sponsorv1.SponsorNeed{Name: n.GetName(), Etag: `"3"`, State: sponsorv1.NeedState_NEED_STATE_MATCHED}, "state")
	rpctest.ExpectError(t, "matching by hand", err, codes.InvalidArgument, "", "sponsor_need.state")
	_, err = update(&sponsorv1.SponsorNeed{Name: sunderlandName + "/sponsorNeeds/nope", Etag: `"1"`, Urgency: 2}, "urgency")
	rpctest.ExpectError(t, "a missing need", err, codes.NotFound, need.ReasonNotFound)
	_, err = update(&sponsorv1.SponsorNeed{Name: n.GetName(), Etag: `"3"`}, "intervention")
	rpctest.ExpectError(t, "an output-only mask", err, codes.InvalidArgument, "", "update_mask")

	out, err = update(&sponsorv1.SponsorNeed{Name: n.GetName(), Etag: `"3"`, State: closed}, "state")
	if err != nil || out.GetState() != closed || out.GetEtag() != `"4"` {
		t.Fatalf("close = %v, %v", out, err)
	}
	_, err = update(&sponsorv1.SponsorNeed{Name: n.GetName(), Etag: `"4"`, Urgency: 2}, "urgency")
	rpctest.ExpectError(t, "a closed need", err, codes.FailedPrecondition, need.ReasonNotOpen)
	resp, err := e.client.ListSponsorNeeds(e.as(rpctest.Official), &sponsorv1.ListSponsorNeedsRequest{Parent: allParent, Filter: "state = CLOSED"})
	if err != nil || !slices.Equal(names(resp.GetSponsorNeeds()), []string{n.GetName()}) {
		t.Errorf("closed needs = %v, %v", names(resp.GetSponsorNeeds()), err)
	}
}

func TestAccess(t *testing.T) {
	e := newEnv(t)
	a := e.open(sunderlandName, needMsg(5))
	b := e.open(sunderlandName, needMsg(4))
	w := e.open(wightName, needMsg(3))
	nonDfE := []auth.Principal{officer, outsider, rpctest.Inspector, rpctest.Adviser, sponsorer, rpctest.Partner, adviserOfficer}
	for _, p := range nonDfE {
		_, err := e.client.CreateSponsorNeed(e.as(p), &sponsorv1.CreateSponsorNeedRequest{Parent: sunderlandName, SponsorNeed: needMsg(5)})
		rpctest.ExpectError(t, p.Subject+" opens a need", err, codes.PermissionDenied, auth.ReasonRoleNotAllowed)
		_, err = e.client.UpdateSponsorNeed(e.as(p), &sponsorv1.UpdateSponsorNeedRequest{
			SponsorNeed: &sponsorv1.SponsorNeed{Name: a.GetName(), Etag: `"1"`, State: closed}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"state"}},
		})
		rpctest.ExpectError(t, p.Subject+" closes a need", err, codes.PermissionDenied, auth.ReasonRoleNotAllowed)
	}
	for _, p := range []auth.Principal{rpctest.Inspector, rpctest.Adviser, sponsorer, rpctest.Partner} {
		_, err := e.client.GetSponsorNeed(e.as(p), &sponsorv1.GetSponsorNeedRequest{Name: a.GetName()})
		rpctest.ExpectError(t, p.Subject+" reads a need", err, codes.PermissionDenied, auth.ReasonRoleNotAllowed)
		_, err = e.client.ListSponsorNeeds(e.as(p), &sponsorv1.ListSponsorNeedsRequest{Parent: allParent})
		rpctest.ExpectError(t, p.Subject+" lists needs", err, codes.PermissionDenied, auth.ReasonRoleNotAllowed)
	}
	_, err := e.client.GetSponsorNeed(context.Background(), &sponsorv1.GetSponsorNeedRequest{Name: a.GetName()})
	rpctest.ExpectError(t, "no token", err, codes.Unauthenticated, "")

	// A council officer reads their own council's needs only; another
	// council's, existing or not, is denied alike.
	for _, tc := range []struct {
		p    auth.Principal
		name string
		ok   bool
	}{
		{officer, a.GetName(), true},
		{officer, w.GetName(), false},
		{outsider, a.GetName(), false},
		{outsider, sunderlandName + "/sponsorNeeds/nope", false},
		{outsider, w.GetName(), true},
		{adviserOfficer, a.GetName(), false},
		{adviserOfficer, w.GetName(), true},
		{rpctest.Official, w.GetName(), true},
	} {
		got, err := e.client.GetSponsorNeed(e.as(tc.p), &sponsorv1.GetSponsorNeedRequest{Name: tc.name})
		if tc.ok {
			if err != nil || got.GetName() != tc.name {
				t.Errorf("%s reads %s: %v", tc.p.Subject, tc.name, err)
			}
			continue
		}
		rpctest.ExpectError(t, tc.p.Subject+" reads "+tc.name, err, codes.PermissionDenied, access.ReasonNotAllowed)
	}
	for _, tc := range []struct {
		p      auth.Principal
		parent string
		want   []string
	}{
		{officer, allParent, []string{a.GetName(), b.GetName()}},
		{officer, sunderlandName, []string{a.GetName(), b.GetName()}},
		{outsider, allParent, []string{w.GetName()}},
		{adviserOfficer, allParent, []string{w.GetName()}},
		{rpctest.Official, allParent, []string{a.GetName(), b.GetName(), w.GetName()}},
	} {
		resp, err := e.client.ListSponsorNeeds(e.as(tc.p), &sponsorv1.ListSponsorNeedsRequest{Parent: tc.parent})
		if err != nil || !slices.Equal(names(resp.GetSponsorNeeds()), tc.want) {
			t.Errorf("%s lists %s: %v, %v; want %v", tc.p.Subject, tc.parent, names(resp.GetSponsorNeeds()), err, tc.want)
		}
	}
	for _, p := range []auth.Principal{outsider, adviserOfficer} {
		_, err := e.client.ListSponsorNeeds(e.as(p), &sponsorv1.ListSponsorNeedsRequest{Parent: sunderlandName})
		rpctest.ExpectError(t, p.Subject+" lists another council's needs", err, codes.PermissionDenied, access.ReasonNotAllowed)
	}
	// A council officer's page token is bound to their council: another
	// council's officer cannot continue it.
	page, err := e.client.ListSponsorNeeds(e.as(officer), &sponsorv1.ListSponsorNeedsRequest{Parent: allParent, PageSize: 1})
	if err != nil || page.GetNextPageToken() == "" {
		t.Fatalf("first page: %v, %v", page, err)
	}
	_, err = e.client.ListSponsorNeeds(e.as(outsider), &sponsorv1.ListSponsorNeedsRequest{Parent: allParent, PageSize: 1, PageToken: page.GetNextPageToken()})
	rpctest.ExpectError(t, "another officer's page token", err, codes.InvalidArgument, "PAGE_TOKEN_QUERY_MISMATCH", "page_token")
}
