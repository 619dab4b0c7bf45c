package inspection

import (
	"fmt"
	"time"
)

// ImprovementWindowMonths is the time a council judged inadequate has to
// show significant improvement, counted from the judgement's publication:
// six months. A judgement published after its window has passed is history
// (Publication.Historical).
const ImprovementWindowMonths = 6

// The codes of the publication warnings.
const (
	// WarningWindowPassed: the six months after the publication date had
	// passed; the judgement was recorded as history.
	WarningWindowPassed = "IMPROVEMENT_WINDOW_PASSED"
	// WarningWindowPassedLive: the same, published live on request, so
	// any plan it opens is due for decision at once.
	WarningWindowPassedLive = "IMPROVEMENT_WINDOW_PASSED_LIVE"
)

// Warning is something a publisher should know about a publication: a
// stable code and the same in words.
type Warning struct {
	Code    string
	Message string
}

// WindowEnd is the end of the improvement window of a judgement published
// on date.
func WindowEnd(date time.Time) time.Time { return date.AddDate(0, ImprovementWindowMonths, 0) }

// WindowPassed reports whether the improvement window of a judgement
// published on date had passed by now.
func WindowPassed(date, now time.Time) bool { return WindowEnd(date).Before(day(now)) }

// PublishAs is Publish, then the improvement window: when the six months
// after date have already passed by now, the result is recorded as history
// (Historical) with a WarningWindowPassed, unless live asks for a live
// publication, which carries a WarningWindowPassedLive instead. A
// monitoring visit has no window.
func (ins Inspection) PublishAs(date, now time.Time, live bool) (Inspection, error) {
	out, err := ins.Publish(date, now)
	if err != nil {
		return Inspection{}, err
	}
	if !out.Framework.Graded() || !WindowPassed(date, now) {
		return out, nil
	}
	end := WindowEnd(date).Format(time.DateOnly)
	if live {
		out.PublicationWarnings = append(out.PublicationWarnings, Warning{Code: WarningWindowPassedLive, Message: fmt.Sprintf(
			"the six-month improvement window of a judgement published on %s ended on %s; published live as asked, "+
				"so a plan it opens is due for decision at once", date.Format(time.DateOnly), end)})
		return out, nil
	}
	out.Historical = true
	out.PublicationWarnings = append(out.PublicationWarnings, Warning{Code: WarningWindowPassed, Message: fmt.Sprintf(
		"the six-month improvement window of a judgement published on %s ended on %s; recorded as history: "+
			"no improvement plan or support offer follows (publish with live to treat it as a new judgement)",
		date.Format(time.DateOnly), end)})
	return out, nil
}
