// Package supportstore keeps the read model of package support in Redis:
// one hash per council, {la:GSS}:supporters, from engagement name to the
// sponsor's id, so recording an engagement twice (at-least-once delivery)
// changes nothing.
package supportstore

import (
	"context"
	"fmt"

	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/support"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// Supporters implements support.Storer.
type Supporters struct{ st *store.Store }

var _ support.Storer = (*Supporters)(nil)

// New returns the read model's store over st.
func New(st *store.Store) *Supporters { return &Supporters{st: st} }

func (s *Supporters) key(gss string) string {
	return s.st.Keyspace().Key(keyspace.CouncilTag(gss), "supporters")
}

// Start implements support.Storer.
func (s *Supporters) Start(ctx context.Context, e support.Engagement) error {
	if err := s.st.Client().HSet(ctx, s.key(e.GSSCode), e.Name, e.Sponsor).Err(); err != nil {
		return fmt.Errorf("supportstore: start %s: %w", e.Name, err)
	}
	return nil
}

// End implements support.Storer.
func (s *Supporters) End(ctx context.Context, e support.Engagement) error {
	if err := s.st.Client().HDel(ctx, s.key(e.GSSCode), e.Name).Err(); err != nil {
		return fmt.Errorf("supportstore: end %s: %w", e.Name, err)
	}
	return nil
}

// Sponsors implements support.Storer.
func (s *Supporters) Sponsors(ctx context.Context, gss string) ([]string, error) {
	ids, err := s.st.Client().HVals(ctx, s.key(gss)).Result()
	if err != nil {
		return nil, fmt.Errorf("supportstore: sponsors of %s: %w", gss, err)
	}
	return ids, nil
}
