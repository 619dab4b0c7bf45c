// Package component is what every service of the suite takes from the
// process that runs it: the store, the page token codec, the log and the
// clock. Each service's Deps embeds Base beside what is its own, and its
// New calls Check first, so every service refuses the same missing parts
// and fills the same defaults.
package component

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// Base are the dependencies every service has.
type Base struct {
	// Store is the suite's Redis store. Required.
	Store *store.Store
	// Pages signs and reads the page tokens of the service's lists.
	// Required.
	Pages *paging.Codec
	// Logger is the service's log; nil means slog.Default().
	Logger *slog.Logger
	// Now is the service's clock; nil means time.Now, unless the service
	// documents another default.
	Now func() time.Time
}

// Check refuses a Base without its store or its page token codec, naming
// service and what is missing, and fills the defaults of the rest.
func (b *Base) Check(service string) error {
	var missing []string
	if b.Store == nil {
		missing = append(missing, "store")
	}
	if b.Pages == nil {
		missing = append(missing, "page token codec")
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s: no %s", service, strings.Join(missing, " and no "))
	}
	if b.Logger == nil {
		b.Logger = slog.Default()
	}
	if b.Now == nil {
		b.Now = time.Now
	}
	return nil
}

// Start is what every service's New does first: Check, then gather the
// service's policies (who may call each method), which refuse a method
// without one.
func (b *Base) Start(service string, policies func() (auth.Policies, error)) (auth.Policies, error) {
	if err := b.Check(service); err != nil {
		return nil, err
	}
	return policies()
}
