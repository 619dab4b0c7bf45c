// Package support is the improvement-plan service's read model of which
// sponsors actively support which councils: the sponsor service's
// engagements, as its events tell them. The access matrix lets a sponsor
// officer read the plans, progress reviews and interventions of the
// councils its sponsor actively supports (access.Object.SupportedBy);
// this package answers that question without calling the sponsor service.
package support

import (
	"context"
	"fmt"
	"slices"

	"github.com/turnaround-sli/turnaround/services/reference"
)

// Engagement is a sponsor's engagement with a council.
type Engagement struct {
	// Name is the engagement's resource name,
	// sponsors/{sponsor}/engagements/{id}.
	Name string
	// Sponsor is the sponsor's id, as sponsor officers' tokens carry it.
	Sponsor string
	// GSSCode is the council supported.
	GSSCode string
}

// Storer keeps the read model.
type Storer interface {
	// Start records e as active; recording it again changes nothing.
	Start(ctx context.Context, e Engagement) error
	// End records that e no longer runs; ending an unknown engagement
	// changes nothing.
	End(ctx context.Context, e Engagement) error
	// Sponsors returns the ids of the sponsors with an active engagement
	// for council gss, in any order, possibly repeated.
	Sponsors(ctx context.Context, gss string) ([]string, error)
}

// Service answers which sponsors support a council, and applies the
// engagements' starts and ends.
type Service struct{ store Storer }

// NewService returns the read model over store.
func NewService(store Storer) *Service { return &Service{store: store} }

// Validate reports what is wrong with e, or nil.
func (e Engagement) Validate() error {
	switch {
	case e.Name == "":
		return fmt.Errorf("support: an engagement without a name")
	case e.Sponsor == "":
		return fmt.Errorf("support: engagement %s names no sponsor", e.Name)
	case !reference.ValidGSSCode(e.GSSCode):
		return fmt.Errorf("support: engagement %s: council %q is not a GSS code", e.Name, e.GSSCode)
	}
	return nil
}

// Started records that e began: its sponsor now supports its council.
func (s *Service) Started(ctx context.Context, e Engagement) error {
	if err := e.Validate(); err != nil {
		return err
	}
	return s.store.Start(ctx, e)
}

// Ended records that e ended: its sponsor no longer supports its council
// through it (it may through another engagement).
func (s *Service) Ended(ctx context.Context, e Engagement) error {
	if err := e.Validate(); err != nil {
		return err
	}
	return s.store.End(ctx, e)
}

// SupportedBy returns the ids of the sponsors actively supporting council
// gss, sorted, each once.
func (s *Service) SupportedBy(ctx context.Context, gss string) ([]string, error) {
	ids, err := s.store.Sponsors(ctx, gss)
	if err != nil {
		return nil, fmt.Errorf("support: sponsors of %s: %w", gss, err)
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}
