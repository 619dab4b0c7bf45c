// Package reviewerstore keeps the LGA's reviewer pool in Redis, through the
// platform store.
//
// The whole pool shares one hash tag, {reviewers}, rather than one tag per
// reviewer: a reviewer's record and the pool index then change in one
// MULTI/EXEC, also on Redis Cluster, and the pool (hundreds of people,
// changed a few times a day) is far too small for one slot to matter.
//
// Keys, all under the tag "reviewers":
//
//	{reviewers}:reviewer:{id}  the reviewer (a record: stored form and version)
//	{reviewers}:index          a set of every reviewer ID
//
// All reads the index and then every record in one pipeline: two round
// trips however large the pool. Audit entries go to the {reviewers} outbox
// in the transaction of the change they describe.
//
// Reviewers implements reviewer.Storer.
package reviewerstore

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"

	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// Tag is the hash tag of the whole pool.
const Tag = "reviewers"

// Reviewers stores the reviewer pool. It implements reviewer.Storer.
type Reviewers struct {
	st        *store.Store
	codec     store.Codec[reviewer.Reviewer]
	reviewers *store.Collection[reviewer.Reviewer]
}

var _ reviewer.Storer = (*Reviewers)(nil)

// New returns the pool store over st, keeping each reviewer in the stored
// form codec gives it.
func New(st *store.Store, codec store.Codec[reviewer.Reviewer]) *Reviewers {
	return &Reviewers{st: st, codec: codec, reviewers: store.NewCollection(st, codec, reviewer.ErrNotFound)}
}

func (s *Reviewers) ks() keyspace.Keyspace { return s.st.Keyspace() }

func (s *Reviewers) recordKey(id string) string { return s.ks().Key(Tag, "reviewer", id) }

func (s *Reviewers) indexKey() string { return s.ks().Key(Tag, "index") }

// Get implements reviewer.Storer.
func (s *Reviewers) Get(ctx context.Context, id string) (reviewer.Reviewer, error) {
	return s.reviewers.GetNamed(ctx, s.recordKey(id), "reviewer "+reviewer.Name(id))
}

// All implements reviewer.Storer: the whole pool, ordered by ID, and its
// fingerprint, in two round trips (the index, then every record in one
// pipeline).
//
// The fingerprint is an opaque string, the SHA-256 (truncated to 128 bits,
// hex) of every reviewer's ID, version and stored bytes in ID order. It
// changes when a reviewer is created, changed or deleted, and also when a
// deleted reviewer's ID is reused for a different reviewer at the same
// version, since the stored bytes differ. Peer review team acceptance
// compares it with the fingerprint a proposal was made from, so a team is
// never accepted from a pool that has changed since.
func (s *Reviewers) All(ctx context.Context) ([]reviewer.Reviewer, string, error) {
	out, err := s.reviewers.Members(ctx, s.indexKey(), s.recordKey)
	if err != nil {
		return nil, "", fmt.Errorf("list reviewers: %w", err)
	}
	h := sha256.New()
	h.Write([]byte("turnaround.peerreview.pool.v1"))
	for _, rv := range out {
		// The stored form is deterministic, so encoding what was read gives
		// the bytes stored.
		data, err := s.codec.Encode(rv)
		if err != nil {
			return nil, "", fmt.Errorf("list reviewers: %w", err)
		}
		writeField(h, []byte(rv.ID))
		var v [8]byte
		binary.BigEndian.PutUint64(v[:], uint64(rv.Version))
		h.Write(v[:])
		writeField(h, data)
	}
	return out, hex.EncodeToString(h.Sum(nil)[:16]), nil
}

// writeField writes b length-prefixed, so no two pools share an encoding.
func writeField(h interface{ Write([]byte) (int, error) }, b []byte) {
	var n [binary.MaxVarintLen64]byte
	_, _ = h.Write(n[:binary.PutUvarint(n[:], uint64(len(b)))])
	_, _ = h.Write(b)
}

// Replay implements reviewer.Storer. Request IDs are scoped by method and
// caller (store.IdempotencyScope).
func (s *Reviewers) Replay(ctx context.Context, r change.Request) (reviewer.Reviewer, bool, error) {
	return s.reviewers.Replay(ctx, Tag, r)
}

// Insert implements reviewer.Storer.
func (s *Reviewers) Insert(ctx context.Context, rv reviewer.Reviewer, r change.Request) (reviewer.Reviewer, error) {
	rv.Version = 1
	m, err := s.mutation(rv, store.MustNotExist, r, peerreviewv1.PeerReviewService_CreateReviewer_FullMethodName)
	if err != nil {
		return reviewer.Reviewer{}, err
	}
	m.Index = []store.IndexOp{store.SAdd(s.indexKey(), rv.ID)}
	return s.reviewers.Commit(ctx, m, rv, "create reviewer "+rv.Name())
}

// Save implements reviewer.Storer.
func (s *Reviewers) Save(ctx context.Context, rv reviewer.Reviewer, r change.Request) (reviewer.Reviewer, error) {
	read := rv.Version
	rv.Version++
	m, err := s.mutation(rv, read, r, peerreviewv1.PeerReviewService_UpdateReviewer_FullMethodName)
	if err != nil {
		return reviewer.Reviewer{}, err
	}
	return s.reviewers.Commit(ctx, m, rv, "update reviewer "+rv.Name())
}

// Delete implements reviewer.Storer: the record and its index entry go in
// one transaction, pinned to rv.Version.
func (s *Reviewers) Delete(ctx context.Context, rv reviewer.Reviewer, r change.Request) error {
	key := s.recordKey(rv.ID)
	_, err := s.st.Commit(ctx, store.Mutation{
		Tag:    Tag,
		Writes: []store.Write{{Key: key, IfVersion: rv.Version, Delete: true}},
		Index:  []store.IndexOp{store.SRem(s.indexKey(), rv.ID)},
		Audit:  []store.AuditEntry{store.AuditFor(r.WithMethod(peerreviewv1.PeerReviewService_DeleteReviewer_FullMethodName), rv.Name(), key)},
	})
	if err != nil {
		return fmt.Errorf("delete reviewer %s: %w", rv.Name(), err)
	}
	return nil
}

// Seed stores the reviewers of rs (IDs set) that are not yet stored and
// leaves existing ones untouched, so a demo data loader can run it on every
// start. Each is validated as CreateReviewer would and audited under r. It
// returns how many it added.
func (s *Reviewers) Seed(ctx context.Context, rs []reviewer.Reviewer, r change.Request) (int, error) {
	added := 0
	for _, rv := range rs {
		if !resource.ValidID(rv.ID) {
			return added, fmt.Errorf("seed reviewer: invalid id %q", rv.ID)
		}
		if err := rv.Validate(""); err != nil {
			return added, fmt.Errorf("seed reviewer %s: %w", rv.Name(), err)
		}
		// A seed is not a client request: no idempotency record.
		seedReq := r
		seedReq.RequestID, seedReq.RequestHash = "", nil
		_, err := s.Insert(ctx, rv, seedReq)
		switch {
		case errors.Is(err, store.ErrConflict):
		case err != nil:
			return added, fmt.Errorf("seed reviewer %s: %w", rv.Name(), err)
		default:
			added++
		}
	}
	return added, nil
}

// mutation is the commit of rv (at its new version) over the version read:
// the record, its audit entry and, for a request with an ID, the
// idempotency record replaying rv.
func (s *Reviewers) mutation(rv reviewer.Reviewer, read int64, r change.Request, method string) (store.Mutation, error) {
	return s.reviewers.Change(rv, store.Saved{
		Tag: Tag, Key: s.recordKey(rv.ID), Name: rv.Name(),
		Read: read, Version: rv.Version, Method: method,
	}, r)
}
