package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
)

// A write of each other service the bench drives, each a create under a
// fresh request_id (ghz numbers the requests), so every call commits a new
// record through the one-round-trip commit with its audit entry.
const (
	benchCreateSponsor = "turnaround.sponsor.v1.SponsorService.CreateSponsor"
	benchCreateLesson  = "turnaround.peerreview.v1.PeerReviewService.CreateLesson"
	benchCreateReview  = "turnaround.improvementplan.v1.ImprovementPlanService.CreateProgressReview"
)

// benchWrites are the write scenarios' request bodies and the echo's
// answers, captured from the real binary.
type benchWrites struct {
	sponsorBody, lessonBody string
	sponsor                 *sponsorv1.Sponsor
	lesson                  *peerreviewv1.Lesson
	review                  *improvementplanv1.ProgressReview
}

// captureWrites builds the write bodies from what the demo holds: a copy of
// a demo sponsor under a new name and a What Works lesson, each created once
// on the real binary so the echo answers with the same bytes.
func (b *bench) captureWrites() {
	t := b.t
	ctx := b.outgoing(b.dfeToken)
	sponsors, err := sponsorv1.NewSponsorServiceClient(b.realConn).ListSponsors(ctx, &sponsorv1.ListSponsorsRequest{PageSize: 1})
	if err != nil || len(sponsors.GetSponsors()) == 0 {
		t.Fatalf("ListSponsors on the real binary: %v (%d sponsors)", err, len(sponsors.GetSponsors()))
	}
	sp := proto.Clone(sponsors.GetSponsors()[0]).(*sponsorv1.Sponsor)
	sp.Name, sp.Etag, sp.UpdateTime, sp.ActiveEngagements, sp.CommittedStaffDays = "", "", nil, 0, 0
	sp.DisplayName = "Bench sponsor"
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	created, err := sponsorv1.NewSponsorServiceClient(b.realConn).CreateSponsor(ctx, &sponsorv1.CreateSponsorRequest{Sponsor: sp, RequestId: "bench-capture-" + run})
	if err != nil {
		t.Fatalf("CreateSponsor on the real binary: %v", err)
	}
	lesson := &peerreviewv1.Lesson{
		Title:   "Bench: weekly case audits with practitioners",
		Theme:   peerreviewv1.Theme_THEME_WORKFORCE_STABILITY,
		Summary: "Managers and practitioners audit four cases together every week and agree one change.",
	}
	advised, err := peerreviewv1.NewPeerReviewServiceClient(b.realConn).CreateLesson(b.outgoing(b.adviserToken), &peerreviewv1.CreateLessonRequest{Lesson: lesson, RequestId: "bench-capture-" + run})
	if err != nil {
		t.Fatalf("CreateLesson on the real binary: %v", err)
	}
	b.writes.sponsorBody = fmt.Sprintf(`{"sponsor":%s,"request_id":"bench-%s-{{.RequestNumber}}"}`, mustJSON(t, sp), run)
	b.writes.lessonBody = fmt.Sprintf(`{"lesson":%s,"request_id":"bench-%s-{{.RequestNumber}}"}`, mustJSON(t, lesson), run)
	b.writes.sponsor, b.writes.lesson = created, advised
}

func mustJSON(t interface{ Fatal(...any) }, m proto.Message) string {
	b, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// CreateSponsor and CreateLesson of the echo answer with the captured
// records, as the reads do.
func (e benchNeedEcho) CreateSponsor(context.Context, *sponsorv1.CreateSponsorRequest) (*sponsorv1.Sponsor, error) {
	return e.writes.sponsor, nil
}

func (e benchReviewEcho) CreateLesson(context.Context, *peerreviewv1.CreateLessonRequest) (*peerreviewv1.Lesson, error) {
	return e.writes.lesson, nil
}

func (e benchPlanEcho) CreateProgressReview(context.Context, *improvementplanv1.CreateProgressReviewRequest) (*improvementplanv1.ProgressReview, error) {
	return e.writes.review, nil
}

// runWrites measures one write of the sponsor and peer-review services
// against the echo (target 0.35 of echo, as for PublishJudgement). It runs
// after RunMatching, whose instance the new sponsors would otherwise grow.
func (b *bench) runWrites() {
	if !b.selected("CreateSponsor") && !b.selected("CreateLesson") {
		return
	}
	b.captureWrites()
	for _, w := range []struct {
		name, call, body, token string
	}{
		{"CreateSponsor (write through the outbox)", benchCreateSponsor, b.writes.sponsorBody, b.dfeToken},
		{"CreateLesson (write through the outbox)", benchCreateLesson, b.writes.lessonBody, b.adviserToken},
	} {
		b.run(benchScenario{
			name: w.name, transport: "gRPC", target: 0.35, write: true,
			baseline: func() benchResult { return b.ghz(b.echoGRPC, w.call, w.body, "", w.token) },
			real:     func() benchResult { return b.ghz(b.realGRPC, w.call, w.body, "", w.token) },
		})
	}
}

// runReviewWrite measures the improvement-plan service's write, a DfE
// progress review of a demo plan that takes reviews, against the echo
// (target 0.35). It runs before the publish scenario, whose judgements move
// the demo's plans on (a good judgement closes a plan as improved), so no
// plan would take reviews after it. The review is created once on the real
// binary so the echo answers with the same bytes.
func (b *bench) runReviewWrite() {
	if !b.selected("CreateProgressReview") {
		return
	}
	t := b.t
	ctx := b.outgoing(b.dfeToken)
	plans := improvementplanv1.NewImprovementPlanServiceClient(b.realConn)
	open, err := plans.ListImprovementPlans(ctx, &improvementplanv1.ListImprovementPlansRequest{
		Parent:   "localAuthorities/-",
		Filter:   "state = MONITORING OR state = CONTINUED OR state = DECISION_DUE OR state = APPROVED",
		PageSize: 1,
	})
	if err != nil || len(open.GetImprovementPlans()) == 0 {
		t.Fatalf("ListImprovementPlans (plans taking reviews) on the real binary: %v (%d plans)", err, len(open.GetImprovementPlans()))
	}
	parent := open.GetImprovementPlans()[0].GetName()
	review := &improvementplanv1.ProgressReview{
		ReviewDate:    benchDate(time.Now().UTC().AddDate(0, 0, -1)),
		Source:        improvementplanv1.ReviewSource_REVIEW_SOURCE_DFE_REVIEW,
		OverallRating: improvementplanv1.ProgressRating_PROGRESS_RATING_SOME,
		Narrative:     "Bench: the adviser's visit found the front door steadier and supervision regular.",
	}
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	// An APPROVED plan moves to MONITORING with this first review, before
	// the load.
	reviewed, err := plans.CreateProgressReview(ctx, &improvementplanv1.CreateProgressReviewRequest{Parent: parent, ProgressReview: review, RequestId: "bench-capture-" + run})
	if err != nil {
		t.Fatalf("CreateProgressReview on the real binary: %v", err)
	}
	b.writes.review = reviewed
	body := fmt.Sprintf(`{"parent":%q,"progress_review":%s,"request_id":"bench-%s-{{.RequestNumber}}"}`, parent, mustJSON(t, review), run)
	b.run(benchScenario{
		name: "CreateProgressReview (write through the outbox)", transport: "gRPC", target: 0.35, write: true,
		baseline: func() benchResult { return b.ghz(b.echoGRPC, benchCreateReview, body, "", b.dfeToken) },
		real:     func() benchResult { return b.ghz(b.realGRPC, benchCreateReview, body, "", b.dfeToken) },
	})
}
