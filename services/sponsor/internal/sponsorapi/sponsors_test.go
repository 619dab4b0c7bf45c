package sponsorapi

import (
	"context"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsor"
)

func TestCreateGetList(t *testing.T) {
	e := newEnv(t)
	leeds := e.create("leeds", leedsSponsor())
	if leeds.GetName() != "sponsors/leeds" || leeds.GetEtag() != `"1"` || leeds.GetUpdateTime().AsTime() != start ||
		leeds.GetActiveEngagements() != 0 || leeds.GetDayRatePence() != 50_000 {
		t.Errorf("created %v", leeds)
	}
	charity := e.create("", nspccSponsor())
	if !strings.HasPrefix(charity.GetName(), "sponsors/") || !resource.ValidID(strings.TrimPrefix(charity.GetName(), "sponsors/")) {
		t.Errorf("generated name %q", charity.GetName())
	}
	e.create("hampshire", func() *sponsorv1.Sponsor {
		m := leedsSponsor()
		m.DisplayName, m.MemberCouncils, m.Conflicts, m.CanLeadTrust = "Hampshire", []string{"localAuthorities/E10000014"}, nil, false
		m.Paused = true
		return m
	}())

	got, err := e.client.GetSponsor(e.as(rpctest.Official), &sponsorv1.GetSponsorRequest{Name: "sponsors/leeds"})
	if err != nil {
		t.Fatal(err)
	}
	want := proto.Clone(leeds).(*sponsorv1.Sponsor)
	want.ActiveEngagements, want.CommittedStaffDays = 1, 60
	if !proto.Equal(got, want) {
		t.Errorf("Get = %v\nwant  %v", got, want)
	}
	_, err = e.client.GetSponsor(e.as(rpctest.Official), &sponsorv1.GetSponsorRequest{Name: "sponsors/york"})
	rpctest.ExpectError(t, "a missing sponsor", err, codes.NotFound, sponsor.ReasonNotFound)
	_, err = e.client.GetSponsor(e.as(rpctest.Official), &sponsorv1.GetSponsorRequest{Name: "leeds"})
	rpctest.ExpectError(t, "a malformed name", err, codes.InvalidArgument, "", "name")

	list := func(filter string, size int32, token string) *sponsorv1.ListSponsorsResponse {
		t.Helper()
		resp, err := e.client.ListSponsors(e.as(rpctest.Official), &sponsorv1.ListSponsorsRequest{Filter: filter, PageSize: size, PageToken: token})
		if err != nil {
			t.Fatalf("list %q: %v", filter, err)
		}
		return resp
	}
	names := func(r *sponsorv1.ListSponsorsResponse) []string {
		var out []string
		for _, s := range r.GetSponsors() {
			out = append(out, s.GetName())
		}
		return out
	}
	all := list("", 0, "")
	wantNames := []string{"sponsors/hampshire", "sponsors/leeds", charity.GetName()}
	slices.Sort(wantNames)
	if !slices.Equal(names(all), wantNames) || all.GetTotalSize() != 3 || all.GetNextPageToken() != "" {
		t.Errorf("list = %v (total %d)", names(all), all.GetTotalSize())
	}
	for _, s := range all.GetSponsors() {
		if s.GetName() == "sponsors/leeds" && s.GetActiveEngagements() != 1 {
			t.Errorf("leeds in the list without its usage: %v", s)
		}
	}
	if got := names(list("kind = CHARITY", 0, "")); !slices.Equal(got, []string{charity.GetName()}) {
		t.Errorf("charities = %v", got)
	}
	if got := names(list("paused = false AND can_lead_trust = true", 0, "")); !slices.Equal(got, []string{"sponsors/leeds"}) {
		t.Errorf("active trust leaders = %v", got)
	}
	var paged []string
	token := ""
	for range 5 {
		page := list("", 1, token)
		paged = append(paged, names(page)...)
		if token = page.GetNextPageToken(); token == "" {
			break
		}
	}
	if !slices.Equal(paged, wantNames) {
		t.Errorf("paged = %v, want %v", paged, wantNames)
	}
	// The usage source is asked about the page's sponsors only.
	if last := e.usage.asked[len(e.usage.asked)-1]; len(last) != 1 {
		t.Errorf("usage asked for %v on a page of one", last)
	}
	_, err = e.client.ListSponsors(e.as(rpctest.Official), &sponsorv1.ListSponsorsRequest{Filter: "region = LONDON"})
	rpctest.ExpectError(t, "an unknown filter field", err, codes.InvalidArgument, "", "filter")
	first := list("", 1, "")
	_, err = e.client.ListSponsors(e.as(rpctest.Official), &sponsorv1.ListSponsorsRequest{Filter: "kind = CHARITY", PageSize: 1, PageToken: first.GetNextPageToken()})
	rpctest.ExpectError(t, "a page token for another filter", err, codes.InvalidArgument, "PAGE_TOKEN_QUERY_MISMATCH", "page_token")
}

func TestCreateValidation(t *testing.T) {
	e := newEnv(t)
	_, err := e.client.CreateSponsor(e.as(rpctest.Official), &sponsorv1.CreateSponsorRequest{})
	rpctest.ExpectError(t, "no sponsor", err, codes.InvalidArgument, "", "sponsor")

	bad := leedsSponsor()
	bad.DisplayName = ""
	bad.MemberCouncils = []string{"Leeds"}
	bad.Expertise[1].Area = &sponsorv1.Expertise_JudgementArea{JudgementArea: typev1.JudgementArea_JUDGEMENT_AREA_OVERALL_EFFECTIVENESS}
	bad.DayRatePence = 0
	bad.Conflicts = []string{"localAuthorities/E08999999"}
	bad.RegionsServed = []typev1.Region{typev1.Region_REGION_LONDON}
	_, err = e.client.CreateSponsor(e.as(rpctest.Official), &sponsorv1.CreateSponsorRequest{
		Sponsor: bad, SponsorId: "Leeds!", RequestId: strings.Repeat("r", 129),
	})
	// Every problem at once; the malformed member council is reported
	// once, by the request, not again by the rules.
	rpctest.ExpectError(t, "every problem", err, codes.InvalidArgument, "", "request_id", "sponsor.conflicts[0]",
		"sponsor.day_rate_pence", "sponsor.display_name", "sponsor.expertise[1].judgement_area", "sponsor.member_councils[0]",
		"sponsor.regions_served", "sponsor_id")

	charity := nspccSponsor()
	charity.Kind = sponsorv1.SponsorKind(42)
	charity.Expertise[0].Strength = sponsorv1.Strength_STRENGTH_UNSPECIFIED
	_, err = e.client.CreateSponsor(e.as(rpctest.Official), &sponsorv1.CreateSponsorRequest{Sponsor: charity})
	rpctest.ExpectError(t, "unknown enums", err, codes.InvalidArgument, "", "sponsor.expertise[0].strength", "sponsor.kind")

	e.create("leeds", leedsSponsor())
	_, err = e.client.CreateSponsor(e.as(rpctest.Official), &sponsorv1.CreateSponsorRequest{Sponsor: leedsSponsor(), SponsorId: "leeds"})
	rpctest.ExpectError(t, "a taken id", err, codes.AlreadyExists, sponsor.ReasonAlreadyExists)
}

func TestCreateIdempotency(t *testing.T) {
	e := newEnv(t)
	req := &sponsorv1.CreateSponsorRequest{Sponsor: nspccSponsor(), RequestId: "0b9f6a0e-2a8d-4a4e-9a57-3c1f0d2b9e11"}
	first := rpctest.Replayed(t, "create", e.as(rpctest.Official), e.client.CreateSponsor, req)
	// Another official's request with the same request_id is another
	// request.
	theirs, err := e.client.CreateSponsor(e.as(official2), req)
	if err != nil || theirs.GetName() == first.GetName() {
		t.Errorf("another caller's request: %v, %v", theirs, err)
	}
	changed := proto.Clone(req).(*sponsorv1.CreateSponsorRequest)
	changed.Sponsor.DayRatePence = 60_000
	_, err = e.client.CreateSponsor(e.as(rpctest.Official), changed)
	rpctest.ExpectError(t, "a request_id reused for another request", err, codes.InvalidArgument, "REQUEST_ID_REUSED", "request_id")

	named := &sponsorv1.CreateSponsorRequest{Sponsor: leedsSponsor(), SponsorId: "leeds", RequestId: "req-leeds"}
	rpctest.Replayed(t, "create with an id", e.as(rpctest.Official), e.client.CreateSponsor, named)
	resp, err := e.client.ListSponsors(e.as(rpctest.Official), &sponsorv1.ListSponsorsRequest{})
	if err != nil || resp.GetTotalSize() != 3 {
		t.Errorf("%d sponsors after retries, want 3 (%v)", resp.GetTotalSize(), err)
	}
}

func TestUpdate(t *testing.T) {
	e := newEnv(t)
	e.create("leeds", leedsSponsor())
	update := func(m *sponsorv1.Sponsor, paths ...string) (*sponsorv1.Sponsor, error) {
		req := &sponsorv1.UpdateSponsorRequest{Sponsor: m}
		if paths != nil {
			req.UpdateMask = &fieldmaskpb.FieldMask{Paths: paths}
		}
		return e.client.UpdateSponsor(e.as(rpctest.Official), req)
	}

	out, err := update(&sponsorv1.Sponsor{Name: "sponsors/leeds", Etag: `"1"`, Paused: true, StaffDaysPerQuarter: 90, DisplayName: "ignored"},
		"paused", "staff_days_per_quarter", "etag", "active_engagements")
	if err != nil {
		t.Fatal(err)
	}
	if !out.GetPaused() || out.GetStaffDaysPerQuarter() != 90 || out.GetDisplayName() != "Leeds City Council" || out.GetEtag() != `"2"` ||
		out.GetActiveEngagements() != 1 {
		t.Errorf("updated %v", out)
	}
	// Without a mask, the fields set are the mask; false needs naming.
	out, err = update(&sponsorv1.Sponsor{Name: "sponsors/leeds", Etag: `"2"`, DayRatePence: 52_500})
	if err != nil || out.GetDayRatePence() != 52_500 || !out.GetPaused() {
		t.Errorf("implied mask: %v, %v", out, err)
	}
	out, err = update(&sponsorv1.Sponsor{Name: "sponsors/leeds", Etag: `"3"`}, "paused")
	if err != nil || out.GetPaused() {
		t.Errorf("unpause: %v, %v", out, err)
	}

	_, err = update(&sponsorv1.Sponsor{Name: "sponsors/leeds", Etag: `"1"`, Paused: true}, "paused")
	rpctest.ExpectError(t, "a stale etag", err, codes.Aborted, "ETAG_MISMATCH")
	_, err = update(&sponsorv1.Sponsor{Name: "sponsors/leeds", Paused: true}, "paused")
	rpctest.ExpectError(t, "no etag", err, codes.InvalidArgument, "", "sponsor.etag")
	_, err = update(&sponsorv1.Sponsor{Name: "sponsors/leeds", Etag: "4"}, "paused")
	rpctest.ExpectError(t, "a malformed etag", err, codes.InvalidArgument, "", "sponsor.etag")
	_, err = update(&sponsorv1.Sponsor{Name: "sponsors/york", Etag: `"1"`}, "paused")
	rpctest.ExpectError(t, "a missing sponsor", err, codes.NotFound, sponsor.ReasonNotFound)
	_, err = update(&sponsorv1.Sponsor{Name: "sponsors/leeds", Etag: `"4"`}, "colour")
	rpctest.ExpectError(t, "an unknown path", err, codes.InvalidArgument, "", "update_mask")
	_, err = e.client.UpdateSponsor(e.as(rpctest.Official), &sponsorv1.UpdateSponsorRequest{})
	rpctest.ExpectError(t, "no sponsor", err, codes.InvalidArgument, "", "sponsor")

	// A malformed council in a field the mask leaves alone is ignored; in
	// a field it names, reported.
	_, err = update(&sponsorv1.Sponsor{Name: "sponsors/leeds", Etag: `"4"`, Paused: true, Conflicts: []string{"Bradford"}}, "paused")
	if err != nil {
		t.Errorf("a problem outside the mask: %v", err)
	}
	_, err = update(&sponsorv1.Sponsor{Name: "sponsors/leeds", Etag: `"5"`, Conflicts: []string{"Bradford"}}, "conflicts")
	rpctest.ExpectError(t, "a problem inside the mask", err, codes.InvalidArgument, "", "sponsor.conflicts[0]")
	// The whole result is validated: a council turned charity keeps its
	// member council unless the mask clears it.
	_, err = update(&sponsorv1.Sponsor{Name: "sponsors/leeds", Etag: `"5"`, Kind: sponsorv1.SponsorKind_SPONSOR_KIND_CHARITY, National: true}, "kind", "national")
	rpctest.ExpectError(t, "a charity with a member council", err, codes.InvalidArgument, "", "sponsor.member_councils")
}

func TestAccess(t *testing.T) {
	e := newEnv(t)
	e.create("leeds", leedsSponsor())
	e.create("nspcc", nspccSponsor())
	denied := []auth.Principal{leedsRep, nspccRep, rpctest.Inspector, rpctest.Adviser, officer, rpctest.Partner, twoHats, adviserSponsor}
	for _, p := range denied {
		_, err := e.client.CreateSponsor(e.as(p), &sponsorv1.CreateSponsorRequest{Sponsor: leedsSponsor(), SponsorId: "x"})
		rpctest.ExpectError(t, p.Subject+" creates", err, codes.PermissionDenied, auth.ReasonRoleNotAllowed)
		_, err = e.client.UpdateSponsor(e.as(p), &sponsorv1.UpdateSponsorRequest{
			Sponsor: &sponsorv1.Sponsor{Name: "sponsors/leeds", Etag: `"1"`, Paused: true}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"paused"}},
		})
		rpctest.ExpectError(t, p.Subject+" updates", err, codes.PermissionDenied, auth.ReasonRoleNotAllowed)
	}
	// The LGA reads every sponsor: it sees which sponsor supports a
	// council (the access matrix).
	if got, err := e.client.GetSponsor(e.as(rpctest.Adviser), &sponsorv1.GetSponsorRequest{Name: "sponsors/nspcc"}); err != nil || got.GetName() != "sponsors/nspcc" {
		t.Errorf("the LGA reads a sponsor: %v, %v", got.GetName(), err)
	}
	for _, p := range []auth.Principal{rpctest.Inspector, officer, rpctest.Partner} {
		_, err := e.client.GetSponsor(e.as(p), &sponsorv1.GetSponsorRequest{Name: "sponsors/leeds"})
		rpctest.ExpectError(t, p.Subject+" reads a sponsor", err, codes.PermissionDenied, auth.ReasonRoleNotAllowed)
		_, err = e.client.ListSponsors(e.as(p), &sponsorv1.ListSponsorsRequest{})
		rpctest.ExpectError(t, p.Subject+" lists sponsors", err, codes.PermissionDenied, auth.ReasonRoleNotAllowed)
	}
	_, err := e.client.GetSponsor(context.Background(), &sponsorv1.GetSponsorRequest{Name: "sponsors/leeds"})
	rpctest.ExpectError(t, "no token", err, codes.Unauthenticated, "")

	// A sponsor officer reads their own sponsor only; another sponsor,
	// existing or not, is denied alike, so names cannot be probed.
	for _, tc := range []struct {
		p    auth.Principal
		name string
		ok   bool
	}{
		{leedsRep, "sponsors/leeds", true},
		{leedsRep, "sponsors/nspcc", false},
		{leedsRep, "sponsors/york", false},
		{nspccRep, "sponsors/nspcc", true},
		{nspccRep, "sponsors/leeds", false},
		{twoHats, "sponsors/leeds", true},
		{twoHats, "sponsors/nspcc", false},
		// An LGA adviser who is also a sponsor officer reads every
		// sponsor as the LGA does.
		{adviserSponsor, "sponsors/nspcc", true},
		{rpctest.Official, "sponsors/nspcc", true},
	} {
		got, err := e.client.GetSponsor(e.as(tc.p), &sponsorv1.GetSponsorRequest{Name: tc.name})
		if tc.ok {
			if err != nil || got.GetName() != tc.name {
				t.Errorf("%s reads %s: %v, %v", tc.p.Subject, tc.name, got.GetName(), err)
			}
			continue
		}
		rpctest.ExpectError(t, tc.p.Subject+" reads "+tc.name, err, codes.PermissionDenied, access.ReasonNotAllowed)
	}
	for _, tc := range []struct {
		p    auth.Principal
		want []string
	}{
		{leedsRep, []string{"sponsors/leeds"}},
		{nspccRep, []string{"sponsors/nspcc"}},
		{twoHats, []string{"sponsors/leeds"}},
		{adviserSponsor, []string{"sponsors/leeds", "sponsors/nspcc"}},
		{rpctest.Adviser, []string{"sponsors/leeds", "sponsors/nspcc"}},
		{rpctest.Official, []string{"sponsors/leeds", "sponsors/nspcc"}},
	} {
		resp, err := e.client.ListSponsors(e.as(tc.p), &sponsorv1.ListSponsorsRequest{})
		var got []string
		for _, s := range resp.GetSponsors() {
			got = append(got, s.GetName())
		}
		if err != nil || !slices.Equal(got, tc.want) || resp.GetTotalSize() != int32(len(tc.want)) {
			t.Errorf("%s lists %v (total %d), %v; want %v", tc.p.Subject, got, resp.GetTotalSize(), err, tc.want)
		}
	}
}

// TestVocabulary: the areas are the inspection judgement areas (but
// overall effectiveness) and the peer-review themes, named as their enums
// name them.
func TestVocabulary(t *testing.T) {
	var judgements, themes []string
	for i := 1; i < len(typev1.JudgementArea_name); i++ {
		name := strings.TrimPrefix(typev1.JudgementArea(i).String(), "JUDGEMENT_AREA_")
		if name != "OVERALL_EFFECTIVENESS" {
			judgements = append(judgements, name)
		}
	}
	for i := 1; i < len(peerreviewv1.Theme_name); i++ {
		themes = append(themes, strings.TrimPrefix(peerreviewv1.Theme(i).String(), "THEME_"))
	}
	if !slices.Equal(reference.JudgementAreas, judgements) {
		t.Errorf("JudgementAreas = %v, the enum has %v", reference.JudgementAreas, judgements)
	}
	if !slices.Equal(sponsor.ThemeAreas, themes) {
		t.Errorf("ThemeAreas = %v, the enum has %v", sponsor.ThemeAreas, themes)
	}
}
