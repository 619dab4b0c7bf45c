package plan

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
)

// TestWarnings: a credible plan warns of nothing; late actions, a deadline
// moved before the first milestone and a deadline passed are each said,
// with the actions and dates concerned.
func TestWarnings(t *testing.T) {
	codes := func(ws []Warning) []string {
		var out []string
		for _, w := range ws {
			out = append(out, w.Code)
		}
		return out
	}
	p := credible()
	if ws := p.Warnings(now); len(ws) != 0 {
		t.Fatalf("a credible plan on time warns %v", ws)
	}
	// Every action falls due and none is done: all late, the deadline
	// passed.
	after := time.Date(2016, 6, 1, 9, 0, 0, 0, time.UTC)
	ws := p.Warnings(after)
	total := 0
	for _, pr := range p.Priorities {
		total += len(pr.Actions)
	}
	if !slices.Equal(codes(ws), []string{WarnLateActions, WarnDeadlinePassed}) ||
		!strings.HasPrefix(ws[0].Message, fmt.Sprintf("%d of %d actions are past their due date", total, total)) {
		t.Fatalf("warnings after the deadline = %v", ws)
	}
	// A deadline before the first milestone (due 31 January 2016).
	early := p.Clone()
	early.Deadline = storetest.Day(2016, 1, 15)
	if ws := early.Warnings(now); !slices.Equal(codes(ws), []string{WarnDeadlineBeforeFirstMilestone}) || !strings.Contains(ws[0].Message, "2016-01-31") {
		t.Fatalf("warnings with the deadline before the first milestone = %v", ws)
	}
}
