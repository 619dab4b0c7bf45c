package console

import (
	"net/http"
	"strconv"
	"strings"

	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
)

type prioritiesData struct {
	Priorities []*peerreviewv1.ReviewPriority
	Reviews    []reviewRow
	Total      int32
}

type reviewRow struct {
	Review  *peerreviewv1.PeerReview
	Council string
}

// reviewPriorities lists the councils the LGA should offer a peer review,
// highest risk first with the reasons, and the reviews waiting for a team.
func (c *Console) reviewPriorities(w http.ResponseWriter, r *http.Request, s *session) (*view, error) {
	ctx := r.Context()
	resp, err := c.peerreview.ListReviewPriorities(ctx, &peerreviewv1.ListReviewPrioritiesRequest{PageSize: 50})
	if err != nil {
		return nil, err
	}
	d := prioritiesData{Priorities: resp.GetPriorities(), Total: resp.GetTotalSize()}
	reviews, err := c.peerreview.ListPeerReviews(ctx, &peerreviewv1.ListPeerReviewsRequest{Parent: "localAuthorities/-", PageSize: 100})
	if err != nil && !denied(err) {
		return nil, err
	}
	for _, rv := range reviews.GetPeerReviews() {
		// A team is proposed for a scheduled review.
		if rv.GetState() == peerreviewv1.ReviewState_REVIEW_STATE_SCHEDULED && len(rv.GetTeam()) == 0 {
			d.Reviews = append(d.Reviews, reviewRow{Review: rv, Council: c.councilName(ctx, rv.GetName())})
		}
	}
	return &view{Template: "reviews", Title: "Review priorities", Current: "reviews", Data: d}, nil
}

type peerReviewData struct {
	Review   *peerreviewv1.PeerReview
	Council  string
	Proposal *peerreviewv1.TeamProposal
	CanTeam  bool
	Values   map[string]string
}

// peerReview shows one review and, while it has no team, the form to
// propose one.
func (c *Console) peerReview(w http.ResponseWriter, r *http.Request, s *session) (*view, error) {
	return c.reviewView(r, nil, nil, nil)
}

func (c *Console) reviewView(r *http.Request, proposal *peerreviewv1.TeamProposal, errs []fieldError, values map[string]string) (*view, error) {
	ctx := r.Context()
	name := "localAuthorities/" + r.PathValue("gss") + "/peerReviews/" + r.PathValue("id")
	rv, err := c.peerreview.GetPeerReview(ctx, &peerreviewv1.GetPeerReviewRequest{Name: name})
	if err != nil {
		return nil, err
	}
	st := rv.GetState()
	d := peerReviewData{Review: rv, Council: c.councilName(ctx, name), Proposal: proposal, Values: values,
		CanTeam: len(rv.GetTeam()) == 0 && st == peerreviewv1.ReviewState_REVIEW_STATE_SCHEDULED}
	return &view{Template: "peerreview", Title: d.Council + " peer review", Current: "reviews", Errors: errs, Data: d}, nil
}

// peerReviewAction proposes a team (shown with its reasons, for the
// adviser to accept) or accepts the proposed team.
func (c *Console) peerReviewAction(w http.ResponseWriter, r *http.Request, s *session) (*view, error) {
	ctx := r.Context()
	name := "localAuthorities/" + r.PathValue("gss") + "/peerReviews/" + r.PathValue("id")
	f := r.PostForm
	values := map[string]string{"practitioners": f.Get("practitioners")}
	switch r.PathValue("action") {
	case "propose":
		n := 0
		if v := strings.TrimSpace(f.Get("practitioners")); v != "" {
			var err error
			if n, err = strconv.Atoi(v); err != nil || n < 0 {
				return c.reviewView(r, nil, []fieldError{{ID: "practitioners", Message: "Enter the number of practitioners as a whole number, like 3"}}, values)
			}
		}
		p, err := c.peerreview.ProposeReviewTeam(ctx, &peerreviewv1.ProposeReviewTeamRequest{Name: name, Practitioners: int32(n)})
		if err != nil {
			errs, ok := formErrors(err, map[string]string{"practitioners": "practitioners"}, "practitioners")
			if !ok {
				return nil, err
			}
			return c.reviewView(r, nil, errs, values)
		}
		return c.reviewView(r, p, nil, values)
	case "accept":
		revs, days := f["reviewer"], f["days"]
		if len(revs) == 0 || len(days) != len(revs) {
			return c.reviewView(r, nil, []fieldError{{ID: "propose", Message: "Propose a team before accepting one"}}, values)
		}
		var team []*peerreviewv1.TeamMember
		for i, rev := range revs {
			n, _ := strconv.Atoi(days[i])
			team = append(team, &peerreviewv1.TeamMember{Reviewer: rev, Lead: i == 0, Days: int32(n)})
		}
		_, err := c.peerreview.AcceptReviewTeam(ctx, &peerreviewv1.AcceptReviewTeamRequest{
			Name: name, Etag: f.Get("etag"), PoolEtag: f.Get("pool_etag"), Team: team, RequestId: f.Get("request_id")})
		if err != nil {
			errs, ok := formErrors(err, nil, "propose")
			if !ok {
				return nil, err
			}
			return c.reviewView(r, nil, errs, values)
		}
		return c.redirect(w, r, s, BasePath+"/"+name, "The team was accepted.")
	}
	return nil, errNotFound
}
