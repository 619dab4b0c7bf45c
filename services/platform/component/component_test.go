package component

import (
	"strings"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

func TestCheckNamesWhatIsMissing(t *testing.T) {
	var b Base
	err := b.Check("sponsor")
	if err == nil || !strings.Contains(err.Error(), "sponsor: no store and no page token codec") {
		t.Errorf("Check of an empty Base: %v", err)
	}
	b = Base{Store: &store.Store{}}
	if err := b.Check("oversight"); err == nil || !strings.Contains(err.Error(), "oversight: no page token codec") {
		t.Errorf("Check without pages: %v", err)
	}
}

func TestCheckFillsTheDefaults(t *testing.T) {
	pages, err := paging.NewRandomCodec(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	b := Base{Store: &store.Store{}, Pages: pages}
	if err := b.Check("partner"); err != nil {
		t.Fatal(err)
	}
	if b.Logger == nil || b.Now == nil {
		t.Errorf("defaults not filled: logger %v, clock set %v", b.Logger, b.Now != nil)
	}
	fixed := time.Date(2016, 6, 1, 0, 0, 0, 0, time.UTC)
	b = Base{Store: &store.Store{}, Pages: pages, Now: func() time.Time { return fixed }}
	if err := b.Check("partner"); err != nil || !b.Now().Equal(fixed) {
		t.Errorf("a given clock was replaced: %v", err)
	}
}
