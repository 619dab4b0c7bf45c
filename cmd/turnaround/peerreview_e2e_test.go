package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	"github.com/turnaround-sli/turnaround/services/platform/apierror"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
)

// offerPollTimeout bounds the wait for the enhanced support offer, which
// the consumer makes from PeerReviewCompleted once the relay has moved it
// from the outbox to the topic.
const offerPollTimeout = 30 * time.Second

// peerReviewJSON is a PeerReview as the gateway renders it.
type peerReviewJSON struct {
	Name  string `json:"name"`
	Kind  string `json:"kind"`
	State string `json:"state"`
	Team  []struct {
		Reviewer string `json:"reviewer"`
		Lead     bool   `json:"lead"`
		Days     int    `json:"days"`
	} `json:"team"`
	Findings []struct {
		Theme    string `json:"theme"`
		Kind     string `json:"kind"`
		Severity string `json:"severity"`
	} `json:"findings"`
	ConclusionRisk string `json:"conclusion_risk"`
	Conclusion     string `json:"conclusion"`
	SupportOffer   string `json:"support_offer"`
	Etag           string `json:"etag"`
}

// teamProposalJSON is a TeamProposal as the gateway renders it.
type teamProposalJSON struct {
	PeerReview string `json:"peer_review"`
	Picks      []struct {
		Reviewer string `json:"reviewer"`
		Lead     bool   `json:"lead"`
		Days     int    `json:"days"`
		Reason   string `json:"reason"`
	} `json:"picks"`
	Focus      []string `json:"focus"`
	Exclusions []string `json:"exclusions"`
	PoolEtag   string   `json:"pool_etag"`
}

// supportOffersJSON is a ListSupportOffersResponse as the gateway renders
// it.
type supportOffersJSON struct {
	SupportOffers []struct {
		Name       string   `json:"name"`
		Tier       string   `json:"tier"`
		State      string   `json:"state"`
		Reasons    []string `json:"reasons"`
		PeerReview string   `json:"peer_review"`
		Activities []struct {
			Kind string `json:"kind"`
			Days int    `json:"days"`
		} `json:"activities"`
	} `json:"support_offers"`
}

// nextWeekAfter returns the Monday to Friday of the first full working week
// starting at least days after now, so the team's days are whole working
// days well inside the scheduling window.
func nextWeekAfter(now time.Time, days int) (monday, friday time.Time) {
	d := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, days)
	for d.Weekday() != time.Monday {
		d = d.AddDate(0, 0, 1)
	}
	return d, d.AddDate(0, 0, 4)
}

func jsonDate(t time.Time) map[string]int {
	return map[string]int{"year": t.Year(), "month": int(t.Month()), "day": t.Day()}
}

// wantStatus fails the test unless code is want, quoting the body.
func wantStatus(t *testing.T, what string, code, want int, body []byte) {
	t.Helper()
	if code != want {
		t.Fatalf("%s = %d, want %d: %s", what, code, want, body)
	}
}

// TestPeerReviewStory is the LGA's story end to end over REST on the
// embedded binary with the demo data: the priorities list, a review of the
// riskiest council requested, scheduled, staffed from an explained team
// proposal, held and completed with a high risk; the enhanced support offer
// the consumer makes from the completion event, seen by the council; and
// the boundary of the access matrix: Ofsted and DfE see the review only in
// summary (never its findings, team or conclusion), DfE reads the offers,
// Ofsted and other councils read no offers, and other councils no reviews,
// while the anonymous theme summaries stay open.
func TestPeerReviewStory(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "dev.key")
	in := start(t, []string{"TURNAROUND_DEV_KEY_FILE=" + keyFile, "REDIS_URL="})
	lga := devToken(t, keyFile, "-role", "lga_adviser")
	ofsted := devToken(t, keyFile, "-role", "ofsted_inspector")
	dfe := devToken(t, keyFile, "-role", "dfe_official")

	// The LGA's work queue: councils at risk, riskiest first, each with the
	// risk model's reasons.
	var prios struct {
		Priorities []struct {
			LocalAuthority string   `json:"local_authority"`
			DisplayName    string   `json:"display_name"`
			RiskScore      float64  `json:"risk_score"`
			RiskBand       string   `json:"risk_band"`
			Reasons        []string `json:"reasons"`
		} `json:"priorities"`
		TotalSize int `json:"total_size"`
	}
	code, body := in.do(t, http.MethodGet, "/v1/reviewPriorities?page_size=200", lga, nil, &prios)
	wantStatus(t, "GET /v1/reviewPriorities", code, http.StatusOK, body)
	if len(prios.Priorities) == 0 || prios.TotalSize != len(prios.Priorities) {
		t.Fatalf("priorities: %d listed, total_size %d; want a non-empty single page: %s", len(prios.Priorities), prios.TotalSize, body)
	}
	for i, p := range prios.Priorities {
		if i > 0 && prios.Priorities[i-1].RiskScore < p.RiskScore {
			t.Errorf("priority %d (%s, %.2f) ranks below a lower score (%s, %.2f)",
				i, p.LocalAuthority, p.RiskScore, prios.Priorities[i-1].LocalAuthority, prios.Priorities[i-1].RiskScore)
		}
		if len(p.Reasons) == 0 {
			t.Errorf("priority %s (%s) has no reasons", p.LocalAuthority, p.RiskBand)
		}
		switch p.RiskBand {
		case "RISK_BAND_MEDIUM", "RISK_BAND_HIGH", "RISK_BAND_SEVERE":
		default:
			t.Errorf("priority %s has band %q, want RISK_BAND_MEDIUM, RISK_BAND_HIGH or RISK_BAND_SEVERE", p.LocalAuthority, p.RiskBand)
		}
	}
	top := prios.Priorities[0]
	gss, ok := strings.CutPrefix(top.LocalAuthority, "localAuthorities/")
	if !ok || gss == "" {
		t.Fatalf("top priority names %q, want localAuthorities/{gss}", top.LocalAuthority)
	}
	t.Logf("top priority: %s %s, %s risk %.1f: %q", gss, top.DisplayName, top.RiskBand, top.RiskScore, top.Reasons)
	officer := devToken(t, keyFile, "-role", "council_officer", "-authority", gss)
	otherGSS := "E08000035" // Leeds
	if otherGSS == gss {
		otherGSS = "E10000014" // Hampshire
	}
	otherOfficer := devToken(t, keyFile, "-role", "council_officer", "-authority", otherGSS)

	// Request a review; a repeat with the same request_id answers the same.
	parent := "/v1/localAuthorities/" + gss + "/peerReviews"
	reqBody := map[string]any{"kind": "REVIEW_KIND_SAFEGUARDING_PEER_REVIEW", "reason": "Top of the LGA's review priorities"}
	var rv peerReviewJSON
	code, body = in.do(t, http.MethodPost, parent+"?request_id=story-request", lga, reqBody, &rv)
	wantStatus(t, "request peer review", code, http.StatusOK, body)
	if rv.State != "REVIEW_STATE_REQUESTED" || !strings.HasPrefix(rv.Name, "localAuthorities/"+gss+"/peerReviews/") || rv.Etag == "" {
		t.Fatalf("requested review = %+v", rv)
	}
	var again peerReviewJSON
	code, body = in.do(t, http.MethodPost, parent+"?request_id=story-request", lga, reqBody, &again)
	wantStatus(t, "repeated request", code, http.StatusOK, body)
	if again.Name != rv.Name {
		t.Fatalf("repeated request made %s, want the first response's %s", again.Name, rv.Name)
	}
	review := "/v1/" + rv.Name

	// The council is no longer a priority while its review is under way.
	code, body = in.do(t, http.MethodGet, "/v1/reviewPriorities?page_size=200", lga, nil, nil)
	wantStatus(t, "priorities after the request", code, http.StatusOK, body)
	if strings.Contains(string(body), `"localAuthorities/`+gss+`"`) {
		t.Errorf("%s still a priority with a review under way", gss)
	}

	monday, friday := nextWeekAfter(time.Now(), 21)
	code, body = in.do(t, http.MethodPost, review+":schedule", lga, map[string]any{
		"etag": rv.Etag, "start_date": jsonDate(monday), "end_date": jsonDate(friday), "request_id": "story-schedule",
	}, &rv)
	wantStatus(t, "schedule", code, http.StatusOK, body)
	if rv.State != "REVIEW_STATE_SCHEDULED" {
		t.Fatalf("scheduled review state = %s", rv.State)
	}

	var prop teamProposalJSON
	code, body = in.do(t, http.MethodPost, review+":proposeTeam", lga, map[string]any{"practitioners": 3}, &prop)
	wantStatus(t, "propose team", code, http.StatusOK, body)
	if prop.PeerReview != rv.Name || prop.PoolEtag == "" || len(prop.Picks) != 4 {
		t.Fatalf("proposal for %s: review %s, pool_etag %q, %d picks; want a lead and 3 practitioners: %s",
			rv.Name, prop.PeerReview, prop.PoolEtag, len(prop.Picks), body)
	}
	seen := map[string]bool{}
	for i, p := range prop.Picks {
		if p.Lead != (i == 0) {
			t.Errorf("pick %d (%s) lead = %v; want the lead first and only", i, p.Reviewer, p.Lead)
		}
		if !strings.HasPrefix(p.Reviewer, "reviewers/") || seen[p.Reviewer] {
			t.Errorf("pick %d names %q: want a distinct reviewers/{id}", i, p.Reviewer)
		}
		seen[p.Reviewer] = true
		if strings.TrimSpace(p.Reason) == "" || p.Days <= 0 {
			t.Errorf("pick %d (%s) is not explained or commits no days: %+v", i, p.Reviewer, p)
		}
	}
	// The pool has reviewers from councils the inspection demo judges
	// inadequate, and reviewers already committed to the demo's open
	// reviews, so some are ruled out, each with a sentence.
	if len(prop.Exclusions) == 0 {
		t.Errorf("proposal lists no exclusions: %s", body)
	}
	for _, e := range prop.Exclusions {
		if strings.TrimSpace(e) == "" {
			t.Errorf("an exclusion has no explanation: %q", prop.Exclusions)
		}
	}

	team := make([]map[string]any, len(prop.Picks))
	for i, p := range prop.Picks {
		team[i] = map[string]any{"reviewer": p.Reviewer, "lead": p.Lead, "days": p.Days}
	}
	code, body = in.do(t, http.MethodPost, review+":acceptTeam", lga, map[string]any{
		"etag": rv.Etag, "pool_etag": prop.PoolEtag, "team": team, "request_id": "story-team",
	}, &rv)
	wantStatus(t, "accept team", code, http.StatusOK, body)
	if len(rv.Team) != len(prop.Picks) || rv.Team[0].Reviewer != prop.Picks[0].Reviewer || !rv.Team[0].Lead {
		t.Fatalf("accepted team = %+v, want the proposal's picks", rv.Team)
	}

	code, body = in.do(t, http.MethodPost, review+":startOnSite", lga, map[string]any{"etag": rv.Etag, "request_id": "story-on-site"}, &rv)
	wantStatus(t, "start on site", code, http.StatusOK, body)
	if rv.State != "REVIEW_STATE_ON_SITE" {
		t.Fatalf("on-site review state = %s", rv.State)
	}

	code, body = in.do(t, http.MethodPost, review+":recordFindings", lga, map[string]any{
		"etag": rv.Etag, "request_id": "story-findings",
		"findings": []map[string]any{
			{"theme": "THEME_CHILD_PROTECTION_PRACTICE", "kind": "FINDING_KIND_AREA_FOR_IMPROVEMENT", "severity": "FINDING_SEVERITY_SEVERE",
				"evidence": "Child protection plans drift: a third of the cases sampled had no core group meeting in three months."},
			{"theme": "THEME_WORKFORCE_STABILITY", "kind": "FINDING_KIND_AREA_FOR_IMPROVEMENT", "severity": "FINDING_SEVERITY_SIGNIFICANT",
				"evidence": "Agency social workers hold 40% of posts in the assessment teams."},
			{"theme": "THEME_VOICE_OF_THE_CHILD", "kind": "FINDING_KIND_STRENGTH",
				"evidence": "Children's views are recorded and acted on in most plans seen."},
		},
	}, &rv)
	wantStatus(t, "record findings", code, http.StatusOK, body)
	if rv.State != "REVIEW_STATE_REPORTING" || len(rv.Findings) != 3 {
		t.Fatalf("after findings: state %s, %d findings", rv.State, len(rv.Findings))
	}

	conclusion := "The council is at high risk of an inadequate judgement unless child protection practice improves quickly."
	code, body = in.do(t, http.MethodPost, review+":complete", lga, map[string]any{
		"etag": rv.Etag, "risk": "INADEQUACY_RISK_HIGH", "conclusion": conclusion, "request_id": "story-complete",
	}, &rv)
	wantStatus(t, "complete", code, http.StatusOK, body)
	if rv.State != "REVIEW_STATE_COMPLETED" || rv.ConclusionRisk != "INADEQUACY_RISK_HIGH" || rv.Conclusion != conclusion {
		t.Fatalf("completed review = %+v", rv)
	}

	// The consumer makes (or raises) the council's enhanced offer from
	// PeerReviewCompleted once the relay has delivered it; the council's
	// own officer sees it.
	offers := "/v1/localAuthorities/" + gss + "/supportOffers"
	var offerName string
	deadline := time.Now().Add(offerPollTimeout)
	for offerName == "" {
		var list supportOffersJSON
		code, body = in.do(t, http.MethodGet, offers, officer, nil, &list)
		wantStatus(t, "support offers as the council's officer", code, http.StatusOK, body)
		for _, o := range list.SupportOffers {
			if o.Tier != "OFFER_TIER_ENHANCED" || o.PeerReview != rv.Name {
				continue
			}
			offerName = o.Name
			if !strings.Contains(strings.Join(o.Reasons, "\n"), rv.Name) {
				t.Errorf("enhanced offer %s's reasons do not name the review %s: %q", o.Name, rv.Name, o.Reasons)
			}
			if len(o.Activities) == 0 {
				t.Errorf("enhanced offer %s has no activities", o.Name)
			}
		}
		if offerName != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no ENHANCED offer naming %s within %s; offers: %s", rv.Name, offerPollTimeout, body)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// The consumer then links the offer to the review.
	for {
		var got peerReviewJSON
		code, body = in.do(t, http.MethodGet, review, officer, nil, &got)
		wantStatus(t, "review as the council's officer", code, http.StatusOK, body)
		if got.SupportOffer == offerName {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("review %s names support offer %q, want %s", rv.Name, got.SupportOffer, offerName)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// The boundary: the content of a peer review is the council's and the
	// LGA's alone. Ofsted and DfE see that it took place, its kind, dates
	// and state (the access matrix's summary; both were refused before).
	for who, token := range map[string]string{"Ofsted": ofsted, "DfE": dfe} {
		var got peerReviewJSON
		code, body := in.do(t, http.MethodGet, review, token, nil, &got)
		wantStatus(t, who+" reads the review", code, http.StatusOK, body)
		if got.Name != rv.Name || got.State != "REVIEW_STATE_COMPLETED" || got.Kind == "" {
			t.Errorf("%s's summary of the review: %s", who, body)
		}
		if len(got.Findings) > 0 || len(got.Team) > 0 || got.Conclusion != "" ||
			strings.TrimSuffix(got.ConclusionRisk, "INADEQUACY_RISK_UNSPECIFIED") != "" || got.SupportOffer != "" {
			t.Errorf("%s sees the review's content: %s", who, body)
		}
	}
	// DfE reads the council's support offers (the access matrix; this used
	// to be refused).
	var dfeOffers supportOffersJSON
	code, body = in.do(t, http.MethodGet, offers, dfe, nil, &dfeOffers)
	wantStatus(t, "DfE lists the council's offers", code, http.StatusOK, body)
	if !strings.Contains(string(body), offerName) {
		t.Errorf("DfE's list of the council's offers lacks %s: %s", offerName, body)
	}
	for _, tc := range []struct {
		who, path, token, reason string
	}{
		{"Ofsted lists the council's offers", offers, ofsted, "ROLE_NOT_ALLOWED"},
		{"another council's officer reads the review", review, otherOfficer, "PERMISSION_DENIED_BY_MATRIX"},
		{"another council's officer lists the offers", offers, otherOfficer, "PERMISSION_DENIED_BY_MATRIX"},
	} {
		code, body := in.get(t, tc.path, tc.token)
		if code != http.StatusForbidden {
			t.Errorf("%s: %d, want 403: %s", tc.who, code, body)
			continue
		}
		if s := decodeStatus(t, body); s.Code != int(codes.PermissionDenied) || s.reason() != tc.reason {
			t.Errorf("%s: code %d reason %q, want %d %s", tc.who, s.Code, s.reason(), codes.PermissionDenied, tc.reason)
		}
	}

	// What Works theme summaries are the LGA's and councils', and name no
	// council; Ofsted, who sees when each review completes, is refused.
	var summaries struct {
		ThemeSummaries []struct {
			Theme string `json:"theme"`
		} `json:"theme_summaries"`
		CompletedReviews int `json:"completed_reviews"`
	}
	code, body = in.do(t, http.MethodGet, "/v1/themeSummaries", ofsted, nil, nil)
	wantStatus(t, "theme summaries as Ofsted", code, http.StatusForbidden, body)
	code, body = in.do(t, http.MethodGet, "/v1/themeSummaries", lga, nil, &summaries)
	wantStatus(t, "theme summaries as the LGA", code, http.StatusOK, body)
	if summaries.CompletedReviews == 0 || len(summaries.ThemeSummaries) == 0 {
		t.Errorf("theme summaries count nothing: %s", body)
	}
	for _, leak := range []string{"localAuthorities/", gss, "peerReviews/", "reviewers/"} {
		if strings.Contains(string(body), leak) {
			t.Errorf("theme summaries mention %q: %s", leak, body)
		}
	}

	// Reviewers by expertise theme and days left this quarter, for the LGA
	// and for DfE, who reads the pool (the access matrix).
	for who, token := range map[string]string{"the LGA": lga, "DfE": dfe} {
		var pool struct {
			Reviewers []struct {
				Name          string   `json:"name"`
				Expertise     []string `json:"expertise"`
				CommittedDays int      `json:"committed_days"`
				RemainingDays int      `json:"remaining_days"`
				Available     int      `json:"available_days_per_quarter"`
			} `json:"reviewers"`
		}
		q := url.Values{"filter": {"expertise:VOICE_OF_THE_CHILD AND remaining_days >= 5"}, "page_size": {"200"}}
		code, body := in.do(t, http.MethodGet, "/v1/reviewers?"+q.Encode(), token, nil, &pool)
		wantStatus(t, who+" lists reviewers by expertise and days left", code, http.StatusOK, body)
		if len(pool.Reviewers) == 0 {
			t.Errorf("%s: no demo reviewer with voice of the child expertise and 5 days left: %s", who, body)
		}
		for _, r := range pool.Reviewers {
			if !slices.Contains(r.Expertise, "THEME_VOICE_OF_THE_CHILD") || r.RemainingDays < 5 ||
				r.RemainingDays != max(r.Available-r.CommittedDays, 0) {
				t.Errorf("%s: reviewer %+v does not match the filter", who, r)
			}
		}
	}

	if err := in.terminate(t); err != nil {
		t.Fatalf("exit after SIGTERM: %v, want status 0", err)
	}
}

// TestPeerReviewInspectionUnavailable runs the peer-review service on its
// own in production mode with an inspection address nothing listens on:
// the priorities list must fail UNAVAILABLE (INSPECTION_UNAVAILABLE), never
// answer an empty list that would say no council is at risk.
func TestPeerReviewInspectionUnavailable(t *testing.T) {
	_, ks := redistest.New(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	jwks := filepath.Join(t.TempDir(), "jwks.json")
	writeJWKS(t, jwks, "k1", &key.PublicKey)
	const issuer = "https://idp.example"

	in := start(t, []string{"REDIS_URL=" + redistest.URL()},
		"-target=peerreview", "-inspection-addr=127.0.0.1:1", "-demo=false",
		"-jwks-file="+jwks, "-key-prefix="+ks.Prefix, "-jwt-issuer="+issuer)
	if in.grpc == "" {
		t.Fatal("the peerreview target logged no gRPC address")
	}
	tok := signRS256(t, key, "k1", jwt.MapClaims{
		"sub": "lga-1", "roles": []string{"lga_adviser"}, "iss": issuer,
		"exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix(),
	})
	client := peerreviewv1.NewPeerReviewServiceClient(in.conn(t))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	if _, err := client.ListReviewPriorities(ctx, &peerreviewv1.ListReviewPrioritiesRequest{}); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("without a token: %v, want Unauthenticated", err)
	}

	authed := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tok)
	resp, err := client.ListReviewPriorities(authed, &peerreviewv1.ListReviewPrioritiesRequest{})
	if err == nil {
		t.Fatalf("priorities answered %d entries with the inspection service down, want UNAVAILABLE", len(resp.GetPriorities()))
	}
	st := status.Convert(err)
	if st.Code() != codes.Unavailable {
		t.Fatalf("priorities with the inspection service down: %v, want Unavailable", err)
	}
	if info := apierror.Info(st); info.GetReason() != "INSPECTION_UNAVAILABLE" || info.GetDomain() != "turnaround" {
		t.Fatalf("ErrorInfo = %v, want reason INSPECTION_UNAVAILABLE in domain turnaround", info)
	}
	if strings.Contains(st.Message(), "127.0.0.1:1") || strings.Contains(st.Message(), "connection refused") {
		t.Errorf("the message leaks the transport error: %q", st.Message())
	}

	// Methods that need no inspection data still work: the service is up,
	// only the inspection-backed answers are refused.
	if _, err := client.ListReviewers(authed, &peerreviewv1.ListReviewersRequest{}); err != nil {
		t.Fatalf("list reviewers with the inspection service down: %v", err)
	}

	if err := in.terminate(t); err != nil {
		t.Fatalf("exit after SIGTERM: %v, want status 0", err)
	}
}
