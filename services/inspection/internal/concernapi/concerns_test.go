package concernapi_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/concern"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/concernapi"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/concerntest"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

const (
	whistleblowing = inspectionv1.ConcernKind_CONCERN_KIND_WHISTLEBLOWING
	seriousInc     = inspectionv1.ConcernKind_CONCERN_KIND_SERIOUS_INCIDENT
	complaint      = inspectionv1.ConcernKind_CONCERN_KIND_COMPLAINT
	dataDet        = inspectionv1.ConcernKind_CONCERN_KIND_DATA_DETERIORATION
	low            = inspectionv1.Severity_SEVERITY_LOW
	medium         = inspectionv1.Severity_SEVERITY_MEDIUM
	high           = inspectionv1.Severity_SEVERITY_HIGH
	critical       = inspectionv1.Severity_SEVERITY_CRITICAL
	pending        = inspectionv1.RecommendationState_RECOMMENDATION_STATE_PENDING
	acceptedState  = inspectionv1.RecommendationState_RECOMMENDATION_STATE_ACCEPTED
	dismissed      = inspectionv1.RecommendationState_RECOMMENDATION_STATE_DISMISSED
)

// outbox decodes a council's outbox entries of type typ, oldest first.
func (h *harness) outbox(t *testing.T, gss, typ string) []events.Event {
	t.Helper()
	return rpctest.Outbox(t, h.st, keyspace.CouncilTag(gss), typ)
}

func (h *harness) audits(t *testing.T, gss string) []store.AuditEntry {
	t.Helper()
	return rpctest.Audits(t, h.outbox(t, gss, store.AuditType))
}

// TestTriggerStory follows one trigger from the concerns that fire it to
// the emergency inspection it schedules.
func TestTriggerStory(t *testing.T) {
	h := newHarness(t)
	ctx := h.as(t, inspector1)

	si := h.raise(t, leeds, seriousInc, high, date(2015, 9, 1))
	if len(si.GetRecommendations()) != 0 {
		t.Fatalf("a lone serious incident recommended %v", si.GetRecommendations())
	}
	if c := si.GetConcern(); !strings.HasPrefix(c.GetName(), "localAuthorities/E08000035/concerns/") ||
		c.GetRecordedBy() != "inspector-1" || c.GetCreateTime() == nil || c.GetKind() != seriousInc {
		t.Fatalf("concern = %v", c)
	}

	// Whistleblowing 30 days later fires the rule: one PENDING
	// recommendation naming both concerns, and its event in the outbox.
	wb := h.raise(t, leeds, whistleblowing, medium, date(2015, 10, 1))
	if len(wb.GetRecommendations()) != 1 {
		t.Fatalf("recommendations = %v, want one", wb.GetRecommendations())
	}
	rec := wb.GetRecommendations()[0]
	wantConcerns := []string{si.GetConcern().GetName(), wb.GetConcern().GetName()}
	if rec.GetRule() != "serious-incident-and-whistleblowing" || rec.GetState() != pending || rec.GetEtag() != `"1"` ||
		!slices.Equal(rec.GetConcerns(), wantConcerns) || rec.GetRuleDescription() == "" || rec.GetDecidedBy() != "" {
		t.Fatalf("recommendation = %v", rec)
	}
	evs := h.outbox(t, leeds, events.TypeName(&eventsv1.EmergencyInspectionRecommended{}))
	if len(evs) != 1 || evs[0].Topic != "inspection" {
		t.Fatalf("events = %+v, want one on topic inspection", evs)
	}
	var payload eventsv1.EmergencyInspectionRecommended
	if err := evs[0].Unmarshal(&payload); err != nil {
		t.Fatal(err)
	}
	if payload.GetRecommendation() != rec.GetName() || payload.GetLocalAuthority() != parent(leeds) ||
		payload.GetRule() != rec.GetRule() || !slices.Equal(payload.GetConcerns(), wantConcerns) {
		t.Fatalf("event payload = %v", &payload)
	}

	// A third related concern does not create a duplicate.
	third := h.raise(t, leeds, whistleblowing, high, date(2015, 10, 5))
	if len(third.GetRecommendations()) != 0 {
		t.Fatalf("third concern created %v", third.GetRecommendations())
	}
	list, err := h.client.ListEmergencyInspectionRecommendations(ctx, &inspectionv1.ListEmergencyInspectionRecommendationsRequest{Parent: parent(leeds)})
	if err != nil || len(list.GetEmergencyInspectionRecommendations()) != 1 || list.GetTotalSize() != 1 {
		t.Fatalf("list = %v, %v; want the one recommendation", list, err)
	}
	got, err := h.client.GetEmergencyInspectionRecommendation(h.as(t, rpctest.Adviser), &inspectionv1.GetEmergencyInspectionRecommendationRequest{Name: rec.GetName()})
	if err != nil || !proto.Equal(got, rec) {
		t.Fatalf("Get = %v, %v; want %v", got, err, rec)
	}

	// Accepting needs the current etag and dates in order.
	acc := &inspectionv1.AcceptEmergencyInspectionRecommendationRequest{
		Name: rec.GetName(), Etag: `"9"`, StartDate: date(2016, 1, 4), EndDate: date(2016, 1, 8),
		Rationale: "whistleblower's account corroborated by the incident review",
	}
	ctx2 := h.as(t, inspector2)
	_, err = h.client.AcceptEmergencyInspectionRecommendation(ctx2, acc)
	wantStatus(t, err, codes.Aborted, "ETAG_MISMATCH")
	acc.Etag = rec.GetEtag()
	accepted, err := h.client.AcceptEmergencyInspectionRecommendation(ctx2, acc)
	if err != nil {
		t.Fatal(err)
	}
	wantInspection := parent(leeds) + "/inspections/emergency-" + concerntest.LastSegment(rec.GetName())
	if accepted.GetState() != acceptedState ||
		accepted.GetDecidedBy() != "inspector-2" || accepted.GetRationale() != acc.GetRationale() ||
		!accepted.GetDecideTime().AsTime().Equal(concerntest.Now) || accepted.GetInspection() != wantInspection ||
		accepted.GetEtag() != `"2"` || !slices.Equal(accepted.GetConcerns(), wantConcerns) {
		t.Fatalf("accepted = %v", accepted)
	}
	scheduled, err := h.sched.Scheduled(context.Background(), leeds, rec.GetName())
	if err != nil || scheduled.Actor != "inspector-2" || scheduled.Start.Format("2006-01-02") != "2016-01-04" ||
		scheduled.End.Format("2006-01-02") != "2016-01-08" || scheduled.Recommendation != rec.GetName() {
		t.Fatalf("scheduled = %+v, %v", scheduled, err)
	}
	audits := h.audits(t, leeds)
	last := audits[len(audits)-1]
	if last.Actor != "inspector-2" || last.Resource != rec.GetName() || last.EtagBefore != `"1"` || last.EtagAfter != `"2"` ||
		last.Method != inspectionv1.InspectionService_AcceptEmergencyInspectionRecommendation_FullMethodName {
		t.Fatalf("last audit entry = %+v", last)
	}
	if len(audits) != 5 { // three concerns, the recommendation, the acceptance
		t.Fatalf("%d audit entries, want 5", len(audits))
	}

	// A decided recommendation cannot be decided again.
	acc.Etag = accepted.GetEtag()
	_, err = h.client.AcceptEmergencyInspectionRecommendation(ctx2, acc)
	wantStatus(t, err, codes.FailedPrecondition, "RECOMMENDATION_NOT_PENDING")
	_, err = h.client.DismissEmergencyInspectionRecommendation(ctx2, &inspectionv1.DismissEmergencyInspectionRecommendationRequest{
		Name: rec.GetName(), Etag: accepted.GetEtag(), Rationale: "changed my mind",
	})
	wantStatus(t, err, codes.FailedPrecondition, "RECOMMENDATION_NOT_PENDING")
	if n := h.sched.Calls.Load(); n != 1 {
		t.Fatalf("scheduler called %d times, want 1", n)
	}
}

func TestDismiss(t *testing.T) {
	h := newHarness(t)
	ctx := h.as(t, inspector1)
	r := h.raise(t, hampshire, complaint, critical, date(2015, 12, 1))
	if len(r.GetRecommendations()) != 1 || r.GetRecommendations()[0].GetRule() != "critical-concern" {
		t.Fatalf("critical concern: %v", r.GetRecommendations())
	}
	rec := r.GetRecommendations()[0]
	req := &inspectionv1.DismissEmergencyInspectionRecommendationRequest{Name: rec.GetName(), Etag: rec.GetEtag()}
	_, err := h.client.DismissEmergencyInspectionRecommendation(ctx, req)
	wantStatus(t, err, codes.InvalidArgument, "", "rationale")

	req.Rationale = "The complaint was withdrawn and a monitoring visit is already booked."
	got, err := h.client.DismissEmergencyInspectionRecommendation(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if got.GetState() != dismissed || got.GetRationale() != req.GetRationale() || got.GetDecidedBy() != "inspector-1" ||
		got.GetDecideTime() == nil || got.GetInspection() != "" || got.GetEtag() != `"2"` {
		t.Fatalf("dismissed = %v", got)
	}
	_, err = h.client.AcceptEmergencyInspectionRecommendation(ctx, &inspectionv1.AcceptEmergencyInspectionRecommendationRequest{
		Name: rec.GetName(), Etag: got.GetEtag(), StartDate: date(2016, 1, 4), EndDate: date(2016, 1, 4),
	})
	wantStatus(t, err, codes.FailedPrecondition, "RECOMMENDATION_NOT_PENDING")
	if n := h.sched.Calls.Load(); n != 0 {
		t.Fatalf("accepting a dismissed recommendation called the scheduler %d times", n)
	}
	// The dismissal is kept: read back, it still says who and why.
	read, err := h.client.GetEmergencyInspectionRecommendation(h.as(t, rpctest.Official), &inspectionv1.GetEmergencyInspectionRecommendationRequest{Name: rec.GetName()})
	if err != nil || !proto.Equal(read, got) {
		t.Fatalf("read back %v, %v; want %v", read, err, got)
	}
}

func TestRequestIDReplay(t *testing.T) {
	h := newHarness(t)
	ctx := h.as(t, inspector1)
	req := &inspectionv1.RaiseConcernRequest{
		Parent:    parent(durham),
		Concern:   &inspectionv1.Concern{Kind: seriousInc, Severity: critical, ReceivedDate: date(2015, 12, 10), Narrative: "A child died."},
		RequestId: "9c1e7f0a-raise-1",
	}
	first := rpctest.Replayed(t, "raise", ctx, h.client.RaiseConcern, req)
	list, err := h.client.ListConcerns(ctx, &inspectionv1.ListConcernsRequest{Parent: parent(durham)})
	if err != nil || list.GetTotalSize() != 1 {
		t.Fatalf("after a replay: %v, %v; want one concern", list, err)
	}
	// The same request_id with another request is refused.
	other := proto.Clone(req).(*inspectionv1.RaiseConcernRequest)
	other.Concern.Narrative = "Something else."
	_, err = h.client.RaiseConcern(ctx, other)
	wantStatus(t, err, codes.InvalidArgument, "REQUEST_ID_REUSED", "request_id")
	// Another inspector's request_id lives in another scope.
	theirs, err := h.client.RaiseConcern(h.as(t, inspector2), req)
	if err != nil || theirs.GetConcern().GetName() == first.GetConcern().GetName() {
		t.Fatalf("another inspector's request: %v, %v", theirs, err)
	}

	rec := first.GetRecommendations()[0]
	acc := &inspectionv1.AcceptEmergencyInspectionRecommendationRequest{
		Name: rec.GetName(), Etag: rec.GetEtag(), StartDate: date(2015, 12, 15), EndDate: date(2015, 12, 17),
		RequestId: "9c1e7f0a-accept-1",
	}
	// The retry carries the etag it first sent, now stale: it replays.
	rpctest.Replayed(t, "accept", ctx, h.client.AcceptEmergencyInspectionRecommendation, acc)
	if n := h.sched.Calls.Load(); n != 1 {
		t.Fatalf("scheduler called %d times, want 1", n)
	}

	crit := h.raise(t, hampshire, complaint, critical, date(2015, 12, 1)).GetRecommendations()[0]
	dis := &inspectionv1.DismissEmergencyInspectionRecommendationRequest{
		Name: crit.GetName(), Etag: crit.GetEtag(), Rationale: "duplicate of a report already investigated",
		RequestId: "9c1e7f0a-dismiss-1",
	}
	rpctest.Replayed(t, "dismiss", ctx, h.client.DismissEmergencyInspectionRecommendation, dis)
	// Without the request_id the same call is a second decision, refused.
	dis.RequestId = ""
	_, err = h.client.DismissEmergencyInspectionRecommendation(ctx, dis)
	wantStatus(t, err, codes.Aborted, "ETAG_MISMATCH")
}

// TestRaiseInProcess raises a concern through the use case, as the demo
// data loader does, and reads it back through the RPC.
func TestRaiseInProcess(t *testing.T) {
	h := newHarness(t)
	d := concern.Draft{Kind: concern.DataDeterioration, Severity: concern.Critical,
		ReceivedDate: time.Date(2015, 11, 2, 0, 0, 0, 0, time.UTC), Narrative: "Re-referrals doubled."}
	raised, err := h.svc.Raise(context.Background(), doncaster, d, change.Request{Subject: "inspector-1", Roles: []string{string(auth.RoleOfstedInspector)}})
	if err != nil || len(raised.Recommendations) != 1 || raised.Concern.RecordedBy != "inspector-1" {
		t.Fatalf("Raise as an inspector: %+v, %v", raised, err)
	}
	// The in-process path wrote the same records the RPC reads.
	got, err := h.client.GetConcern(h.as(t, rpctest.Adviser), &inspectionv1.GetConcernRequest{Name: raised.Concern.ResourceName()})
	if err != nil || !proto.Equal(got, concernapi.ConcernToProto(raised.Concern)) {
		t.Fatalf("GetConcern = %v, %v", got, err)
	}
}

func TestListConcerns(t *testing.T) {
	h := newHarness(t)
	ctx := h.as(t, rpctest.Official)
	a := h.raise(t, leeds, complaint, low, date(2015, 6, 1)).GetConcern()
	b := h.raise(t, leeds, whistleblowing, high, date(2015, 8, 1)).GetConcern()
	c := h.raise(t, leeds, complaint, medium, date(2015, 7, 1)).GetConcern()
	h.raise(t, hampshire, complaint, low, date(2015, 7, 1))

	names := func(cs []*inspectionv1.Concern) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.GetName())
		}
		return out
	}
	tests := []struct {
		filter string
		want   []string
	}{
		{"", []string{b.GetName(), c.GetName(), a.GetName()}},
		{"kind = COMPLAINT", []string{c.GetName(), a.GetName()}},
		{"severity = HIGH", []string{b.GetName()}},
		{"received_date >= 2015-07-01", []string{b.GetName(), c.GetName()}},
		{"received_date < 2015-06-01", nil},
	}
	for _, tt := range tests {
		resp, err := h.client.ListConcerns(ctx, &inspectionv1.ListConcernsRequest{Parent: parent(leeds), Filter: tt.filter})
		if err != nil || !slices.Equal(names(resp.GetConcerns()), tt.want) || int(resp.GetTotalSize()) != len(tt.want) {
			t.Errorf("filter %q: %v, %v; want %v", tt.filter, names(resp.GetConcerns()), err, tt.want)
		}
	}

	// Paging: one at a time, newest first, and a token only fits its query.
	var paged []string
	req := &inspectionv1.ListConcernsRequest{Parent: parent(leeds), PageSize: 1}
	for {
		resp, err := h.client.ListConcerns(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, names(resp.GetConcerns())...)
		if resp.GetNextPageToken() == "" {
			break
		}
		if len(paged) == 1 {
			_, err := h.client.ListConcerns(ctx, &inspectionv1.ListConcernsRequest{
				Parent: parent(leeds), PageSize: 1, Filter: "kind = COMPLAINT", PageToken: resp.GetNextPageToken(),
			})
			wantStatus(t, err, codes.InvalidArgument, paging.ReasonPageTokenMismatch, "page_token")
			_, err = h.client.ListConcerns(ctx, &inspectionv1.ListConcernsRequest{
				Parent: parent(hampshire), PageSize: 1, PageToken: resp.GetNextPageToken(),
			})
			wantStatus(t, err, codes.InvalidArgument, paging.ReasonPageTokenMismatch, "page_token")
		}
		req.PageToken = resp.GetNextPageToken()
	}
	if want := []string{b.GetName(), c.GetName(), a.GetName()}; !slices.Equal(paged, want) {
		t.Fatalf("paged %v, want %v", paged, want)
	}
}

func TestListRecommendationsAcrossCouncils(t *testing.T) {
	h := newHarness(t)
	ctx := h.as(t, rpctest.Adviser)
	var recs []*inspectionv1.EmergencyInspectionRecommendation
	for _, gss := range []string{leeds, hampshire, durham} {
		recs = append(recs, h.raise(t, gss, dataDet, critical, date(2015, 12, 1)).GetRecommendations()...)
	}
	h.raise(t, durham, seriousInc, low, date(2015, 12, 2))
	recs = append(recs, h.raise(t, durham, whistleblowing, low, date(2015, 12, 3)).GetRecommendations()...)
	if len(recs) != 4 {
		t.Fatalf("%d recommendations raised, want 4", len(recs))
	}
	if _, err := h.client.DismissEmergencyInspectionRecommendation(h.as(t, inspector1), &inspectionv1.DismissEmergencyInspectionRecommendationRequest{
		Name: recs[1].GetName(), Etag: recs[1].GetEtag(), Rationale: "data error corrected",
	}); err != nil {
		t.Fatal(err)
	}
	list := func(filter string, size int32, token string) *inspectionv1.ListEmergencyInspectionRecommendationsResponse {
		t.Helper()
		resp, err := h.client.ListEmergencyInspectionRecommendations(ctx, &inspectionv1.ListEmergencyInspectionRecommendationsRequest{
			Parent: "localAuthorities/-", Filter: filter, PageSize: size, PageToken: token,
		})
		if err != nil {
			t.Fatalf("list %q: %v", filter, err)
		}
		return resp
	}
	rules := func(rs []*inspectionv1.EmergencyInspectionRecommendation) (out []string) {
		for _, r := range rs {
			out = append(out, r.GetRule())
		}
		return out
	}
	all := list("", 0, "")
	if all.GetTotalSize() != 4 || len(all.GetEmergencyInspectionRecommendations()) != 4 {
		t.Fatalf("all councils: %v", all)
	}
	if got := list("state = PENDING", 0, ""); got.GetTotalSize() != 3 {
		t.Fatalf("pending: %v", rules(got.GetEmergencyInspectionRecommendations()))
	}
	if got := list("state = DISMISSED", 0, ""); got.GetTotalSize() != 1 || got.GetEmergencyInspectionRecommendations()[0].GetName() != recs[1].GetName() {
		t.Fatalf("dismissed: %v", got)
	}
	if got := list(`rule = "serious-incident-and-whistleblowing"`, 0, ""); got.GetTotalSize() != 1 {
		t.Fatalf("by rule: %v", got)
	}
	if got := list(`state = PENDING AND rule = "critical-concern"`, 0, ""); got.GetTotalSize() != 2 {
		t.Fatalf("pending critical: %v", got)
	}
	p1 := list("", 3, "")
	p2 := list("", 3, p1.GetNextPageToken())
	if len(p1.GetEmergencyInspectionRecommendations()) != 3 || len(p2.GetEmergencyInspectionRecommendations()) != 1 ||
		p1.GetNextPageToken() == "" || p2.GetNextPageToken() != "" {
		t.Fatalf("pages of 3: %d then %d", len(p1.GetEmergencyInspectionRecommendations()), len(p2.GetEmergencyInspectionRecommendations()))
	}
	seen := map[string]bool{}
	for _, r := range append(p1.GetEmergencyInspectionRecommendations(), p2.GetEmergencyInspectionRecommendations()...) {
		seen[r.GetName()] = true
	}
	if len(seen) != 4 {
		t.Fatalf("pages repeated or lost a recommendation: %v", seen)
	}
	// A page token from the cross-council list is not one council's.
	_, err := h.client.ListEmergencyInspectionRecommendations(ctx, &inspectionv1.ListEmergencyInspectionRecommendationsRequest{
		Parent: parent(durham), PageSize: 3, PageToken: p1.GetNextPageToken(),
	})
	wantStatus(t, err, codes.InvalidArgument, paging.ReasonPageTokenMismatch, "page_token")
	one, err := h.client.ListEmergencyInspectionRecommendations(ctx, &inspectionv1.ListEmergencyInspectionRecommendationsRequest{Parent: parent(durham)})
	if err != nil || one.GetTotalSize() != 2 {
		t.Fatalf("durham: %v, %v", one, err)
	}
}

func TestBadInput(t *testing.T) {
	h := newHarness(t)
	ctx := h.as(t, inspector1)
	rec := h.raise(t, leeds, complaint, critical, date(2015, 12, 1)).GetRecommendations()[0]
	good := func() *inspectionv1.Concern {
		return &inspectionv1.Concern{Kind: complaint, Severity: low, ReceivedDate: date(2015, 12, 1), Narrative: "n"}
	}
	with := func(edit func(*inspectionv1.Concern)) *inspectionv1.Concern { c := good(); edit(c); return c }
	raise := func(parent string, c *inspectionv1.Concern) error {
		return rpctest.Err(h.client.RaiseConcern(ctx, &inspectionv1.RaiseConcernRequest{Parent: parent, Concern: c}))
	}
	accept := func(r *inspectionv1.AcceptEmergencyInspectionRecommendationRequest) error {
		return rpctest.Err(h.client.AcceptEmergencyInspectionRecommendation(ctx, r))
	}
	dismiss := func(r *inspectionv1.DismissEmergencyInspectionRecommendationRequest) error {
		return rpctest.Err(h.client.DismissEmergencyInspectionRecommendation(ctx, r))
	}
	tests := []struct {
		name   string
		err    error
		code   codes.Code
		reason string
		fields []string
	}{
		{"raise: bad parent", raise("localAuthorities/Leeds", good()), codes.InvalidArgument, "", []string{"parent"}},
		{"raise: wildcard parent", raise("localAuthorities/-", good()), codes.InvalidArgument, "", []string{"parent"}},
		{"raise: unknown council", raise("localAuthorities/E08999999", good()), codes.NotFound, "LOCAL_AUTHORITY_NOT_FOUND", nil},
		{"raise: no concern", raise(parent(leeds), nil), codes.InvalidArgument, "", []string{"concern"}},
		{"raise: no kind", raise(parent(leeds), with(func(c *inspectionv1.Concern) { c.Kind = 0 })), codes.InvalidArgument, "", []string{"concern.kind"}},
		{"raise: unknown kind", raise(parent(leeds), with(func(c *inspectionv1.Concern) { c.Kind = 42 })), codes.InvalidArgument, "", []string{"concern.kind"}},
		{"raise: unknown severity", raise(parent(leeds), with(func(c *inspectionv1.Concern) { c.Severity = 9 })), codes.InvalidArgument, "", []string{"concern.severity"}},
		{"raise: impossible date", raise(parent(leeds), with(func(c *inspectionv1.Concern) { c.ReceivedDate = date(2015, 2, 30) })), codes.InvalidArgument, "", []string{"concern.received_date"}},
		{"raise: future date", raise(parent(leeds), with(func(c *inspectionv1.Concern) { c.ReceivedDate = date(2015, 12, 15) })), codes.InvalidArgument, "", []string{"concern.received_date"}},
		{"raise: narrative too long", raise(parent(leeds), with(func(c *inspectionv1.Concern) { c.Narrative = strings.Repeat("x", 10001) })), codes.InvalidArgument, "", []string{"concern.narrative"}},
		{"raise: every field wrong", raise("la/x", &inspectionv1.Concern{Source: strings.Repeat("s", 201), ReceivedDate: date(2015, 13, 1)}), codes.InvalidArgument, "", []string{"concern.kind", "concern.narrative", "concern.received_date", "concern.severity", "concern.source", "parent"}},
		{"raise: request_id too long", rpctest.Err(h.client.RaiseConcern(ctx, &inspectionv1.RaiseConcernRequest{Parent: parent(leeds), Concern: good(), RequestId: strings.Repeat("r", 257)})), codes.InvalidArgument, "", []string{"request_id"}},
		{"get concern: bad name", rpctest.Err(h.client.GetConcern(ctx, &inspectionv1.GetConcernRequest{Name: "localAuthorities/E08000035/concern/x"})), codes.InvalidArgument, "", []string{"name"}},
		{"get concern: missing", rpctest.Err(h.client.GetConcern(ctx, &inspectionv1.GetConcernRequest{Name: "localAuthorities/E08000035/concerns/nosuch"})), codes.NotFound, "CONCERN_NOT_FOUND", nil},
		{"list concerns: unknown filter field", rpctest.Err(h.client.ListConcerns(ctx, &inspectionv1.ListConcernsRequest{Parent: parent(leeds), Filter: "narrative = x"})), codes.InvalidArgument, "INVALID_FILTER", []string{"filter"}},
		{"list concerns: bad kind and page size", rpctest.Err(h.client.ListConcerns(ctx, &inspectionv1.ListConcernsRequest{Parent: parent(leeds), Filter: "kind = FRAUD", PageSize: -1})), codes.InvalidArgument, "", []string{"filter", "page_size"}},
		{"list concerns: across councils is not offered", rpctest.Err(h.client.ListConcerns(ctx, &inspectionv1.ListConcernsRequest{Parent: "localAuthorities/-"})), codes.InvalidArgument, "", []string{"parent"}},
		{"list concerns: unknown council", rpctest.Err(h.client.ListConcerns(ctx, &inspectionv1.ListConcernsRequest{Parent: "localAuthorities/E08999999"})), codes.NotFound, "LOCAL_AUTHORITY_NOT_FOUND", nil},
		{"list concerns: forged page token", rpctest.Err(h.client.ListConcerns(ctx, &inspectionv1.ListConcernsRequest{Parent: parent(leeds), PageToken: "AAAA"})), codes.InvalidArgument, paging.ReasonInvalidPageToken, []string{"page_token"}},
		{"list recommendations: bad state", rpctest.Err(h.client.ListEmergencyInspectionRecommendations(ctx, &inspectionv1.ListEmergencyInspectionRecommendationsRequest{Parent: "localAuthorities/-", Filter: "state = OPEN"})), codes.InvalidArgument, "INVALID_FILTER", []string{"filter"}},
		{"list recommendations: bad parent", rpctest.Err(h.client.ListEmergencyInspectionRecommendations(ctx, &inspectionv1.ListEmergencyInspectionRecommendationsRequest{Parent: "localAuthorities/*"})), codes.InvalidArgument, "", []string{"parent"}},
		{"get recommendation: bad name", rpctest.Err(h.client.GetEmergencyInspectionRecommendation(ctx, &inspectionv1.GetEmergencyInspectionRecommendationRequest{Name: rec.GetName() + "/x"})), codes.InvalidArgument, "", []string{"name"}},
		{"get recommendation: missing", rpctest.Err(h.client.GetEmergencyInspectionRecommendation(ctx, &inspectionv1.GetEmergencyInspectionRecommendationRequest{Name: parent(leeds) + "/emergencyInspectionRecommendations/nosuch"})), codes.NotFound, "RECOMMENDATION_NOT_FOUND", nil},
		{"accept: no etag", accept(&inspectionv1.AcceptEmergencyInspectionRecommendationRequest{Name: rec.GetName(), StartDate: date(2016, 1, 4), EndDate: date(2016, 1, 5)}), codes.InvalidArgument, "", []string{"etag"}},
		{"accept: malformed etag", accept(&inspectionv1.AcceptEmergencyInspectionRecommendationRequest{Name: rec.GetName(), Etag: "1", StartDate: date(2016, 1, 4), EndDate: date(2016, 1, 5)}), codes.InvalidArgument, "INVALID_ETAG", []string{"etag"}},
		{"accept: no dates", accept(&inspectionv1.AcceptEmergencyInspectionRecommendationRequest{Name: rec.GetName(), Etag: rec.GetEtag()}), codes.InvalidArgument, "", []string{"end_date", "start_date"}},
		{"accept: reversed dates", accept(&inspectionv1.AcceptEmergencyInspectionRecommendationRequest{Name: rec.GetName(), Etag: rec.GetEtag(), StartDate: date(2016, 1, 5), EndDate: date(2016, 1, 4)}), codes.InvalidArgument, "", []string{"end_date"}},
		{"accept: impossible start date", accept(&inspectionv1.AcceptEmergencyInspectionRecommendationRequest{Name: rec.GetName(), Etag: rec.GetEtag(), StartDate: date(2016, 2, 30), EndDate: date(2016, 3, 4)}), codes.InvalidArgument, "", []string{"start_date"}},
		{"accept: everything wrong", accept(&inspectionv1.AcceptEmergencyInspectionRecommendationRequest{Name: "x", Etag: "W/", EndDate: date(2016, 0, 4)}), codes.InvalidArgument, "", []string{"end_date", "etag", "name", "start_date"}},
		{"accept: missing recommendation", accept(&inspectionv1.AcceptEmergencyInspectionRecommendationRequest{Name: parent(leeds) + "/emergencyInspectionRecommendations/nosuch", Etag: `"1"`, StartDate: date(2016, 1, 4), EndDate: date(2016, 1, 5)}), codes.NotFound, "RECOMMENDATION_NOT_FOUND", nil},
		{"dismiss: no etag, no rationale", dismiss(&inspectionv1.DismissEmergencyInspectionRecommendationRequest{Name: rec.GetName()}), codes.InvalidArgument, "", []string{"etag", "rationale"}},
		{"dismiss: stale etag", dismiss(&inspectionv1.DismissEmergencyInspectionRecommendationRequest{Name: rec.GetName(), Etag: `"2"`, Rationale: "r"}), codes.Aborted, "ETAG_MISMATCH", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantStatus(t, tt.err, tt.code, tt.reason, tt.fields...)
		})
	}
	// None of the refused writes changed the recommendation.
	got, err := h.client.GetEmergencyInspectionRecommendation(ctx, &inspectionv1.GetEmergencyInspectionRecommendationRequest{Name: rec.GetName()})
	if err != nil || !proto.Equal(got, rec) {
		t.Fatalf("after bad input: %v, %v; want %v", got, err, rec)
	}
	if n := h.sched.Calls.Load(); n != 0 {
		t.Fatalf("bad input reached the scheduler %d times", n)
	}
}

func TestAccess(t *testing.T) {
	h := newHarness(t)
	raised := h.raise(t, leeds, whistleblowing, critical, date(2015, 12, 1))
	concernName := raised.GetConcern().GetName()
	rec := raised.GetRecommendations()[0]

	calls := rpctest.Calls(t, h.client,
		&inspectionv1.RaiseConcernRequest{Parent: parent(leeds), Concern: &inspectionv1.Concern{
			Kind: complaint, Severity: low, ReceivedDate: date(2015, 12, 2), Narrative: "n"}},
		&inspectionv1.GetConcernRequest{Name: concernName},
		&inspectionv1.ListConcernsRequest{Parent: parent(leeds)},
		&inspectionv1.GetEmergencyInspectionRecommendationRequest{Name: rec.GetName()},
		&inspectionv1.ListEmergencyInspectionRecommendationsRequest{Parent: "localAuthorities/-"},
		// Writes that the policy refuses never reach validation, so a
		// recommendation name and a wrong etag suffice.
		&inspectionv1.AcceptEmergencyInspectionRecommendationRequest{
			Name: rec.GetName(), Etag: `"99"`, StartDate: date(2016, 1, 4), EndDate: date(2016, 1, 5)},
		&inspectionv1.DismissEmergencyInspectionRecommendationRequest{
			Name: rec.GetName(), Etag: `"99"`, Rationale: "r"},
	)
	writes := map[string]bool{"RaiseConcern": true, "AcceptEmergencyInspectionRecommendation": true, "DismissEmergencyInspectionRecommendation": true}
	if len(calls) != len(concernapi.Policies) {
		t.Fatalf("the test covers %d methods; Policies declares %d", len(calls), len(concernapi.Policies))
	}
	for method := range calls {
		if _, ok := concernapi.Policies["/turnaround.inspection.v1.InspectionService/"+method]; !ok {
			t.Fatalf("Policies has no entry for %s", method)
		}
	}
	if err := concernapi.Policies.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []auth.Principal{inspector2, rpctest.Adviser, rpctest.Official, officer, sponsor, rpctest.Partner} {
		ctx := h.as(t, p)
		for method, call := range calls {
			t.Run(string(p.Roles[0])+"/"+method, func(t *testing.T) {
				err := call(ctx)
				// The access matrix: Ofsted, the LGA and DfE read every
				// council's concerns and recommendations; a council officer
				// its own council's (the concern here is about Leeds, the
				// officer's council).
				mayRead := p.HasRole(auth.RoleOfstedInspector, auth.RoleLGAAdviser, auth.RoleDfEOfficial, auth.RoleCouncilOfficer)
				mayWrite := p.HasRole(auth.RoleOfstedInspector)
				switch allowed := mayRead && (!writes[method] || mayWrite); {
				case !allowed:
					wantStatus(t, err, codes.PermissionDenied, auth.ReasonRoleNotAllowed)
				case method == "AcceptEmergencyInspectionRecommendation" || method == "DismissEmergencyInspectionRecommendation":
					// Admitted, then refused on the stale etag: past the policy.
					wantStatus(t, err, codes.Aborted, "ETAG_MISMATCH")
				default:
					if err != nil {
						t.Fatalf("allowed call failed: %v", err)
					}
				}
			})
		}
	}
	t.Run("no token", func(t *testing.T) {
		for method, call := range calls {
			if err := call(context.Background()); err == nil {
				t.Fatalf("%s without a token succeeded", method)
			} else {
				wantStatus(t, err, codes.Unauthenticated, "")
			}
		}
	})
	// A council officer reads its own council's concerns and
	// recommendations (the access matrix; this used to be refused), and
	// never another council's.
	own, err := h.client.ListConcerns(h.as(t, officer), &inspectionv1.ListConcernsRequest{Parent: parent(leeds)})
	if err != nil || !slices.ContainsFunc(own.GetConcerns(), func(c *inspectionv1.Concern) bool { return c.GetName() == concernName }) {
		t.Fatalf("the officer's own concerns: %v, %v; want %s among them", own, err, concernName)
	}
	other := h.as(t, rpctest.Officer("E08000036"))
	_, err = h.client.ListConcerns(other, &inspectionv1.ListConcernsRequest{Parent: parent(leeds)})
	wantStatus(t, err, codes.PermissionDenied, access.ReasonNotAllowed)
	_, err = h.client.GetConcern(other, &inspectionv1.GetConcernRequest{Name: concernName})
	wantStatus(t, err, codes.PermissionDenied, access.ReasonNotAllowed)
	_, err = h.client.GetEmergencyInspectionRecommendation(other, &inspectionv1.GetEmergencyInspectionRecommendationRequest{Name: rec.GetName()})
	wantStatus(t, err, codes.PermissionDenied, access.ReasonNotAllowed)
	_, err = h.client.ListEmergencyInspectionRecommendations(other, &inspectionv1.ListEmergencyInspectionRecommendationsRequest{Parent: parent(leeds)})
	wantStatus(t, err, codes.PermissionDenied, access.ReasonNotAllowed)
	// Across every council, each officer's list holds its own council's
	// recommendations only.
	for _, tc := range []struct {
		who  auth.Principal
		want int
	}{{officer, 1}, {rpctest.Officer("E08000036"), 0}, {rpctest.Official, 1}} {
		list, err := h.client.ListEmergencyInspectionRecommendations(h.as(t, tc.who),
			&inspectionv1.ListEmergencyInspectionRecommendationsRequest{Parent: "localAuthorities/-"})
		if err != nil || len(list.GetEmergencyInspectionRecommendations()) != tc.want || list.GetTotalSize() != int32(tc.want) {
			t.Fatalf("%v's recommendations across councils: %v, %v; want %d", tc.who.Roles, list, err, tc.want)
		}
	}
}
