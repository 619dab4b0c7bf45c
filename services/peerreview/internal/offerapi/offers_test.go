package offerapi

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/rpctest"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/offer"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/offerstore"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/servertest"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// testServer composes the handlers the way the service does.
type testServer struct {
	servertest.Fallback
	*Offers
}

const (
	leeds      = "E08000035"
	sheffield  = "E08000019"
	hampshire  = "E10000014"
	leedsName  = "localAuthorities/" + leeds
	allParents = "localAuthorities/-"
)

// The council and sponsor callers of these tests; those of the national
// roles are rpctest's.
var (
	officer      = auth.Principal{Subject: "officer-1", Roles: []auth.Role{auth.RoleCouncilOfficer}, Authority: leeds}
	otherOfficer = auth.Principal{Subject: "officer-2", Roles: []auth.Role{auth.RoleCouncilOfficer}, Authority: sheffield}
	sponsor      = auth.Principal{Subject: "sponsor-1", Roles: []auth.Role{auth.RoleSponsorOfficer}, Sponsor: "hampshire"}
)

type env struct {
	t      *testing.T
	client peerreviewv1.PeerReviewServiceClient
	store  *store.Store
}

// newEnv serves the handlers over real Redis behind the real interceptor
// chain (error mapping, authentication, policies) on an in-memory listener.
// The clock moves a second per reading, so offers have distinct creation
// times.
func newEnv(t *testing.T) *env {
	t.Helper()
	st := rpctest.NewStore(t)
	pages := rpctest.NewPages(t)
	var tick atomic.Int64
	clock := func() time.Time {
		return time.Date(2015, 12, 14, 9, 0, 0, 0, time.UTC).Add(time.Duration(tick.Add(1)) * time.Second)
	}
	svc := offer.NewService(offerstore.New(st, rpctest.Codec(ToStored, FromStored)), clock)
	client := rpctest.Client(t, Policies, &peerreviewv1.PeerReviewService_ServiceDesc,
		testServer{Offers: New(svc, pages)}, peerreviewv1.NewPeerReviewServiceClient)
	return &env{t: t, client: client, store: st}
}

// as returns a context whose calls carry a development token for p.
func (e *env) as(p auth.Principal) context.Context {
	e.t.Helper()
	return rpctest.As(e.t, p)
}

// create makes an offer to gss as the adviser, failing the test on error.
func (e *env) create(gss string, tier peerreviewv1.OfferTier) *peerreviewv1.SupportOffer {
	e.t.Helper()
	o, err := e.client.CreateSupportOffer(e.as(rpctest.Adviser), &peerreviewv1.CreateSupportOfferRequest{
		Parent: "localAuthorities/" + gss,
		SupportOffer: &peerreviewv1.SupportOffer{
			Tier:    tier,
			Reasons: []string{"Caseloads above 25 children per social worker"},
			Activities: []*peerreviewv1.Activity{{
				Kind: peerreviewv1.ActivityKind_ACTIVITY_KIND_MENTORING, Days: 10,
				ProvidingCouncils: []string{"localAuthorities/" + hampshire}, Description: "team manager mentoring",
			}},
		},
	})
	if err != nil {
		e.t.Fatalf("create an offer to %s: %v", gss, err)
	}
	return o
}

// move transitions o as p, failing the test on error.
func (e *env) move(p auth.Principal, o *peerreviewv1.SupportOffer, to peerreviewv1.OfferState, reason string) *peerreviewv1.SupportOffer {
	e.t.Helper()
	out, err := e.client.TransitionSupportOffer(e.as(p), &peerreviewv1.TransitionSupportOfferRequest{
		Name: o.GetName(), Etag: o.GetEtag(), State: to, Reason: reason,
	})
	if err != nil {
		e.t.Fatalf("move %s to %s: %v", o.GetName(), to, err)
	}
	return out
}

const (
	standard   = peerreviewv1.OfferTier_OFFER_TIER_STANDARD
	enhanced   = peerreviewv1.OfferTier_OFFER_TIER_ENHANCED
	inadequate = peerreviewv1.OfferTier_OFFER_TIER_INADEQUATE_COUNCIL
	offered    = peerreviewv1.OfferState_OFFER_STATE_OFFERED
	accepted   = peerreviewv1.OfferState_OFFER_STATE_ACCEPTED
	active     = peerreviewv1.OfferState_OFFER_STATE_ACTIVE
	completed  = peerreviewv1.OfferState_OFFER_STATE_COMPLETED
	declined   = peerreviewv1.OfferState_OFFER_STATE_DECLINED
)

func TestPolicies(t *testing.T) {
	if err := Policies.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"CreateSupportOffer", "GetSupportOffer", "ListSupportOffers", "UpdateSupportOffer", "TransitionSupportOffer"} {
		if _, ok := Policies["/turnaround.peerreview.v1.PeerReviewService/"+m]; !ok {
			t.Errorf("no policy for %s", m)
		}
	}
}

// TestOfferStory is an offer's life through gRPC: the LGA offers support,
// the council reads it and accepts, the LGA starts and completes it, with
// the history of who did what and why.
func TestOfferStory(t *testing.T) {
	e := newEnv(t)
	req := &peerreviewv1.CreateSupportOfferRequest{
		Parent: leedsName,
		SupportOffer: &peerreviewv1.SupportOffer{
			Tier:    enhanced,
			State:   completed, // output only: ignored
			Reasons: []string{"Peer review found high risk"},
			Activities: []*peerreviewv1.Activity{{
				Kind: peerreviewv1.ActivityKind_ACTIVITY_KIND_PRACTICE_WORKSHOPS, Days: 12,
				ProvidingCouncils: []string{"localAuthorities/" + hampshire, "localAuthorities/E06000047"},
			}},
			History:    []string{"forged"},                                  // output only: ignored
			PeerReview: "localAuthorities/" + leeds + "/peerReviews/forged", // output only: ignored
		},
		RequestId: "5d0f-create",
	}
	o := rpctest.Replayed(t, "create", e.as(rpctest.Adviser), e.client.CreateSupportOffer, req)
	if !strings.HasPrefix(o.GetName(), leedsName+"/supportOffers/") || o.GetState() != offered || o.GetTier() != enhanced ||
		o.GetEtag() != `"1"` || o.GetPeerReview() != "" || len(o.GetHistory()) != 1 ||
		o.GetHistory()[0] != "OFFERED by adviser-1 at 2015-12-14T09:00:01Z: ENHANCED support offered" {
		t.Fatalf("created %v", o)
	}
	if got := o.GetActivities()[0].GetProvidingCouncils(); !slices.Equal(got, []string{"localAuthorities/" + hampshire, "localAuthorities/E06000047"}) {
		t.Errorf("providing councils %v", got)
	}
	changed := proto.Clone(req).(*peerreviewv1.CreateSupportOfferRequest)
	changed.SupportOffer.Reasons = []string{"something else"}
	_, err := e.client.CreateSupportOffer(e.as(rpctest.Adviser), changed)
	rpctest.ExpectError(t, "reused request_id", err, codes.InvalidArgument, "REQUEST_ID_REUSED", "request_id")

	got, err := e.client.GetSupportOffer(e.as(officer), &peerreviewv1.GetSupportOfferRequest{Name: o.GetName()})
	if err != nil || !proto.Equal(got, o) {
		t.Fatalf("the council reads %v, %v; want %v", got, err, o)
	}

	acc := e.move(officer, o, accepted, "")
	// A stale etag: the offer was accepted since o was read.
	_, err = e.client.TransitionSupportOffer(e.as(rpctest.Adviser), &peerreviewv1.TransitionSupportOfferRequest{Name: o.GetName(), Etag: o.GetEtag(), State: active})
	rpctest.ExpectError(t, "stale etag", err, codes.Aborted, "ETAG_MISMATCH")
	act := e.move(rpctest.Adviser, acc, active, "mentors start in January")
	done := e.move(rpctest.Adviser, act, completed, "support delivered")
	want := []string{
		"OFFERED by adviser-1 at TIME: ENHANCED support offered",
		"ACCEPTED by officer-1 at TIME",
		"ACTIVE by adviser-1 at TIME: mentors start in January",
		"COMPLETED by adviser-1 at TIME: support delivered",
	}
	if done.GetState() != completed || done.GetEtag() != `"4"` || !slices.Equal(withoutTimes(done.GetHistory()), want) {
		t.Errorf("completed offer %v, history want %q", done, want)
	}
	// Completed is final.
	_, err = e.client.TransitionSupportOffer(e.as(rpctest.Adviser), &peerreviewv1.TransitionSupportOfferRequest{Name: o.GetName(), Etag: done.GetEtag(), State: active})
	rpctest.ExpectError(t, "completed → active", err, codes.FailedPrecondition, offer.ReasonInvalidTransition)
	_, err = e.client.UpdateSupportOffer(e.as(rpctest.Adviser), &peerreviewv1.UpdateSupportOfferRequest{
		SupportOffer: &peerreviewv1.SupportOffer{Name: o.GetName(), Etag: done.GetEtag(), Reasons: []string{"more"}},
		UpdateMask:   &fieldmaskpb.FieldMask{Paths: []string{"reasons"}},
	})
	rpctest.ExpectError(t, "update a completed offer", err, codes.FailedPrecondition, offer.ReasonClosed)

}

var historyTime = regexp.MustCompile(` at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`)

// withoutTimes replaces the times in history lines with TIME.
func withoutTimes(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = historyTime.ReplaceAllString(l, " at TIME")
	}
	return out
}

func TestTransitionRules(t *testing.T) {
	e := newEnv(t)
	o := e.create(leeds, standard)
	for _, tc := range []struct {
		name   string
		who    auth.Principal
		to     peerreviewv1.OfferState
		reason string
		etag   string
		code   codes.Code
		why    string
		fields []string
	}{
		{"the LGA may not accept for the council", rpctest.Adviser, accepted, "", o.GetEtag(), codes.PermissionDenied, offer.ReasonCouncilDecides, nil},
		{"the council may not start support", officer, active, "", o.GetEtag(), codes.PermissionDenied, offer.ReasonLGARunsSupport, nil},
		{"offered cannot become active", rpctest.Adviser, active, "", o.GetEtag(), codes.FailedPrecondition, offer.ReasonInvalidTransition, nil},
		{"offered cannot become completed", rpctest.Adviser, completed, "", o.GetEtag(), codes.FailedPrecondition, offer.ReasonInvalidTransition, nil},
		{"nothing goes back to offered", rpctest.Adviser, offered, "", o.GetEtag(), codes.FailedPrecondition, offer.ReasonInvalidTransition, nil},
		{"a decline needs a reason", officer, declined, " ", o.GetEtag(), codes.InvalidArgument, "", []string{"reason"}},
		{"a state is required", officer, 0, "", o.GetEtag(), codes.InvalidArgument, "", []string{"state"}},
		{"an unknown state", officer, 42, "", o.GetEtag(), codes.InvalidArgument, "", []string{"state"}},
		{"an etag is required", officer, accepted, "", "", codes.InvalidArgument, "", []string{"etag"}},
		{"a forged etag", officer, accepted, "", `"x"`, codes.InvalidArgument, "", []string{"etag"}},
		{"a stale etag", officer, accepted, "", `"9"`, codes.Aborted, "ETAG_MISMATCH", nil},
	} {
		_, err := e.client.TransitionSupportOffer(e.as(tc.who), &peerreviewv1.TransitionSupportOfferRequest{
			Name: o.GetName(), Etag: tc.etag, State: tc.to, Reason: tc.reason,
		})
		rpctest.ExpectError(t, tc.name, err, tc.code, tc.why, tc.fields...)
	}
	_, err := e.client.TransitionSupportOffer(e.as(officer), &peerreviewv1.TransitionSupportOfferRequest{
		Name: leedsName + "/supportOffers/missing", Etag: `"1"`, State: accepted,
	})
	rpctest.ExpectError(t, "a missing offer", err, codes.NotFound, offer.ReasonNotFound)

	req := &peerreviewv1.TransitionSupportOfferRequest{
		Name: o.GetName(), Etag: o.GetEtag(), State: declined, Reason: "we have commissioned our own support", RequestId: "decline-1",
	}
	dec := rpctest.Replayed(t, "decline", e.as(officer), e.client.TransitionSupportOffer, req)
	if dec.GetState() != declined || !strings.HasSuffix(dec.GetHistory()[1], ": we have commissioned our own support") {
		t.Errorf("declined %v", dec)
	}
	_, err = e.client.TransitionSupportOffer(e.as(officer), &peerreviewv1.TransitionSupportOfferRequest{
		Name: o.GetName(), Etag: dec.GetEtag(), State: accepted,
	})
	rpctest.ExpectError(t, "declined → accepted", err, codes.FailedPrecondition, offer.ReasonInvalidTransition)
}

// TestAccess covers every deny case: roles outside the policy, a council
// officer reaching for another council's offers, and no token at all.
func TestAccess(t *testing.T) {
	e := newEnv(t)
	o := e.create(leeds, enhanced)
	calls := map[string]func(ctx context.Context) error{
		"create": rpctest.Bind(e.client.CreateSupportOffer, &peerreviewv1.CreateSupportOfferRequest{
			Parent: leedsName, SupportOffer: &peerreviewv1.SupportOffer{Tier: standard, Reasons: []string{"r"}},
		}),
		"get":      rpctest.Bind(e.client.GetSupportOffer, &peerreviewv1.GetSupportOfferRequest{Name: o.GetName()}),
		"list":     rpctest.Bind(e.client.ListSupportOffers, &peerreviewv1.ListSupportOffersRequest{Parent: leedsName}),
		"list all": rpctest.Bind(e.client.ListSupportOffers, &peerreviewv1.ListSupportOffersRequest{Parent: allParents}),
		"update": rpctest.Bind(e.client.UpdateSupportOffer, &peerreviewv1.UpdateSupportOfferRequest{
			SupportOffer: &peerreviewv1.SupportOffer{Name: o.GetName(), Etag: o.GetEtag(), Reasons: []string{"r"}},
			UpdateMask:   &fieldmaskpb.FieldMask{Paths: []string{"reasons"}},
		}),
		"accept":  rpctest.Bind(e.client.TransitionSupportOffer, &peerreviewv1.TransitionSupportOfferRequest{Name: o.GetName(), Etag: o.GetEtag(), State: accepted}),
		"decline": rpctest.Bind(e.client.TransitionSupportOffer, &peerreviewv1.TransitionSupportOfferRequest{Name: o.GetName(), Etag: o.GetEtag(), State: declined, Reason: "no"}),
	}
	all := slices.Sorted(func(yield func(string) bool) {
		for k := range calls {
			if !yield(k) {
				return
			}
		}
	})
	for _, tc := range []struct {
		who    string
		ctx    context.Context
		calls  []string
		code   codes.Code
		reason string
	}{
		// Offers are the council's, the LGA's and, to read, DfE's (the
		// access matrix; DfE used to be refused): Ofsted sees anonymous
		// summaries only, and so do sponsors and partner systems.
		{"ofsted", e.as(rpctest.Inspector), all, codes.PermissionDenied, auth.ReasonRoleNotAllowed},
		{"dfe", e.as(rpctest.Official), []string{"create", "update", "accept", "decline"}, codes.PermissionDenied, auth.ReasonRoleNotAllowed},
		{"sponsor", e.as(sponsor), all, codes.PermissionDenied, auth.ReasonRoleNotAllowed},
		{"partner", e.as(rpctest.Partner), all, codes.PermissionDenied, auth.ReasonRoleNotAllowed},
		// Another council's officer learns nothing and decides nothing.
		{"another council", e.as(otherOfficer), []string{"get", "list", "list all", "accept", "decline"}, codes.PermissionDenied, access.ReasonNotAllowed},
		{"another council", e.as(otherOfficer), []string{"create", "update"}, codes.PermissionDenied, auth.ReasonRoleNotAllowed},
		// The council's own officer reads and decides, but neither makes
		// nor edits offers, nor lists other councils'.
		{"own council", e.as(officer), []string{"create", "update"}, codes.PermissionDenied, auth.ReasonRoleNotAllowed},
		{"own council", e.as(officer), []string{"list all"}, codes.PermissionDenied, access.ReasonNotAllowed},
		{"anonymous", context.Background(), all, codes.Unauthenticated, ""},
	} {
		for _, name := range tc.calls {
			rpctest.ExpectError(t, tc.who+" "+name, calls[name](tc.ctx), tc.code, tc.reason)
		}
	}
	// The denied calls changed nothing.
	got, err := e.client.GetSupportOffer(e.as(rpctest.Adviser), &peerreviewv1.GetSupportOfferRequest{Name: o.GetName()})
	if err != nil || !proto.Equal(got, o) {
		t.Errorf("after the denied calls: %v, %v; want %v", got, err, o)
	}
	// And the allowed ones work.
	for _, name := range []string{"get", "list"} {
		if err := calls[name](e.as(officer)); err != nil {
			t.Errorf("own council %s: %v", name, err)
		}
	}
	if err := calls["list all"](e.as(rpctest.Adviser)); err != nil {
		t.Errorf("adviser list all: %v", err)
	}
	// DfE reads every council's offers, whole (the access matrix; this
	// used to be refused).
	got, err = e.client.GetSupportOffer(e.as(rpctest.Official), &peerreviewv1.GetSupportOfferRequest{Name: o.GetName()})
	if err != nil || !proto.Equal(got, o) {
		t.Errorf("DfE reads %v, %v; want %v", got, err, o)
	}
	for _, parent := range []string{leedsName, "localAuthorities/-"} {
		list, err := e.client.ListSupportOffers(e.as(rpctest.Official), &peerreviewv1.ListSupportOffersRequest{Parent: parent})
		if err != nil || len(list.GetSupportOffers()) != 1 || !proto.Equal(list.GetSupportOffers()[0], o) {
			t.Errorf("DfE lists %s: %v, %v; want %v", parent, list, err, o)
		}
	}
}

func TestCreateValidation(t *testing.T) {
	e := newEnv(t)
	ctx := e.as(rpctest.Adviser)
	for _, tc := range []struct {
		name   string
		req    *peerreviewv1.CreateSupportOfferRequest
		code   codes.Code
		reason string
		fields []string
	}{
		{"no offer", &peerreviewv1.CreateSupportOfferRequest{Parent: leedsName}, codes.InvalidArgument, "", []string{"support_offer"}},
		{"every problem at once", &peerreviewv1.CreateSupportOfferRequest{
			Parent: "localAuthorities/leeds",
			SupportOffer: &peerreviewv1.SupportOffer{Activities: []*peerreviewv1.Activity{
				{Kind: 0, Days: 0, ProvidingCouncils: []string{leeds, "localAuthorities/" + leeds}},
				{Kind: peerreviewv1.ActivityKind_ACTIVITY_KIND_MENTORING, Days: 101, ProvidingCouncils: []string{"localAuthorities/" + hampshire, "localAuthorities/" + hampshire}},
			}},
			RequestId: strings.Repeat("r", 129),
		}, codes.InvalidArgument, "", []string{
			"parent", "request_id",
			"support_offer.activities[0].days", "support_offer.activities[0].kind",
			"support_offer.activities[0].providing_councils[0]", "support_offer.activities[0].providing_councils[1]",
			"support_offer.activities[1].days", "support_offer.activities[1].providing_councils[1]",
			"support_offer.reasons", "support_offer.tier",
		}},
		{"the supported council lends to itself", &peerreviewv1.CreateSupportOfferRequest{
			Parent: leedsName,
			SupportOffer: &peerreviewv1.SupportOffer{Tier: standard, Reasons: []string{"r"}, Activities: []*peerreviewv1.Activity{
				{Kind: peerreviewv1.ActivityKind_ACTIVITY_KIND_MENTORING, Days: 3, ProvidingCouncils: []string{leedsName}},
			}},
		}, codes.InvalidArgument, "", []string{"support_offer.activities[0].providing_councils[0]"}},
		{"an unknown tier", &peerreviewv1.CreateSupportOfferRequest{
			Parent: leedsName, SupportOffer: &peerreviewv1.SupportOffer{Tier: 9, Reasons: []string{"r"}},
		}, codes.InvalidArgument, "", []string{"support_offer.tier"}},
		{"a council that is not one of the 152", &peerreviewv1.CreateSupportOfferRequest{
			Parent: "localAuthorities/E06999999", SupportOffer: &peerreviewv1.SupportOffer{Tier: standard, Reasons: []string{"r"}},
		}, codes.NotFound, resource.ReasonCouncilNotFound, nil},
	} {
		_, err := e.client.CreateSupportOffer(ctx, tc.req)
		rpctest.ExpectError(t, tc.name, err, tc.code, tc.reason, tc.fields...)
	}
}

func TestUpdate(t *testing.T) {
	e := newEnv(t)
	ctx := e.as(rpctest.Adviser)
	o := e.create(leeds, enhanced)
	acts := []*peerreviewv1.Activity{
		{Kind: peerreviewv1.ActivityKind_ACTIVITY_KIND_DIAGNOSTIC_FOLLOW_UP, Days: 5, ProvidingCouncils: []string{"localAuthorities/" + sheffield}},
		{Kind: peerreviewv1.ActivityKind_ACTIVITY_KIND_LEADERSHIP_COACHING, Days: 8},
	}
	up, err := e.client.UpdateSupportOffer(ctx, &peerreviewv1.UpdateSupportOfferRequest{
		SupportOffer: &peerreviewv1.SupportOffer{Name: o.GetName(), Etag: o.GetEtag(), Activities: acts, Reasons: []string{"ignored: not in the mask"}},
		UpdateMask:   &fieldmaskpb.FieldMask{Paths: []string{"activities"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if up.GetEtag() != `"2"` || len(up.GetActivities()) != 2 || !proto.Equal(up.GetActivities()[0], acts[0]) ||
		!slices.Equal(up.GetReasons(), o.GetReasons()) || !slices.Equal(up.GetHistory(), o.GetHistory()) {
		t.Errorf("updated %v", up)
	}
	// Without a mask, the fields the request sets are replaced; the tier
	// sent back unchanged is no change.
	up2, err := e.client.UpdateSupportOffer(ctx, &peerreviewv1.UpdateSupportOfferRequest{
		SupportOffer: &peerreviewv1.SupportOffer{Name: o.GetName(), Etag: up.GetEtag(), Tier: enhanced, Reasons: []string{"new reason"}},
	})
	if err != nil || !slices.Equal(up2.GetReasons(), []string{"new reason"}) || len(up2.GetActivities()) != 2 {
		t.Errorf("update without a mask: %v, %v", up2, err)
	}

	for _, tc := range []struct {
		name   string
		in     *peerreviewv1.SupportOffer
		paths  []string
		code   codes.Code
		reason string
		fields []string
	}{
		{"a stale etag", &peerreviewv1.SupportOffer{Name: o.GetName(), Etag: o.GetEtag(), Reasons: []string{"x"}}, []string{"reasons"}, codes.Aborted, "ETAG_MISMATCH", nil},
		{"no etag", &peerreviewv1.SupportOffer{Name: o.GetName(), Reasons: []string{"x"}}, []string{"reasons"}, codes.InvalidArgument, "", []string{"support_offer.etag"}},
		{"a bad name", &peerreviewv1.SupportOffer{Name: "supportOffers/x", Etag: `"1"`}, []string{"reasons"}, codes.InvalidArgument, "", []string{"support_offer.name"}},
		{"an unknown mask path", &peerreviewv1.SupportOffer{Name: o.GetName(), Etag: up2.GetEtag()}, []string{"state_of_mind"}, codes.InvalidArgument, "", []string{"update_mask"}},
		{"another tier", &peerreviewv1.SupportOffer{Name: o.GetName(), Etag: up2.GetEtag(), Tier: inadequate}, []string{"tier"}, codes.InvalidArgument, "", []string{"support_offer.tier"}},
		{"empty reasons", &peerreviewv1.SupportOffer{Name: o.GetName(), Etag: up2.GetEtag()}, []string{"reasons"}, codes.InvalidArgument, "", []string{"support_offer.reasons"}},
		{"bad providing councils", &peerreviewv1.SupportOffer{Name: o.GetName(), Etag: up2.GetEtag(), Activities: []*peerreviewv1.Activity{
			{Kind: peerreviewv1.ActivityKind_ACTIVITY_KIND_MENTORING, Days: 1, ProvidingCouncils: []string{"Hampshire", leedsName}},
		}}, []string{"activities"}, codes.InvalidArgument, "", []string{"support_offer.activities[0].providing_councils[0]", "support_offer.activities[0].providing_councils[1]"}},
		{"a missing offer", &peerreviewv1.SupportOffer{Name: leedsName + "/supportOffers/gone", Etag: `"1"`, Reasons: []string{"x"}}, []string{"reasons"}, codes.NotFound, offer.ReasonNotFound, nil},
	} {
		_, err := e.client.UpdateSupportOffer(ctx, &peerreviewv1.UpdateSupportOfferRequest{
			SupportOffer: tc.in, UpdateMask: &fieldmaskpb.FieldMask{Paths: tc.paths},
		})
		rpctest.ExpectError(t, tc.name, err, tc.code, tc.reason, tc.fields...)
	}
}

func TestList(t *testing.T) {
	e := newEnv(t)
	first := e.create(leeds, standard)
	second := e.create(leeds, enhanced)
	third := e.create(sheffield, enhanced)
	e.move(officer, first, declined, "not needed")

	names := func(offers []*peerreviewv1.SupportOffer) []string {
		var out []string
		for _, o := range offers {
			out = append(out, o.GetName())
		}
		return out
	}
	for _, tc := range []struct {
		who    auth.Principal
		parent string
		filter string
		want   []string
	}{
		{officer, leedsName, "", []string{second.GetName(), first.GetName()}},
		{rpctest.Adviser, allParents, "", []string{third.GetName(), second.GetName(), first.GetName()}},
		{rpctest.Adviser, allParents, "tier = ENHANCED", []string{third.GetName(), second.GetName()}},
		{officer, leedsName, "state = DECLINED", []string{first.GetName()}},
		{rpctest.Adviser, allParents, "state = OFFERED AND tier = standard", nil},
		{otherOfficer, "localAuthorities/" + sheffield, "", []string{third.GetName()}},
		{rpctest.Adviser, "localAuthorities/" + hampshire, "", nil},
	} {
		resp, err := e.client.ListSupportOffers(e.as(tc.who), &peerreviewv1.ListSupportOffersRequest{Parent: tc.parent, Filter: tc.filter})
		if err != nil {
			t.Errorf("list %s %q: %v", tc.parent, tc.filter, err)
			continue
		}
		if got := names(resp.GetSupportOffers()); !slices.Equal(got, tc.want) || resp.GetTotalSize() != int32(len(tc.want)) {
			t.Errorf("list %s %q: %v (total %d), want %v", tc.parent, tc.filter, got, resp.GetTotalSize(), tc.want)
		}
	}

	// Pages of one, newest first, with tokens bound to the query.
	ctx := e.as(rpctest.Adviser)
	var got []string
	token := ""
	for range 5 {
		resp, err := e.client.ListSupportOffers(ctx, &peerreviewv1.ListSupportOffersRequest{Parent: allParents, PageSize: 1, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, names(resp.GetSupportOffers())...)
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
		_, err = e.client.ListSupportOffers(ctx, &peerreviewv1.ListSupportOffersRequest{Parent: leedsName, PageSize: 1, PageToken: token})
		rpctest.ExpectError(t, "a token for another parent", err, codes.InvalidArgument, paging.ReasonPageTokenMismatch, "page_token")
	}
	if want := []string{third.GetName(), second.GetName(), first.GetName()}; !slices.Equal(got, want) {
		t.Errorf("paged %v, want %v", got, want)
	}

	for _, tc := range []struct {
		req    *peerreviewv1.ListSupportOffersRequest
		code   codes.Code
		reason string
		fields []string
	}{
		{&peerreviewv1.ListSupportOffersRequest{Parent: leedsName, Filter: "region = LONDON"}, codes.InvalidArgument, "", []string{"filter"}},
		{&peerreviewv1.ListSupportOffersRequest{Parent: leedsName, Filter: "tier = GOLD"}, codes.InvalidArgument, "", []string{"filter"}},
		{&peerreviewv1.ListSupportOffersRequest{Parent: "localAuthorities/*", PageSize: -1}, codes.InvalidArgument, "", []string{"page_size", "parent"}},
		{&peerreviewv1.ListSupportOffersRequest{Parent: "localAuthorities/E06999999"}, codes.NotFound, resource.ReasonCouncilNotFound, nil},
	} {
		_, err := e.client.ListSupportOffers(ctx, tc.req)
		rpctest.ExpectError(t, "list "+tc.req.GetParent()+" "+tc.req.GetFilter(), err, tc.code, tc.reason, tc.fields...)
	}
}

func TestGet(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name   string
		code   codes.Code
		reason string
		fields []string
	}{
		{leedsName + "/supportOffers/missing", codes.NotFound, offer.ReasonNotFound, nil},
		{leedsName + "/supportOffers/", codes.InvalidArgument, "", []string{"name"}},
		{leedsName + "/peerReviews/abc", codes.InvalidArgument, "", []string{"name"}},
	} {
		_, err := e.client.GetSupportOffer(e.as(rpctest.Adviser), &peerreviewv1.GetSupportOfferRequest{Name: tc.name})
		rpctest.ExpectError(t, tc.name, err, tc.code, tc.reason, tc.fields...)
	}
	// Another council's officer is refused before the offer is looked up,
	// so a missing offer and an existing one look the same.
	_, err := e.client.GetSupportOffer(e.as(otherOfficer), &peerreviewv1.GetSupportOfferRequest{Name: leedsName + "/supportOffers/missing"})
	rpctest.ExpectError(t, "another council's missing offer", err, codes.PermissionDenied, access.ReasonNotAllowed)
}
