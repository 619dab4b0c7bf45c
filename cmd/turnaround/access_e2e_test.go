package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"

	_ "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	_ "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	_ "github.com/turnaround-sli/turnaround/proto/turnaround/oversight/v1"
	_ "github.com/turnaround-sli/turnaround/proto/turnaround/partner/v1"
	_ "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	_ "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
)

// side is one of the two councils the matrix test acts on: the caller's own
// (the council officer's council, actively supported by the sponsor
// officer's sponsor) and another, supported by another sponsor.
type side struct {
	council    string // GSS code
	sponsor    string // id of the sponsor actively supporting it
	engagement string // that engagement's name
	// names holds a real record of each collection, keyed by collection
	// ("inspections", "improvementPlans", …); missing when the data set
	// has none for this council.
	names map[string]string
	// public records, by name.
	public map[string]bool
}

// matrixCase is how the matrix test calls one RPC.
type matrixCase struct {
	res access.Resource
	act access.Action
	// wide: the request names no council or sponsor (a list across all of
	// them, a global collection); the interceptor alone decides, so any
	// grant in the cell admits the role, and object-level scoping filters
	// rather than refuses.
	wide bool
	// list: the request lists a council's records; a Published or Summary
	// grant sees the records it may, so it is not refused.
	list bool
	// sponsored: the record belongs to the side's sponsor (engagements,
	// deployments, compensation) as well as its council.
	sponsored bool
	// req is the request as JSON for side s, or "" when the data set has
	// no record to name; key is the collection whose record it names
	// (for the Public flag).
	req func(s side) string
	// reqAs, when set, is the request for callers holding role instead:
	// a cell whose roles make different moves within it (the LGA moves a
	// support offer on, a council accepts or declines it) is exercised
	// with each role's own move.
	reqAs map[auth.Role]func(s side) string
	key   string
}

func q(s string) string { b, _ := json.Marshal(s); return string(b) }

// name returns the side's record of collection, or "".
func (s side) name(collection string) string { return s.names[collection] }

// named builds a request naming the side's record of collection, plus extra
// JSON fields.
func named(collection, extra string) func(side) string {
	return func(s side) string {
		n := s.name(collection)
		if n == "" {
			return ""
		}
		return `{"name":` + q(n) + extra + `}`
	}
}

// parented builds a request whose parent is the side's council, plus extra.
func parented(extra string) func(side) string {
	return func(s side) string {
		return `{"parent":"localAuthorities/` + s.council + `"` + extra + `}`
	}
}

func fixed(j string) func(side) string { return func(side) string { return j } }

const staleEtag = `,"etag":"W/\"999999\"","request_id":"matrix-test"`

// matrixCases maps every RPC's full method name to its case. The test fails
// for an RPC missing here, so a new RPC cannot escape the matrix.
var matrixCases = map[string]matrixCase{
	// inspection
	"/turnaround.inspection.v1.InspectionService/GetLocalAuthority":    {res: access.LocalAuthority, act: access.Read, req: func(s side) string { return `{"name":"localAuthorities/` + s.council + `"}` }},
	"/turnaround.inspection.v1.InspectionService/ListLocalAuthorities": {res: access.LocalAuthority, act: access.Read, wide: true, req: fixed(`{}`)},
	"/turnaround.inspection.v1.InspectionService/CreateInspection": {res: access.Inspection, act: access.Write,
		req: parented(`,"inspection":{"framework":"FRAMEWORK_ILACS"},"request_id":"matrix-test"`)},
	"/turnaround.inspection.v1.InspectionService/GetInspection":   {res: access.Inspection, act: access.Read, req: named("inspections", ""), key: "inspections"},
	"/turnaround.inspection.v1.InspectionService/ListInspections": {res: access.Inspection, act: access.Read, list: true, req: parented("")},
	"/turnaround.inspection.v1.InspectionService/UpdateInspection": {res: access.Inspection, act: access.Write, key: "inspections",
		req: func(s side) string {
			n := s.name("inspections")
			if n == "" {
				return ""
			}
			return `{"inspection":{"name":` + q(n) + `,"etag":"W/\"999999\""},"update_mask":"leadInspector"}`
		}},
	"/turnaround.inspection.v1.InspectionService/PublishJudgement":      {res: access.Inspection, act: access.Publish, req: named("inspections", staleEtag), key: "inspections"},
	"/turnaround.inspection.v1.InspectionService/BatchImportJudgements": {res: access.Inspection, act: access.Import, wide: true, req: fixed(`{}`)},
	"/turnaround.inspection.v1.InspectionService/RaiseConcern": {res: access.Concern, act: access.Write,
		req: parented(`,"concern":{"kind":"CONCERN_KIND_COMPLAINT"},"request_id":"matrix-test"`)},
	"/turnaround.inspection.v1.InspectionService/GetConcern":                             {res: access.Concern, act: access.Read, req: named("concerns", "")},
	"/turnaround.inspection.v1.InspectionService/ListConcerns":                           {res: access.Concern, act: access.Read, list: true, req: parented("")},
	"/turnaround.inspection.v1.InspectionService/GetEmergencyInspectionRecommendation":   {res: access.Recommendation, act: access.Read, req: named("emergencyInspectionRecommendations", "")},
	"/turnaround.inspection.v1.InspectionService/ListEmergencyInspectionRecommendations": {res: access.Recommendation, act: access.Read, list: true, req: parented("")},
	"/turnaround.inspection.v1.InspectionService/AcceptEmergencyInspectionRecommendation": {res: access.Recommendation, act: access.Decide,
		req: named("emergencyInspectionRecommendations", staleEtag)},
	"/turnaround.inspection.v1.InspectionService/DismissEmergencyInspectionRecommendation": {res: access.Recommendation, act: access.Decide,
		req: named("emergencyInspectionRecommendations", staleEtag+`,"rationale":"matrix test"`)},
	"/turnaround.inspection.v1.InspectionService/BatchImportIndicatorSets": {res: access.IndicatorSet, act: access.Import, wide: true, req: fixed(`{}`)},
	"/turnaround.inspection.v1.InspectionService/GetIndicatorSet":          {res: access.IndicatorSet, act: access.Read, req: named("indicatorSets", "")},
	"/turnaround.inspection.v1.InspectionService/ListIndicatorSets":        {res: access.IndicatorSet, act: access.Read, list: true, req: parented("")},
	"/turnaround.inspection.v1.InspectionService/GetRiskAssessment": {res: access.RiskAssessment, act: access.Read,
		req: func(s side) string { return `{"name":"localAuthorities/` + s.council + `/riskAssessment"}` }},
	"/turnaround.inspection.v1.InspectionService/ListRiskAssessments":     {res: access.RiskAssessment, act: access.Read, wide: true, req: fixed(`{}`)},
	"/turnaround.inspection.v1.InspectionService/GetInadequacyProjection": {res: access.InadequacyProjection, act: access.Read, wide: true, req: fixed(`{}`)},

	// peer review
	"/turnaround.peerreview.v1.PeerReviewService/ListReviewPriorities": {res: access.ReviewPriority, act: access.Read, wide: true, req: fixed(`{}`)},
	"/turnaround.peerreview.v1.PeerReviewService/CreateReviewer":       {res: access.Reviewer, act: access.Write, wide: true, req: fixed(`{"reviewer":{}}`)},
	"/turnaround.peerreview.v1.PeerReviewService/GetReviewer":          {res: access.Reviewer, act: access.Read, wide: true, req: named("reviewers", "")},
	"/turnaround.peerreview.v1.PeerReviewService/ListReviewers":        {res: access.Reviewer, act: access.Read, wide: true, req: fixed(`{}`)},
	"/turnaround.peerreview.v1.PeerReviewService/UpdateReviewer": {res: access.Reviewer, act: access.Write, wide: true,
		req: func(s side) string {
			return `{"reviewer":{"name":` + q(s.name("reviewers")) + `,"etag":"W/\"999999\""},"update_mask":"daysPerQuarter"}`
		}},
	"/turnaround.peerreview.v1.PeerReviewService/DeleteReviewer": {res: access.Reviewer, act: access.Write, wide: true, req: named("reviewers", `,"etag":"W/\"999999\""`)},
	"/turnaround.peerreview.v1.PeerReviewService/RequestPeerReview": {res: access.PeerReview, act: access.Request,
		req: parented(`,"peer_review":{},"request_id":"matrix-test"`)},
	"/turnaround.peerreview.v1.PeerReviewService/GetPeerReview":      {res: access.PeerReview, act: access.Read, req: named("peerReviews", "")},
	"/turnaround.peerreview.v1.PeerReviewService/ListPeerReviews":    {res: access.PeerReview, act: access.Read, list: true, req: parented("")},
	"/turnaround.peerreview.v1.PeerReviewService/SchedulePeerReview": {res: access.PeerReview, act: access.Run, req: named("peerReviews", staleEtag)},
	"/turnaround.peerreview.v1.PeerReviewService/ProposeReviewTeam":  {res: access.PeerReview, act: access.Run, req: named("peerReviews", "")},
	"/turnaround.peerreview.v1.PeerReviewService/AcceptReviewTeam":   {res: access.PeerReview, act: access.Run, req: named("peerReviews", staleEtag)},
	"/turnaround.peerreview.v1.PeerReviewService/StartOnSite":        {res: access.PeerReview, act: access.Run, req: named("peerReviews", staleEtag)},
	"/turnaround.peerreview.v1.PeerReviewService/RecordFindings":     {res: access.PeerReview, act: access.Run, req: named("peerReviews", staleEtag)},
	"/turnaround.peerreview.v1.PeerReviewService/CompleteReview":     {res: access.PeerReview, act: access.Run, req: named("peerReviews", staleEtag)},
	"/turnaround.peerreview.v1.PeerReviewService/CancelPeerReview":   {res: access.PeerReview, act: access.Run, req: named("peerReviews", staleEtag+`,"reason":"matrix test"`)},
	"/turnaround.peerreview.v1.PeerReviewService/CreateSupportOffer": {res: access.SupportOffer, act: access.Write,
		req: parented(`,"support_offer":{},"request_id":"matrix-test"`)},
	"/turnaround.peerreview.v1.PeerReviewService/GetSupportOffer":   {res: access.SupportOffer, act: access.Read, req: named("supportOffers", "")},
	"/turnaround.peerreview.v1.PeerReviewService/ListSupportOffers": {res: access.SupportOffer, act: access.Read, list: true, req: parented("")},
	"/turnaround.peerreview.v1.PeerReviewService/UpdateSupportOffer": {res: access.SupportOffer, act: access.Write,
		req: func(s side) string {
			n := s.name("supportOffers")
			if n == "" {
				return ""
			}
			return `{"support_offer":{"name":` + q(n) + `,"etag":"W/\"999999\""},"update_mask":"activities"}`
		}},
	"/turnaround.peerreview.v1.PeerReviewService/TransitionSupportOffer": {res: access.SupportOffer, act: access.Respond,
		req: named("supportOffers", staleEtag+`,"state":"OFFER_STATE_ACCEPTED"`),
		reqAs: map[auth.Role]func(side) string{
			auth.RoleLGAAdviser: named("supportOffers", staleEtag+`,"state":"OFFER_STATE_ACTIVE"`),
		}},
	"/turnaround.peerreview.v1.PeerReviewService/ListThemeSummaries": {res: access.ThemeSummary, act: access.Read, wide: true, req: fixed(`{}`)},
	"/turnaround.peerreview.v1.PeerReviewService/CreateLesson":       {res: access.Lesson, act: access.Write, wide: true, req: fixed(`{"lesson":{}}`)},
	"/turnaround.peerreview.v1.PeerReviewService/GetLesson":          {res: access.Lesson, act: access.Read, wide: true, req: named("lessons", "")},
	"/turnaround.peerreview.v1.PeerReviewService/ListLessons":        {res: access.Lesson, act: access.Read, wide: true, req: fixed(`{}`)},

	// improvement plans
	"/turnaround.improvementplan.v1.ImprovementPlanService/GetImprovementPlan":   {res: access.ImprovementPlan, act: access.Read, req: named("improvementPlans", "")},
	"/turnaround.improvementplan.v1.ImprovementPlanService/ListImprovementPlans": {res: access.ImprovementPlan, act: access.Read, list: true, req: parented("")},
	"/turnaround.improvementplan.v1.ImprovementPlanService/UpdateImprovementPlan": {res: access.ImprovementPlan, act: access.Submit,
		req: func(s side) string {
			n := s.name("improvementPlans")
			if n == "" {
				return ""
			}
			return `{"improvement_plan":{"name":` + q(n) + `,"etag":"W/\"999999\""},"update_mask":"priorities"}`
		}},
	"/turnaround.improvementplan.v1.ImprovementPlanService/CheckPlan":      {res: access.ImprovementPlan, act: access.Read, req: named("improvementPlans", "")},
	"/turnaround.improvementplan.v1.ImprovementPlanService/SubmitPlan":     {res: access.ImprovementPlan, act: access.Submit, req: named("improvementPlans", staleEtag)},
	"/turnaround.improvementplan.v1.ImprovementPlanService/ApprovePlan":    {res: access.ImprovementPlan, act: access.Approve, req: named("improvementPlans", staleEtag)},
	"/turnaround.improvementplan.v1.ImprovementPlanService/ReturnPlan":     {res: access.ImprovementPlan, act: access.Approve, req: named("improvementPlans", staleEtag+`,"reason":"matrix test"`)},
	"/turnaround.improvementplan.v1.ImprovementPlanService/ExtendDeadline": {res: access.ImprovementPlan, act: access.Approve, req: named("improvementPlans", staleEtag+`,"reason":"matrix test"`)},
	"/turnaround.improvementplan.v1.ImprovementPlanService/DecideProgress": {res: access.ImprovementPlan, act: access.Approve, req: named("improvementPlans", staleEtag+`,"rationale":"matrix test"`)},
	"/turnaround.improvementplan.v1.ImprovementPlanService/ClosePlan":      {res: access.ImprovementPlan, act: access.Approve, req: named("improvementPlans", staleEtag+`,"reason":"matrix test"`)},
	"/turnaround.improvementplan.v1.ImprovementPlanService/CreateProgressReview": {res: access.ProgressReview, act: access.Review,
		req: func(s side) string {
			n := s.name("improvementPlans")
			if n == "" {
				return ""
			}
			return `{"parent":` + q(n) + `,"progress_review":{},"request_id":"matrix-test"}`
		}},
	"/turnaround.improvementplan.v1.ImprovementPlanService/GetProgressReview": {res: access.ProgressReview, act: access.Read, req: named("progressReviews", "")},
	"/turnaround.improvementplan.v1.ImprovementPlanService/ListProgressReviews": {res: access.ProgressReview, act: access.Read,
		req: func(s side) string {
			n := s.name("improvementPlans")
			if n == "" {
				return ""
			}
			return `{"parent":` + q(n) + `}`
		}},
	"/turnaround.improvementplan.v1.ImprovementPlanService/OrderIntervention": {res: access.Intervention, act: access.Order,
		req: parented(`,"intervention":{},"request_id":"matrix-test"`)},
	"/turnaround.improvementplan.v1.ImprovementPlanService/GetIntervention":   {res: access.Intervention, act: access.Read, req: named("interventions", ""), key: "interventions"},
	"/turnaround.improvementplan.v1.ImprovementPlanService/ListInterventions": {res: access.Intervention, act: access.Read, list: true, req: parented("")},
	"/turnaround.improvementplan.v1.ImprovementPlanService/AdvanceClock":      {res: access.Clock, act: access.Advance, wide: true, req: fixed(`{}`)},
	"/turnaround.improvementplan.v1.ImprovementPlanService/LiftIntervention":  {res: access.Intervention, act: access.Order, req: named("interventions", staleEtag+`,"reason":"matrix test"`)},

	// sponsors
	"/turnaround.sponsor.v1.SponsorService/CreateSponsor": {res: access.Sponsor, act: access.Write, wide: true, req: fixed(`{"sponsor":{},"sponsor_id":"matrix-test"}`)},
	"/turnaround.sponsor.v1.SponsorService/GetSponsor": {res: access.Sponsor, act: access.Read, sponsored: true,
		req: func(s side) string { return `{"name":"sponsors/` + s.sponsor + `"}` }},
	"/turnaround.sponsor.v1.SponsorService/ListSponsors": {res: access.Sponsor, act: access.Read, wide: true, req: fixed(`{}`)},
	"/turnaround.sponsor.v1.SponsorService/UpdateSponsor": {res: access.Sponsor, act: access.Write, sponsored: true,
		req: func(s side) string {
			return `{"sponsor":{"name":"sponsors/` + s.sponsor + `","etag":"W/\"999999\""},"update_mask":"displayName"}`
		}},
	"/turnaround.sponsor.v1.SponsorService/CreateSponsorNeed": {res: access.SponsorNeed, act: access.Write,
		req: parented(`,"sponsor_need":{},"request_id":"matrix-test"`)},
	"/turnaround.sponsor.v1.SponsorService/GetSponsorNeed":   {res: access.SponsorNeed, act: access.Read, req: named("sponsorNeeds", "")},
	"/turnaround.sponsor.v1.SponsorService/ListSponsorNeeds": {res: access.SponsorNeed, act: access.Read, list: true, req: parented("")},
	"/turnaround.sponsor.v1.SponsorService/UpdateSponsorNeed": {res: access.SponsorNeed, act: access.Write,
		req: func(s side) string {
			n := s.name("sponsorNeeds")
			if n == "" {
				return ""
			}
			return `{"sponsor_need":{"name":` + q(n) + `,"etag":"W/\"999999\""},"update_mask":"urgency"}`
		}},
	"/turnaround.sponsor.v1.SponsorService/RunMatching":      {res: access.MatchRun, act: access.Run, wide: true, req: fixed(`{"algorithm":"ALGORITHM_OPTIMAL","dry_run":true}`)},
	"/turnaround.sponsor.v1.SponsorService/GetMatchRun":      {res: access.MatchRun, act: access.Read, wide: true, req: named("matchRuns", "")},
	"/turnaround.sponsor.v1.SponsorService/ListMatchRuns":    {res: access.MatchRun, act: access.Read, wide: true, req: fixed(`{}`)},
	"/turnaround.sponsor.v1.SponsorService/CompareMatchRuns": {res: access.MatchRun, act: access.Read, wide: true, req: fixed(`{"first":"matchRuns/a","second":"matchRuns/b"}`)},
	"/turnaround.sponsor.v1.SponsorService/ApproveMatchRun":  {res: access.MatchRun, act: access.Approve, wide: true, req: named("matchRuns", staleEtag)},
	"/turnaround.sponsor.v1.SponsorService/RejectMatchRun":   {res: access.MatchRun, act: access.Approve, wide: true, req: named("matchRuns", staleEtag+`,"reason":"matrix test"`)},
	"/turnaround.sponsor.v1.SponsorService/GetEngagement": {res: access.Engagement, act: access.Read, sponsored: true,
		req: func(s side) string { return `{"name":` + q(s.engagement) + `}` }},
	"/turnaround.sponsor.v1.SponsorService/ListEngagements": {res: access.Engagement, act: access.Read, sponsored: true, list: true,
		req: func(s side) string { return `{"parent":"sponsors/` + s.sponsor + `"}` }},
	"/turnaround.sponsor.v1.SponsorService/RecordDeployment": {res: access.Deployment, act: access.Record, sponsored: true,
		req: func(s side) string {
			return `{"parent":` + q(s.engagement) + `,"deployment":{},"request_id":"matrix-test"}`
		}},
	"/turnaround.sponsor.v1.SponsorService/ListDeployments": {res: access.Deployment, act: access.Read, sponsored: true,
		req: func(s side) string { return `{"parent":` + q(s.engagement) + `}` }},
	"/turnaround.sponsor.v1.SponsorService/GetCompensationStatement": {res: access.CompensationStatement, act: access.Read, sponsored: true,
		req: func(s side) string {
			return `{"sponsor":"sponsors/` + s.sponsor + `","period":{"start":{"year":2026,"month":1,"day":1},"end":{"year":2026,"month":3,"day":31}}}`
		}},

	// oversight
	"/turnaround.oversight.v1.OversightService/ListTimelineEntries": {res: access.TimelineEntry, act: access.Read, list: true, req: parented("")},
	"/turnaround.oversight.v1.OversightService/GetNationalOverview": {res: access.NationalOverview, act: access.Read, wide: true, req: fixed(`{}`)},
	"/turnaround.oversight.v1.OversightService/ListAuditEntries":    {res: access.AuditEntry, act: access.Read, list: true, req: parented("")},

	// partner events: a subscription belongs to the partner that made it,
	// not to a council, so each cell is exercised as a role-level rule
	// (wide) on a subscription that does not exist (NOT_FOUND past the
	// rule); ownership is the service's own tests'. The stream is called
	// with a malformed cursor, refused past the rule, so no call waits.
	"/turnaround.partner.v1.PartnerEventsService/WatchEvents": {res: access.EventStream, act: access.Subscribe, wide: true, req: fixed(`{"cursor":"!"}`)},
	"/turnaround.partner.v1.PartnerEventsService/CreateWebhookSubscription": {res: access.WebhookSubscription, act: access.Subscribe, wide: true,
		req: fixed(`{"webhook_subscription":{"url":"http://matrix.invalid"},"request_id":"matrix-test"}`)},
	"/turnaround.partner.v1.PartnerEventsService/GetWebhookSubscription":   {res: access.WebhookSubscription, act: access.Read, wide: true, req: fixed(`{"name":"webhookSubscriptions/matrix-none"}`)},
	"/turnaround.partner.v1.PartnerEventsService/ListWebhookSubscriptions": {res: access.WebhookSubscription, act: access.Read, wide: true, req: fixed(`{}`)},
	"/turnaround.partner.v1.PartnerEventsService/UpdateWebhookSubscription": {res: access.WebhookSubscription, act: access.Write, wide: true,
		req: fixed(`{"webhook_subscription":{"name":"webhookSubscriptions/matrix-none","etag":"W/\"999999\"","description":"x"},"update_mask":"description"}`)},
	"/turnaround.partner.v1.PartnerEventsService/DeleteWebhookSubscription": {res: access.WebhookSubscription, act: access.Write, wide: true, req: fixed(`{"name":"webhookSubscriptions/matrix-none"}`)},
	"/turnaround.partner.v1.PartnerEventsService/EnableWebhookSubscription": {res: access.WebhookSubscription, act: access.Write, wide: true, req: fixed(`{"name":"webhookSubscriptions/matrix-none"}`)},
	"/turnaround.partner.v1.PartnerEventsService/ListDeliveries":            {res: access.Delivery, act: access.Read, wide: true, req: fixed(`{"parent":"webhookSubscriptions/matrix-none"}`)},
	"/turnaround.partner.v1.PartnerEventsService/RedeliverEvent":            {res: access.Delivery, act: access.Redeliver, wide: true, req: fixed(`{"name":"webhookSubscriptions/matrix-none/deliveries/e1"}`)},
}

// matrixServices are the gRPC services the binary serves, by full name.
func matrixServices(t *testing.T) []protoreflect.ServiceDescriptor {
	t.Helper()
	var out []protoreflect.ServiceDescriptor
	for _, c := range components {
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(c.service))
		if err != nil {
			t.Fatalf("service %s: %v", c.service, err)
		}
		out = append(out, d.(protoreflect.ServiceDescriptor))
	}
	return out
}

// TestMatrixCasesCoverEveryRPC: every RPC of every served service has a case,
// naming a cell of the matrix; no case names an RPC that does not exist.
func TestMatrixCasesCoverEveryRPC(t *testing.T) {
	seen := map[string]bool{}
	for _, sd := range matrixServices(t) {
		for i := range sd.Methods().Len() {
			m := "/" + string(sd.FullName()) + "/" + string(sd.Methods().Get(i).Name())
			seen[m] = true
			c, ok := matrixCases[m]
			if !ok {
				t.Errorf("%s has no matrix case", m)
				continue
			}
			if !slices.ContainsFunc(access.Cells(), func(cell access.Cell) bool { return cell.Resource == c.res && cell.Action == c.act }) {
				t.Errorf("%s: %s %s is not a cell of the matrix", m, c.act, c.res)
			}
		}
	}
	for m := range matrixCases {
		if !seen[m] {
			t.Errorf("matrix case for %s, which no service serves", m)
		}
	}
}

// TestAccessMatrixEndToEnd calls every RPC as each of the six roles, against
// the caller's own council or sponsor and another's, and checks the answer
// against the matrix: PERMISSION_DENIED exactly where access.ViewOf denies.
func TestAccessMatrixEndToEnd(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "dev.key")
	in := start(t, []string{"TURNAROUND_DEV_KEY_FILE=" + keyFile, "REDIS_URL="})
	conn := in.conn(t)

	tokens := map[string]string{}
	token := func(args ...string) string {
		k := strings.Join(args, " ")
		if tokens[k] == "" {
			tokens[k] = devToken(t, keyFile, args...)
		}
		return tokens[k]
	}
	call := func(tok, method, reqJSON string) (map[string]any, error) {
		md := methodDescriptor(t, method)
		req := dynamicpb.NewMessage(md.Input())
		if err := (protojson.UnmarshalOptions{}).Unmarshal([]byte(reqJSON), req); err != nil {
			t.Errorf("%s: request %s: %v", method, reqJSON, err)
			return nil, status.Error(codes.Internal, "the test's request does not decode")
		}
		resp := dynamicpb.NewMessage(md.Output())
		ctx, cancel := context.WithTimeout(metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+tok), 20*time.Second)
		defer cancel()
		if err := conn.Invoke(ctx, method, req, resp, grpc.WaitForReady(true)); err != nil {
			return nil, err
		}
		b, err := protojson.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		_ = json.Unmarshal(b, &out)
		return out, nil
	}
	dfe, lga, ofsted := token("-role", "dfe_official"), token("-role", "lga_adviser"), token("-role", "ofsted_inspector")

	// The two sides: councils under ACTIVE engagements of two different
	// sponsors.
	// The demo data loads as the suite starts: wait for it.
	var engs map[string]any
	for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(time.Second) {
		var err error
		engs, err = call(dfe, "/turnaround.sponsor.v1.SponsorService/ListEngagements", `{"parent":"sponsors/-","filter":"state = ACTIVE","page_size":200}`)
		if err != nil {
			t.Fatalf("ListEngagements: %v", err)
		}
		if len(items(engs)) >= 2 || time.Now().After(deadline) {
			break
		}
	}
	var sides []side
	for _, e := range items(engs) {
		name, la := str(e, "name"), strings.TrimPrefix(str(e, "localAuthority"), "localAuthorities/")
		sp := strings.Split(name, "/")[1]
		if len(sides) == 1 && (sides[0].sponsor == sp || sides[0].council == la) {
			continue
		}
		sides = append(sides, side{council: la, sponsor: sp, engagement: name, names: map[string]string{}, public: map[string]bool{}})
		if len(sides) == 2 {
			break
		}
	}
	if len(sides) < 2 {
		t.Fatalf("the demo data has fewer than two ACTIVE engagements of different sponsors: %v", engs)
	}
	own, other := &sides[0], &sides[1]

	// A real record of each collection for each side, found by a role that
	// reads everything of it.
	first := func(tok, method, req string) map[string]any {
		resp, err := call(tok, method, req)
		if err != nil {
			t.Logf("discovery %s %s: %v", method, req, err)
			return nil
		}
		if it := items(resp); len(it) > 0 {
			return it[0]
		}
		return nil
	}
	for _, s := range []*side{own, other} {
		parent := `{"parent":"localAuthorities/` + s.council + `"}`
		for _, d := range []struct{ collection, tok, method string }{
			{"inspections", ofsted, "/turnaround.inspection.v1.InspectionService/ListInspections"},
			{"concerns", ofsted, "/turnaround.inspection.v1.InspectionService/ListConcerns"},
			{"emergencyInspectionRecommendations", ofsted, "/turnaround.inspection.v1.InspectionService/ListEmergencyInspectionRecommendations"},
			{"indicatorSets", dfe, "/turnaround.inspection.v1.InspectionService/ListIndicatorSets"},
			{"peerReviews", lga, "/turnaround.peerreview.v1.PeerReviewService/ListPeerReviews"},
			{"supportOffers", lga, "/turnaround.peerreview.v1.PeerReviewService/ListSupportOffers"},
			{"improvementPlans", dfe, "/turnaround.improvementplan.v1.ImprovementPlanService/ListImprovementPlans"},
			{"interventions", dfe, "/turnaround.improvementplan.v1.ImprovementPlanService/ListInterventions"},
			{"sponsorNeeds", dfe, "/turnaround.sponsor.v1.SponsorService/ListSponsorNeeds"},
		} {
			if r := first(d.tok, d.method, parent); r != nil {
				s.names[d.collection] = str(r, "name")
				state := str(r, "state")
				s.public[str(r, "name")] = d.collection == "interventions" || state == "INSPECTION_STATE_PUBLISHED"
			}
		}
		if plan := s.names["improvementPlans"]; plan != "" {
			if r := first(dfe, "/turnaround.improvementplan.v1.ImprovementPlanService/ListProgressReviews", `{"parent":`+q(plan)+`}`); r != nil {
				s.names["progressReviews"] = str(r, "name")
			}
		}
		for _, g := range []struct{ collection, method string }{
			{"reviewers", "/turnaround.peerreview.v1.PeerReviewService/ListReviewers"},
			{"lessons", "/turnaround.peerreview.v1.PeerReviewService/ListLessons"},
		} {
			if r := first(lga, g.method, `{}`); r != nil {
				s.names[g.collection] = str(r, "name")
			}
		}
		if r := first(dfe, "/turnaround.sponsor.v1.SponsorService/ListMatchRuns", `{}`); r != nil {
			s.names["matchRuns"] = str(r, "name")
		}
	}
	t.Logf("own side: council %s, sponsor %s, records %v", own.council, own.sponsor, own.names)
	t.Logf("other side: council %s, sponsor %s, records %v", other.council, other.sponsor, other.names)

	// The six callers, as council and sponsor officers of the own side.
	callers := []struct {
		p    auth.Principal
		args []string
	}{
		{auth.Principal{Subject: "dev-ofsted_inspector", Roles: []auth.Role{auth.RoleOfstedInspector}}, []string{"-role", "ofsted_inspector"}},
		{auth.Principal{Subject: "dev-lga_adviser", Roles: []auth.Role{auth.RoleLGAAdviser}}, []string{"-role", "lga_adviser"}},
		{auth.Principal{Subject: "dev-dfe_official", Roles: []auth.Role{auth.RoleDfEOfficial}}, []string{"-role", "dfe_official"}},
		{auth.Principal{Subject: "dev-council_officer", Roles: []auth.Role{auth.RoleCouncilOfficer}, Authority: own.council},
			[]string{"-role", "council_officer", "-authority", own.council}},
		{auth.Principal{Subject: "dev-sponsor_officer", Roles: []auth.Role{auth.RoleSponsorOfficer}, Sponsor: own.sponsor},
			[]string{"-role", "sponsor_officer", "-sponsor", own.sponsor}},
		{auth.Principal{Subject: "dev-partner_system", Roles: []auth.Role{auth.RolePartnerSystem}}, []string{"-role", "partner_system"}},
	}

	var methods []string
	for _, sd := range matrixServices(t) {
		for i := range sd.Methods().Len() {
			methods = append(methods, "/"+string(sd.FullName())+"/"+string(sd.Methods().Get(i).Name()))
		}
	}
	// Reads first, so that no write a permitted role makes changes what a
	// later read may see.
	slices.SortStableFunc(methods, func(a, b string) int {
		ra, rb := matrixCases[a].act == access.Read, matrixCases[b].act == access.Read
		switch {
		case ra && !rb:
			return -1
		case rb && !ra:
			return 1
		}
		return 0
	})

	var failures, checked, skipped int
	for _, m := range methods {
		c, ok := matrixCases[m]
		if !ok {
			t.Errorf("%s has no matrix case", m)
			continue
		}
		sideList := []*side{own, other}
		if c.wide {
			sideList = sideList[:1]
		}
		for si, s := range sideList {
			reqJSON := c.req(*s)
			if reqJSON == "" {
				skipped++
				continue
			}
			for _, cl := range callers {
				want := expectAllowed(cl.p, c, *s)
				body := reqJSON
				if alt, ok := c.reqAs[cl.p.Roles[0]]; ok {
					body = alt(*s)
				}
				_, err := call(token(cl.args...), m, body)
				got := status.Code(err)
				checked++
				where := "own"
				if si == 1 {
					where = "another"
				}
				if c.wide {
					where = "any"
				}
				switch {
				case want && got == codes.PermissionDenied:
					failures++
					t.Errorf("CELL %s as %s on %s council/sponsor: PERMISSION_DENIED, but the matrix allows %s %s (%v)",
						shortMethod(m), cl.p.Roles[0], where, c.act, c.res, err)
				case !want && got != codes.PermissionDenied:
					failures++
					t.Errorf("CELL %s as %s on %s council/sponsor: %v, but the matrix denies %s %s",
						shortMethod(m), cl.p.Roles[0], where, got, c.act, c.res)
				}
			}
		}
	}
	t.Logf("%d calls checked, %d cells wrong, %d (method, side) pairs skipped for want of demo data", checked, failures, skipped)
}

// expectAllowed is the matrix's answer for p calling c on side s.
func expectAllowed(p auth.Principal, c matrixCase, s side) bool {
	if c.wide {
		return slices.Contains(access.Roles(c.res, c.act), p.Roles[0])
	}
	obj := access.Object{Council: s.council, SupportedBy: []string{s.sponsor}}
	if c.sponsored {
		obj.Sponsor = s.sponsor
	}
	if c.list {
		// A list shows a caller the records it may see; only a caller
		// with no way to see any of them is refused.
		obj.Public = true
	} else if c.key != "" {
		obj.Public = s.public[s.name(c.key)]
	}
	return access.ViewOf(p, c.res, c.act, obj) != access.Denied
}

func methodDescriptor(t *testing.T, full string) protoreflect.MethodDescriptor {
	t.Helper()
	parts := strings.Split(strings.TrimPrefix(full, "/"), "/")
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(parts[0]))
	if err != nil {
		t.Fatal(err)
	}
	md := d.(protoreflect.ServiceDescriptor).Methods().ByName(protoreflect.Name(parts[1]))
	if md == nil {
		t.Fatalf("no method %s", full)
	}
	return md
}

func shortMethod(m string) string { return m[strings.LastIndex(m, "/")+1:] }

// items returns the first list of objects in a list response.
func items(resp map[string]any) []map[string]any {
	for _, v := range resp {
		if l, ok := v.([]any); ok {
			var out []map[string]any
			for _, x := range l {
				if m, ok := x.(map[string]any); ok {
					out = append(out, m)
				}
			}
			return out
		}
	}
	return nil
}

func str(m map[string]any, k string) string { s, _ := m[k].(string); return fmt.Sprint(s) }
