package store

import (
	"context"
	"fmt"
	"time"
)

// FirstTime marks name as done and reports whether this call was the first
// to do so on this Redis: the one "load once" marker of the suite, so that
// demo data is loaded by one replica however many start. The marker lives
// under the keyspace's "demo" tag and records when it was set.
func (s *Store) FirstTime(ctx context.Context, name string) (bool, error) {
	first, err := s.c.SetNX(ctx, s.ks.Key("demo", name, "loaded"), time.Now().UTC().Format(time.RFC3339), 0).Result()
	if err != nil {
		return false, fmt.Errorf("store: marker %s: %w", name, err)
	}
	return first, nil
}

// ForgetFirstTime clears the marker FirstTime set, so that a load that
// failed part-way runs again at the next start.
func (s *Store) ForgetFirstTime(ctx context.Context, name string) error {
	if err := s.c.Del(ctx, s.ks.Key("demo", name, "loaded")).Err(); err != nil {
		return fmt.Errorf("store: clear marker %s: %w", name, err)
	}
	return nil
}
