// Package sponsorstore keeps sponsors in Redis, through the platform store.
//
// Each sponsor has a hash tag of its own, Tag(id), under which its record,
// audit entries and idempotency records live, and under which the rest of
// the sponsor's data (its engagements and their deployments) can commit
// together with it. The index of every sponsor lives under its own tag,
// "sponsors".
//
// Keys:
//
//	{sponsor:ID}:sponsor  the sponsor (a record: stored form and version)
//	{sponsors}:index      a set of every sponsor ID
//
// The index and a record are in different slots, so they cannot change in
// one transaction. A create therefore adds the ID to the index first and
// commits the record second: a crash between the two leaves an index entry
// without a record, which every reader skips (and which a later create of
// that ID fills), never a sponsor missing from lists. Sponsors are never
// deleted, so the index only grows.
//
// All reads the index and then every record in one pipeline: two round
// trips however many sponsors there are.
//
// Sponsors implements sponsor.Storer and need.SponsorDirectory.
package sponsorstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/need"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsor"
)

// IndexTag is the hash tag of the index of every sponsor.
const IndexTag = "sponsors"

// Tag is the hash tag of everything that belongs to the sponsor with ID
// id: its record, its audit entries and idempotency records, and the
// engagements other stores keep for it.
func Tag(id string) string { return "sponsor:" + id }

// Sponsors stores sponsors. It implements sponsor.Storer and
// need.SponsorDirectory.
type Sponsors struct {
	all *store.Collection[sponsor.Sponsor]
	// cached serves All: every match run reads every sponsor, answered
	// again from memory, with a Tracker, while none changed.
	cached *store.Cache[sponsor.Sponsor]
}

var (
	_ sponsor.Storer        = (*Sponsors)(nil)
	_ need.SponsorDirectory = (*Sponsors)(nil)
)

// New returns the sponsor store over st, keeping each sponsor in the stored
// form codec gives it.
func New(st *store.Store, codec store.Codec[sponsor.Sponsor]) *Sponsors {
	all := store.NewCollection(st, codec, sponsor.ErrNotFound)
	return &Sponsors{all: all, cached: store.NewCache(all).Copying(sponsor.Sponsor.Clone)}
}

func (s *Sponsors) st() *store.Store { return s.all.Store() }

func (s *Sponsors) ks() keyspace.Keyspace { return s.st().Keyspace() }

// Key is the record key of the sponsor with ID id, for an audit entry of a
// mutation that writes it.
func (s *Sponsors) Key(id string) string { return s.ks().Key(Tag(id), "sponsor") }

func (s *Sponsors) indexKey() string { return s.ks().Key(IndexTag, "index") }

// Get implements sponsor.Storer.
func (s *Sponsors) Get(ctx context.Context, id string) (sponsor.Sponsor, error) {
	return s.all.GetNamed(ctx, s.Key(id), "sponsor "+sponsor.Name(id))
}

// All implements sponsor.Storer: every sponsor, ordered by ID, each at the
// version it was read at, and their fingerprint, in two round trips (the
// index, then every record in one pipeline), or, with a Tracker, one PING
// while no sponsor changed (store.Cache.Members). An index entry whose create
// did not commit (see the package comment) is no sponsor.
//
// The fingerprint is an opaque string, the SHA-256 (truncated to 128 bits,
// hex) of every sponsor's ID and version in ID order. Every change of a
// sponsor moves its version, and sponsors are never deleted, so it changes
// whenever a sponsor is created or changed: a match run can record the
// sponsors it was computed from and its approval can refuse to act when
// they have changed since.
func (s *Sponsors) All(ctx context.Context) ([]sponsor.Sponsor, string, error) {
	out, err := s.cached.Members(ctx, s.indexKey(), s.Key)
	if err != nil {
		return nil, "", fmt.Errorf("list sponsors: %w", err)
	}
	h := sha256.New()
	h.Write([]byte("turnaround.sponsor.sponsors.v1"))
	for _, sp := range out {
		fmt.Fprintf(h, "%q@%d\n", sp.ID, sp.Version)
	}
	return out, hex.EncodeToString(h.Sum(nil)[:16]), nil
}

// Missing implements need.SponsorDirectory with one pipeline of EXISTS,
// one per ID, each on its own key so no command spans two hash tags. IDs
// that are not valid sponsor IDs name no sponsor.
func (s *Sponsors) Missing(ctx context.Context, ids []string) ([]string, error) {
	var valid []string
	var missing []string
	for _, id := range ids {
		if resource.ValidID(id) {
			valid = append(valid, id)
		} else {
			missing = append(missing, id)
		}
	}
	if len(valid) == 0 {
		return missing, nil
	}
	cmds := make([]*redis.IntCmd, len(valid))
	_, err := s.st().Client().Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range valid {
			cmds[i] = p.Exists(ctx, s.Key(id))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("check sponsors exist: %w", err)
	}
	for i, cmd := range cmds {
		if cmd.Val() == 0 {
			missing = append(missing, valid[i])
		}
	}
	return missing, nil
}

// Replay implements sponsor.Storer. Request IDs are scoped by method and
// caller (store.IdempotencyScope) and kept under the sponsor's tag.
func (s *Sponsors) Replay(ctx context.Context, id string, r change.Request) (sponsor.Sponsor, bool, error) {
	return s.all.Replay(ctx, Tag(id), r)
}

// Insert implements sponsor.Storer: the ID joins the index (a listing,
// sent in the round trip before the commit), then the
// record commits at version 1 with its audit entry and, for a request
// with an ID and a hash, the idempotency record replaying it. When a call
// with the same request_id committed first, the commit's round trip reads
// its answer, which Insert returns. A taken ID gives an error matching
// store.ErrConflict.
func (s *Sponsors) Insert(ctx context.Context, sp sponsor.Sponsor, r change.Request) (sponsor.Sponsor, error) {
	if !resource.ValidID(sp.ID) {
		return sponsor.Sponsor{}, fmt.Errorf("create sponsor: invalid id %q", sp.ID)
	}
	sp.Version = 1
	m, err := s.mutation(sp, store.MustNotExist, r, sponsorv1.SponsorService_CreateSponsor_FullMethodName)
	if err != nil {
		return sponsor.Sponsor{}, err
	}
	m.Listings = []store.IndexOp{store.SAdd(s.indexKey(), sp.ID)}
	return s.all.CommitOrReplay(ctx, m, sp, "create sponsor "+sp.Name())
}

// Save implements sponsor.Storer.
func (s *Sponsors) Save(ctx context.Context, sp sponsor.Sponsor, r change.Request) (sponsor.Sponsor, error) {
	if sp.Version < 1 {
		return sponsor.Sponsor{}, fmt.Errorf("update sponsor %s: version %d: a sponsor is created only by Insert", sp.Name(), sp.Version)
	}
	read := sp.Version
	sp.Version++
	m, err := s.mutation(sp, read, r, sponsorv1.SponsorService_UpdateSponsor_FullMethodName)
	if err != nil {
		return sponsor.Sponsor{}, err
	}
	return s.all.Commit(ctx, m, sp, "update sponsor "+sp.Name())
}

// mutation is the commit of sp (at its new version) over the version read:
// the record, its audit entry and, for a request with an ID and a hash,
// the idempotency record replaying sp as the API renders it.
func (s *Sponsors) mutation(sp sponsor.Sponsor, read int64, r change.Request, method string) (store.Mutation, error) {
	return s.all.Change(sp, store.Saved{
		Tag: Tag(sp.ID), Key: s.Key(sp.ID), Name: sp.Name(),
		Read: read, Version: sp.Version, Method: method,
	}, r)
}

// DayRate returns the day rate of the sponsor with ID id, in pence, for
// compensation statements. An unknown sponsor is a NOT_FOUND fault naming
// it.
func (s *Sponsors) DayRate(ctx context.Context, id string) (int64, error) {
	sp, err := s.Get(ctx, id)
	if errors.Is(err, sponsor.ErrNotFound) {
		return 0, fault.NotFound(sponsor.ReasonNotFound, "%s does not exist", sponsor.Name(id)).With("name", sponsor.Name(id))
	}
	if err != nil {
		return 0, err
	}
	return sp.DayRatePence, nil
}
