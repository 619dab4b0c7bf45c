package whatworks

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/review"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
	"github.com/turnaround-sli/turnaround/services/reference"
)

var now = time.Date(2015, time.December, 14, 9, 0, 0, 0, time.UTC)

const leedsReview = "localAuthorities/E08000035/peerReviews/abc123"

func TestDraftParse(t *testing.T) {
	good := Draft{
		Title: " Stable front door ", Theme: reviewer.FrontDoorAndReferrals, Summary: "One multi-agency hub.",
		Council: "localAuthorities/E08000035", PeerReview: leedsReview,
	}
	l, err := good.Parse("lesson.", now)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if l.Title != "Stable front door" || l.Council != "E08000035" || l.Region != reference.YorkshireAndTheHumber ||
		l.PeerReview != leedsReview || !l.CreateTime.Equal(now) || !resource.ValidID(l.ID) {
		t.Errorf("lesson = %+v", l)
	}
	if _, err := (Draft{Title: "t", Theme: reviewer.Leadership, Summary: "s"}).Parse("lesson.", now); err != nil {
		t.Errorf("a lesson about no council: %v", err)
	}

	cases := []struct {
		name  string
		draft Draft
		want  []string
	}{
		{"everything missing", Draft{}, []string{"lesson.summary", "lesson.theme", "lesson.title"}},
		{"blank text", Draft{Title: "  ", Theme: reviewer.Leadership, Summary: "\n"}, []string{"lesson.summary", "lesson.title"}},
		{"too long", Draft{Title: strings.Repeat("x", MaxTitle+1), Theme: reviewer.Leadership, Summary: strings.Repeat("é", MaxSummary+1)},
			[]string{"lesson.summary", "lesson.title"}},
		{"unknown theme", Draft{Title: "t", Theme: "GARDENING", Summary: "s"}, []string{"lesson.theme"}},
		{"malformed council", Draft{Title: "t", Theme: reviewer.Leadership, Summary: "s", Council: "councils/leeds"},
			[]string{"lesson.local_authority"}},
		{"unknown council", Draft{Title: "t", Theme: reviewer.Leadership, Summary: "s", Council: "localAuthorities/E08999999"},
			[]string{"lesson.local_authority"}},
		{"malformed review", Draft{Title: "t", Theme: reviewer.Leadership, Summary: "s", Council: "localAuthorities/E08000035", PeerReview: "peerReviews/x"},
			[]string{"lesson.peer_review"}},
		{"review without council", Draft{Title: "t", Theme: reviewer.Leadership, Summary: "s", PeerReview: leedsReview},
			[]string{"lesson.local_authority"}},
		{"review of another council", Draft{Title: "t", Theme: reviewer.Leadership, Summary: "s", Council: "localAuthorities/E10000014", PeerReview: leedsReview},
			[]string{"lesson.peer_review"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.draft.Parse("lesson.", now)
			if got := rpctest.InvalidFields(t, err); !slices.Equal(got, tc.want) {
				t.Errorf("violations on %v, want %v (%v)", got, tc.want, err)
			}
		})
	}
}

func TestCheckSource(t *testing.T) {
	l := Lesson{PeerReview: leedsReview}
	for _, s := range review.States {
		err := CheckSource(l, review.Review{GSSCode: "E08000035", ID: "abc123", State: s})
		if s == review.Completed {
			if err != nil {
				t.Errorf("completed review: %v", err)
			}
			continue
		}
		if f, ok := fault.As(err); !ok || f.Kind != fault.KindFailedPrecondition || f.Reason != ReasonReviewNotCompleted {
			t.Errorf("%s review: %v, want FAILED_PRECONDITION %s", s, err, ReasonReviewNotCompleted)
		}
	}
}

func TestParseName(t *testing.T) {
	storetest.IDNames(t, storetest.IDIn(Collection), map[string]string{"lessons/abc-1": "abc-1"},
		[]string{"", "lessons/", "lessons/ABC", "lesson/abc", "lessons/abc/def", "lessons/-a"})
}

func TestSelect(t *testing.T) {
	at := func(d int) time.Time { return now.AddDate(0, 0, d) }
	all := []Lesson{
		{ID: "a", Theme: reviewer.Leadership, Region: reference.London, CreateTime: at(-3)},
		{ID: "b", Theme: reviewer.Caseloads, Region: reference.London, CreateTime: at(-1)},
		{ID: "c", Theme: reviewer.Leadership, Region: reference.NorthEast, CreateTime: at(-2)},
		{ID: "d", Theme: reviewer.Leadership, CreateTime: at(-1)},
	}
	storetest.Selects(t, FilterSchema, func(f *filter.Filter) []Lesson { return Select(all, f) }, func(l Lesson) string { return l.ID }, map[string][]string{
		"":                   {"b", "d", "c", "a"},
		"theme = LEADERSHIP": {"d", "c", "a"},
		`region = "LONDON"`:  {"b", "a"},
		"theme = LEADERSHIP AND region = NORTH_EAST": {"c"},
	})
	if _, err := filter.Compile("council = E08000035", FilterSchema); err == nil {
		t.Error("a filter on an unknown field compiled")
	}
}
