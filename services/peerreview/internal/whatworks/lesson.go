package whatworks

import (
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/review"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/platform/check"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Collection is the resource collection of lessons: lessons/{id}.
const Collection = "lessons"

// Reasons of the faults the lesson rules return.
const (
	// ReasonLessonNotFound: no such lesson.
	ReasonLessonNotFound = "LESSON_NOT_FOUND"
	// ReasonReviewNotCompleted: a lesson links only to a completed review.
	ReasonReviewNotCompleted = "PEER_REVIEW_NOT_COMPLETED"
)

// Text limits, in characters.
const (
	MaxTitle   = 200
	MaxSummary = 4000
)

// ErrNotFound is what a LessonStorer returns for a lesson it does not hold.
var ErrNotFound = fault.NotFound(ReasonLessonNotFound, "the lesson does not exist")

// Lesson is a curated good-practice entry.
type Lesson struct {
	ID      string
	Title   string
	Theme   reviewer.Theme
	Summary string
	// Council is the GSS code of the council whose practice it is; "" when
	// the lesson is not about one council.
	Council string
	// PeerReview is the resource name of the review where the council
	// agreed to share it; "" for none.
	PeerReview string
	// Region is the council's region, derived from Council.
	Region     reference.Region
	CreateTime time.Time
}

// Name is the lesson's resource name, lessons/{id}.
func (l Lesson) Name() string { return Name(l.ID) }

// Name returns the resource name of lesson id.
func Name(id string) string { return Collection + "/" + id }

// Draft is what a caller asks to publish.
type Draft struct {
	Title   string
	Theme   reviewer.Theme
	Summary string
	// Council is the lesson's council resource name, localAuthorities/{gss};
	// optional.
	Council string
	// PeerReview is the review's resource name; optional, and only with
	// Council.
	PeerReview string
}

// Parse checks d and returns the lesson it describes, created at now with
// a new ID, reporting every violation at once under prefix (such as
// "lesson."): a title and a summary within their limits, a theme of the
// taxonomy, a council among the 152 and a review name of that council. It
// does not read the review; see CheckSource.
func (d Draft) Parse(prefix string, now time.Time) (Lesson, error) {
	var vs fault.Violations
	l := Lesson{
		ID:         resource.NewID(),
		Title:      strings.TrimSpace(d.Title),
		Theme:      d.Theme,
		Summary:    strings.TrimSpace(d.Summary),
		PeerReview: d.PeerReview,
		CreateTime: now.UTC(),
	}
	check.Text{Max: MaxTitle}.Required().Check(vs.Add, prefix+"title", l.Title)
	check.Text{Max: MaxSummary}.Required().Check(vs.Add, prefix+"summary", l.Summary)
	if !d.Theme.Valid() {
		if d.Theme == "" {
			vs.Add(prefix+"theme", "is required: one of the taxonomy's themes, such as LEADERSHIP")
		} else {
			vs.Add(prefix+"theme", "must be one of the taxonomy's themes, got %s", d.Theme)
		}
	}
	if d.Council != "" {
		gss, err := resource.ParseCouncil(prefix+"local_authority", d.Council)
		if c, ok := reference.CouncilByCode(gss); err == nil && ok {
			l.Council, l.Region = gss, c.Region
		} else if err == nil {
			vs.Add(prefix+"local_authority", "is not one of the 152 councils: %s", d.Council)
		} else {
			vs.Merge(err)
		}
	}
	if d.PeerReview != "" {
		gss, _, err := resource.ParseCouncilChild(prefix+"peer_review", review.Collection, d.PeerReview)
		switch {
		case err != nil:
			vs.Merge(err)
		case d.Council == "":
			vs.Add(prefix+"local_authority", "is required with peer_review: name the council whose review it is")
		case l.Council != "" && gss != l.Council:
			vs.Add(prefix+"peer_review", "is a review of %s, not of %s", resource.CouncilName(gss), d.Council)
		}
	}
	if err := vs.Err(); err != nil {
		return Lesson{}, err
	}
	return l, nil
}

// CheckSource checks the review a lesson links to: it must be completed,
// since a council agrees to share practice when its review concludes.
func CheckSource(l Lesson, src review.Review) error {
	if src.State != review.Completed {
		return fault.FailedPrecondition(ReasonReviewNotCompleted,
			"%s is %s; a lesson links only to a completed review", src.Name(), src.State).With("peer_review", l.PeerReview)
	}
	return nil
}

// FilterSchema is what ListLessons filters on.
var FilterSchema = columns.Schema()

var columns = filter.Columns[Lesson]{
	"theme": filter.OptionalEnumColumn(reviewer.Themes, "THEME_", func(l *Lesson) (reviewer.Theme, bool) { return l.Theme, l.Theme != "" }),
	"region": filter.OptionalEnumColumn(reference.Regions, "REGION_", func(l *Lesson) (reference.Region, bool) {
		return l.Region, l.Region != ""
	}),
}

// Get implements filter.Record for a lesson.
func (l Lesson) Get(field string) (any, bool) { return columns.Record(&l).Get(field) }

// Select returns the lessons f matches, newest first (ties by ID).
func Select(all []Lesson, f *filter.Filter) []Lesson {
	return filter.Select(all, f, func(l *Lesson) filter.Record { return *l },
		filter.NewestFirst(func(l *Lesson) time.Time { return l.CreateTime }, func(l *Lesson) string { return l.ID }))
}
