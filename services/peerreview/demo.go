package peerreview

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/demo"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/offer"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/offerstore"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/review"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewstore"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/team"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/whatworks"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// demoLoader is the subject the demo data is recorded under, so the audit
// trail shows it was loaded, not entered by a person.
const demoLoader = "turnaround-demo-loader"

// demoMarker names the service's "load once" marker (store.FirstTime),
// apart from the other services' markers in the same Redis.
const demoMarker = "peerreview"

var (
	lgaRoles     = []string{string(auth.RoleLGAAdviser)}
	officerRoles = []string{string(auth.RoleCouncilOfficer)}
)

// loadDemo loads the synthetic demo data set (package demo) through the
// same rules and stores as the RPCs: reviewers created, reviews requested
// and moved through their states on the data set's dates with teams
// proposed from the pool, offers made, accepted and started, the enhanced
// and improvement support offers made by the event consumers' own handlers
// (from each completed review and from a synthetic inadequate judgement),
// and lessons published. The inspection service is not needed.
//
// A marker key makes it run once per Redis, however many replicas start.
// Every step carries a request ID of its own, so when a load fails part way
// the marker is removed and the next start replays the steps already done
// (within the idempotency window) and carries on.
func (s *Service) loadDemo(ctx context.Context) error {
	first, err := s.deps.Store.FirstTime(ctx, demoMarker)
	if err != nil {
		return fmt.Errorf("peerreview: %w", err)
	}
	if !first {
		s.deps.Logger.InfoContext(ctx, "peer-review demo data already loaded")
		return nil
	}
	data := demo.Generate()
	if err := s.loadDemoData(ctx, data); err != nil {
		// The context may be the reason; the marker must go regardless.
		if derr := s.deps.Store.ForgetFirstTime(context.WithoutCancel(ctx), demoMarker); derr != nil {
			s.deps.Logger.WarnContext(ctx, "peer-review demo marker left after a failed load", "err", derr)
		}
		return err
	}
	s.deps.Logger.InfoContext(ctx, "synthetic peer-review demo data loaded", "as_of", data.AsOf.Format(time.DateOnly),
		"reviewers", len(data.Reviewers), "reviews", len(data.Reviews), "offers", len(data.Offers), "lessons", len(data.Lessons))
	return nil
}

func (s *Service) loadDemoData(ctx context.Context, data demo.Data) error {
	if err := s.loadDemoReviewers(ctx, data.Reviewers); err != nil {
		return err
	}
	names, err := s.loadDemoReviews(ctx, data.Reviews)
	if err != nil {
		return err
	}
	if err := s.loadDemoOffers(ctx, data.Offers, data.AsOf); err != nil {
		return err
	}
	return s.loadDemoLessons(ctx, data.Lessons, names, data.AsOf)
}

// demoClock is the loader's clock: each step sets it to the day the data
// set says the step happened.
type demoClock struct{ at time.Time }

func (c *demoClock) now() time.Time { return c.at }

func (s *Service) loadDemoReviewers(ctx context.Context, rs []demo.Reviewer) error {
	clock := &demoClock{at: demo.AsOf.AddDate(-2, 0, 0)}
	svc := reviewer.NewService(s.reviewers, s.reviews, clock.now)
	for i, d := range rs {
		_, err := svc.Create(ctx, reviewer.Reviewer{
			DisplayName: d.DisplayName, HomeCouncil: d.HomeCouncil, Role: d.Role, Expertise: d.Expertise,
			AvailableDaysPerQuarter: d.AvailableDaysPerQuarter, Conflicts: d.Conflicts,
		}, change.Request{
			Subject: demoLoader, Roles: lgaRoles, Method: peerreviewv1.PeerReviewService_CreateReviewer_FullMethodName,
			RequestID: fmt.Sprintf("demo-reviewer-%02d", i),
		})
		if err != nil {
			return fmt.Errorf("peerreview: demo reviewer %s: %w", d.DisplayName, err)
		}
	}
	return nil
}

// loadDemoReviews moves each review to its state and returns the reviews'
// resource names by key.
func (s *Service) loadDemoReviews(ctx context.Context, rs []demo.Review) (map[string]string, error) {
	names := map[string]string{}
	for _, d := range rs {
		rv, err := s.loadDemoReview(ctx, d)
		if err != nil {
			return nil, fmt.Errorf("peerreview: demo review of %s: %w", d.Council, err)
		}
		names[d.Key] = rv.Name()
	}
	return names, nil
}

func (s *Service) loadDemoReview(ctx context.Context, d demo.Review) (review.Review, error) {
	clock := &demoClock{at: d.Requested}
	svc := review.NewService(s.reviews, clock.now)
	req := func(step, method string) change.Request {
		return change.Request{Subject: demoLoader, Roles: lgaRoles, Method: method, RequestID: "demo-" + d.Key + "-" + step}
	}
	gss := d.Council
	rv, err := svc.Request(ctx, gss, d.Kind, d.Reason, req("request", peerreviewv1.PeerReviewService_RequestPeerReview_FullMethodName))
	if err != nil || d.State == review.Requested {
		return rv, err
	}
	if d.State == review.Cancelled {
		clock.at = d.Cancelled
		return svc.Cancel(ctx, gss, rv.ID, d.CancelReason, change.At(rv.Version), req("cancel", peerreviewv1.PeerReviewService_CancelPeerReview_FullMethodName))
	}
	clock.at = d.Requested.AddDate(0, 0, 7)
	if rv, err = svc.Schedule(ctx, gss, rv.ID, d.Start, d.End, change.At(rv.Version), req("schedule", peerreviewv1.PeerReviewService_SchedulePeerReview_FullMethodName)); err != nil {
		return rv, err
	}
	members, err := s.proposeDemoTeam(ctx, rv, d)
	if err != nil {
		return rv, err
	}
	if rv, err = svc.AssignTeam(ctx, gss, rv.ID, members, change.At(rv.Version), req("team", peerreviewv1.PeerReviewService_AcceptReviewTeam_FullMethodName)); err != nil {
		return rv, err
	}
	if d.State == review.Scheduled {
		return rv, nil
	}
	clock.at = d.Start
	if rv, err = svc.StartOnSite(ctx, gss, rv.ID, change.At(rv.Version), req("on-site", peerreviewv1.PeerReviewService_StartOnSite_FullMethodName)); err != nil || d.State == review.OnSite {
		return rv, err
	}
	clock.at = d.End
	if rv, err = svc.RecordFindings(ctx, gss, rv.ID, d.Findings, change.At(rv.Version), req("findings", peerreviewv1.PeerReviewService_RecordFindings_FullMethodName)); err != nil || d.State == review.Reporting {
		return rv, err
	}
	clock.at = d.Completed
	if rv, err = svc.Complete(ctx, gss, rv.ID, d.Risk, d.Conclusion, change.At(rv.Version), req("complete", peerreviewv1.PeerReviewService_CompleteReview_FullMethodName)); err != nil {
		return rv, err
	}
	if rv.NeedsEnhancedOffer() {
		// The consumer's own handler, fed the event the completion just
		// committed to the outbox: when the relay delivers that event
		// later, the review has been answered and nothing changes.
		ev, err := events.NewEvent(ctx, reviewstore.Topic, rv.Name(), reviewstore.CompletedEvent(rv))
		if err != nil {
			return rv, err
		}
		if err := s.consumers.HandleReviewCompleted(ctx, ev); err != nil {
			return rv, err
		}
	}
	return rv, nil
}

// proposeDemoTeam proposes a team for a scheduled review with the same
// rules as ProposeReviewTeam. The councils judged inadequate are the data
// set's own, and the focus is the themes the review will find weak, since
// the inspection service is not consulted.
func (s *Service) proposeDemoTeam(ctx context.Context, rv review.Review, d demo.Review) ([]review.Member, error) {
	pool, _, err := s.reviewers.All(ctx)
	if err != nil {
		return nil, err
	}
	committed, err := s.reviews.CommittedDays(ctx)
	if err != nil {
		return nil, err
	}
	var focus []reviewer.Theme
	for _, f := range d.Findings {
		if f.Kind == review.AreaForImprovement && !slices.Contains(focus, f.Theme) {
			focus = append(focus, f.Theme)
		}
	}
	p, err := team.Propose(team.Input{
		Council: rv.GSSCode, Start: rv.StartDate, End: rv.EndDate, Focus: focus,
		Pool: pool, Committed: committed, Inadequate: demo.InadequateCouncils(),
	})
	if err != nil {
		return nil, err
	}
	members := make([]review.Member, len(p.Picks))
	for i, pick := range p.Picks {
		members[i] = review.Member{ReviewerID: pick.ReviewerID, Lead: pick.Lead, Days: pick.Days}
	}
	return members, nil
}

// loadDemoOffers makes the standard offers as an LGA adviser would, and the
// improvement support offers as the judgement consumer does, from a
// synthetic JudgementPublished; then the councils accept and the LGA starts
// them as the data set says.
func (s *Service) loadDemoOffers(ctx context.Context, offers []demo.Offer, asOf time.Time) error {
	clock := &demoClock{at: asOf.AddDate(0, -2, 0)}
	svc := offer.NewService(s.offers, clock.now)
	for i, d := range offers {
		key := fmt.Sprintf("demo-offer-%02d", i)
		var o offer.Offer
		var err error
		switch d.Tier {
		case offer.InadequateCouncil:
			o, err = s.demoJudgementOffer(ctx, d)
		default:
			o, err = svc.Create(ctx, d.Council, offer.Offer{Tier: d.Tier, Reasons: d.Reasons, Activities: d.Activities}, change.Request{
				Subject: demoLoader, Roles: lgaRoles, Method: peerreviewv1.PeerReviewService_CreateSupportOffer_FullMethodName, RequestID: key + "-create",
			})
		}
		if err != nil {
			return fmt.Errorf("peerreview: demo offer to %s: %w", d.Council, err)
		}
		officer := "demo-officer-" + d.Council
		steps := []struct {
			to    offer.State
			actor offer.Actor
			roles []string
			why   string
		}{
			{offer.Accepted, offer.Actor{Subject: officer, Council: d.Council}, officerRoles, "The council accepts the support offered."},
			{offer.Active, offer.Actor{Subject: demoLoader, LGA: true}, lgaRoles, "Support begins with the providing councils' staff."},
		}
		for j, step := range steps {
			if d.State == offer.Offered || (d.State == offer.Accepted && step.to == offer.Active) {
				break
			}
			clock.at = clock.at.AddDate(0, 0, 10)
			o, err = svc.Transition(ctx, d.Council, o.ID, step.to, step.actor, step.why, change.At(o.Version), change.Request{
				Subject: step.actor.Subject, Roles: step.roles,
				Method: peerreviewv1.PeerReviewService_TransitionSupportOffer_FullMethodName, RequestID: fmt.Sprintf("%s-step-%d", key, j),
			})
			if err != nil {
				return fmt.Errorf("peerreview: demo offer to %s: %s: %w", d.Council, step.to, err)
			}
		}
	}
	return nil
}

// demoJudgementOffer feeds the judgement consumer's handler a synthetic
// inadequate JudgementPublished and returns the offer it made.
func (s *Service) demoJudgementOffer(ctx context.Context, d demo.Offer) (offer.Offer, error) {
	kj := make(map[string]typev1.Grade, len(d.KeyJudgements))
	for _, area := range slices.Sorted(maps.Keys(d.KeyJudgements)) {
		kj[area] = refproto.Grade(d.KeyJudgements[area])
	}
	ev, err := events.NewEvent(ctx, offerstore.InspectionTopic, d.Inspection, &eventsv1.JudgementPublished{
		Inspection:     d.Inspection,
		LocalAuthority: resource.CouncilName(d.Council),
		Framework:      "SIF",
		OverallGrade:   typev1.Grade_GRADE_INADEQUATE,
		KeyJudgements:  kj,
		PublishDate:    refproto.Date(d.Published),
	})
	if err != nil {
		return offer.Offer{}, err
	}
	if err := s.consumers.HandleJudgement(ctx, ev); err != nil {
		return offer.Offer{}, err
	}
	all, err := s.offerSvc.List(ctx, d.Council)
	if err != nil {
		return offer.Offer{}, err
	}
	for _, o := range all {
		if o.Inspection == d.Inspection && o.Tier == offer.InadequateCouncil {
			return o, nil
		}
	}
	return offer.Offer{}, fmt.Errorf("no improvement support offer answers %s", d.Inspection)
}

// loadDemoLessons publishes the lessons with the rules CreateLesson
// applies; names maps review keys to the loaded reviews' names.
func (s *Service) loadDemoLessons(ctx context.Context, ls []demo.Lesson, names map[string]string, asOf time.Time) error {
	for i, d := range ls {
		draft := whatworks.Draft{Title: d.Title, Theme: d.Theme, Summary: d.Summary, Council: resource.CouncilName(d.Council)}
		if d.ReviewKey != "" {
			draft.PeerReview = names[d.ReviewKey]
		}
		l, err := draft.Parse("lesson.", asOf.AddDate(0, 0, -len(ls)+i))
		if err != nil {
			return fmt.Errorf("peerreview: demo lesson %q: %w", d.Title, err)
		}
		r := change.Request{
			Subject: demoLoader, Roles: lgaRoles, Method: peerreviewv1.PeerReviewService_CreateLesson_FullMethodName,
			RequestID: fmt.Sprintf("demo-lesson-%02d", i),
		}
		if _, err := s.whatWorks.Create(ctx, l, r); err != nil {
			return fmt.Errorf("peerreview: demo lesson %q: %w", d.Title, err)
		}
	}
	return nil
}
