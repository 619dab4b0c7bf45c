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
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// Tag is the hash tag of the whole pool.
const Tag = "reviewers"

// Enum name prefixes of the proto enums the stored form uses.
const (
	rolePrefix  = "REVIEWER_ROLE_"
	themePrefix = "THEME_"
)

// Reviewers stores the reviewer pool. It implements reviewer.Storer.
type Reviewers struct {
	st *store.Store
}

var _ reviewer.Storer = (*Reviewers)(nil)

// New returns the pool store over st.
func New(st *store.Store) *Reviewers { return &Reviewers{st: st} }

func (s *Reviewers) ks() keyspace.Keyspace { return s.st.Keyspace() }

func (s *Reviewers) recordKey(id string) string { return s.ks().Key(Tag, "reviewer", id) }

func (s *Reviewers) indexKey() string { return s.ks().Key(Tag, "index") }

// Get implements reviewer.Storer.
func (s *Reviewers) Get(ctx context.Context, id string) (reviewer.Reviewer, error) {
	rec, err := s.st.Get(ctx, s.recordKey(id))
	if errors.Is(err, store.ErrNotFound) {
		return reviewer.Reviewer{}, reviewer.ErrNotFound
	}
	if err != nil {
		return reviewer.Reviewer{}, fmt.Errorf("get reviewer %s: %w", reviewer.Name(id), err)
	}
	return decode(rec.Data, rec.Version)
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
	ids, err := s.st.Client().SMembers(ctx, s.indexKey()).Result()
	if err != nil {
		return nil, "", fmt.Errorf("list reviewers: %w", err)
	}
	slices.Sort(ids)
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = s.recordKey(id)
	}
	recs, err := s.st.GetMany(ctx, keys)
	if err != nil {
		return nil, "", fmt.Errorf("list reviewers: %w", err)
	}
	h := sha256.New()
	h.Write([]byte("turnaround.peerreview.pool.v1"))
	out := make([]reviewer.Reviewer, 0, len(recs))
	for i, rec := range recs {
		if !rec.Exists() {
			// Deleted between the two reads: the pool as read lacks it.
			continue
		}
		rv, err := decode(rec.Data, rec.Version)
		if err != nil {
			return nil, "", fmt.Errorf("list reviewers: %w", err)
		}
		out = append(out, rv)
		writeField(h, []byte(ids[i]))
		var v [8]byte
		binary.BigEndian.PutUint64(v[:], uint64(rec.Version))
		h.Write(v[:])
		writeField(h, rec.Data)
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
	if r.RequestID == "" {
		return reviewer.Reviewer{}, false, nil
	}
	b, ok, err := s.st.Replay(ctx, Tag, store.IdempotencyScope(r.Method, r.Subject), r.RequestID, r.RequestHash)
	if err != nil || !ok {
		return reviewer.Reviewer{}, false, err
	}
	var m peerreviewv1.Reviewer
	if err := proto.Unmarshal(b, &m); err != nil {
		return reviewer.Reviewer{}, false, fmt.Errorf("decode replayed reviewer: %w", err)
	}
	version, err := store.ParseEtag(m.GetEtag())
	if err != nil || version < 1 {
		return reviewer.Reviewer{}, false, fmt.Errorf("decode replayed reviewer %s: etag %q", m.GetName(), m.GetEtag())
	}
	rv, err := decode(b, version)
	if err != nil {
		return reviewer.Reviewer{}, false, err
	}
	return rv, true, nil
}

// Insert implements reviewer.Storer.
func (s *Reviewers) Insert(ctx context.Context, rv reviewer.Reviewer, r change.Request) (reviewer.Reviewer, error) {
	rv.Version = 1
	m, err := s.mutation(rv, store.MustNotExist, r, peerreviewv1.PeerReviewService_CreateReviewer_FullMethodName)
	if err != nil {
		return reviewer.Reviewer{}, err
	}
	m.Index = []store.IndexOp{store.SAdd(s.indexKey(), rv.ID)}
	if _, err := s.st.Commit(ctx, m); err != nil {
		return reviewer.Reviewer{}, fmt.Errorf("create reviewer %s: %w", rv.Name(), err)
	}
	return rv, nil
}

// Save implements reviewer.Storer.
func (s *Reviewers) Save(ctx context.Context, rv reviewer.Reviewer, r change.Request) (reviewer.Reviewer, error) {
	read := rv.Version
	rv.Version++
	m, err := s.mutation(rv, read, r, peerreviewv1.PeerReviewService_UpdateReviewer_FullMethodName)
	if err != nil {
		return reviewer.Reviewer{}, err
	}
	if _, err := s.st.Commit(ctx, m); err != nil {
		return reviewer.Reviewer{}, fmt.Errorf("update reviewer %s: %w", rv.Name(), err)
	}
	return rv, nil
}

// Delete implements reviewer.Storer: the record and its index entry go in
// one transaction, pinned to rv.Version.
func (s *Reviewers) Delete(ctx context.Context, rv reviewer.Reviewer, r change.Request) error {
	key := s.recordKey(rv.ID)
	_, err := s.st.Commit(ctx, store.Mutation{
		Tag:    Tag,
		Writes: []store.Write{{Key: key, IfVersion: rv.Version, Delete: true}},
		Index:  []store.IndexOp{store.SRem(s.indexKey(), rv.ID)},
		Audit:  []store.AuditEntry{audit(r, orDefault(r.Method, peerreviewv1.PeerReviewService_DeleteReviewer_FullMethodName), rv.Name(), key)},
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
	data, err := marshal(rv, false)
	if err != nil {
		return store.Mutation{}, err
	}
	key := s.recordKey(rv.ID)
	m := store.Mutation{
		Tag:    Tag,
		Writes: []store.Write{{Key: key, Data: data, IfVersion: read}},
		Audit:  []store.AuditEntry{audit(r, orDefault(r.Method, method), rv.Name(), key)},
	}
	if r.RequestID != "" {
		resp, err := marshal(rv, true)
		if err != nil {
			return store.Mutation{}, err
		}
		m.Idempotency = &store.IdempotencyRecord{
			Scope:       store.IdempotencyScope(r.Method, r.Subject),
			RequestID:   r.RequestID,
			RequestHash: r.RequestHash,
			Response:    resp,
		}
	}
	return m, nil
}

func audit(r change.Request, method, resource, key string) store.AuditEntry {
	return store.AuditEntry{
		Actor:     r.Subject,
		Roles:     r.Roles,
		Method:    method,
		Resource:  resource,
		RequestID: r.RequestID,
		Key:       key,
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// encode is the stored form of a reviewer: the API message without its
// etag and committed days, which are derived on read.
func encode(rv reviewer.Reviewer) *peerreviewv1.Reviewer {
	m := &peerreviewv1.Reviewer{
		Name:                    rv.Name(),
		DisplayName:             rv.DisplayName,
		Role:                    peerreviewv1.ReviewerRole(peerreviewv1.ReviewerRole_value[rolePrefix+string(rv.Role)]),
		AvailableDaysPerQuarter: int32(rv.AvailableDaysPerQuarter),
		UpdateTime:              timestamppb.New(rv.UpdateTime),
	}
	if rv.HomeCouncil != "" {
		m.HomeCouncil = resource.CouncilName(rv.HomeCouncil)
	}
	for _, t := range rv.Expertise {
		m.Expertise = append(m.Expertise, peerreviewv1.Theme(peerreviewv1.Theme_value[themePrefix+string(t)]))
	}
	for _, gss := range rv.Conflicts {
		m.Conflicts = append(m.Conflicts, resource.CouncilName(gss))
	}
	return m
}

// marshal encodes rv's stored form; with etag, the form an idempotency
// record replays, which carries its version.
func marshal(rv reviewer.Reviewer, withEtag bool) ([]byte, error) {
	m := encode(rv)
	if withEtag {
		m.Etag = store.Etag(rv.Version)
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode reviewer %s: %w", rv.Name(), err)
	}
	return b, nil
}

// decode reads a stored reviewer at version. Stored data was validated
// when written, so anything unexpected is corruption and an error.
func decode(data []byte, version int64) (reviewer.Reviewer, error) {
	var m peerreviewv1.Reviewer
	if err := proto.Unmarshal(data, &m); err != nil {
		return reviewer.Reviewer{}, fmt.Errorf("decode reviewer: %w", err)
	}
	id, err := resource.ParseID("name", reviewer.Collection, m.GetName())
	if err != nil {
		return reviewer.Reviewer{}, fmt.Errorf("decode reviewer %q: %w", m.GetName(), err)
	}
	rv := reviewer.Reviewer{
		ID:                      id,
		DisplayName:             m.GetDisplayName(),
		Role:                    reviewer.Role(strings.TrimPrefix(m.GetRole().String(), rolePrefix)),
		AvailableDaysPerQuarter: int(m.GetAvailableDaysPerQuarter()),
		Version:                 version,
		UpdateTime:              m.GetUpdateTime().AsTime(),
	}
	if hc := m.GetHomeCouncil(); hc != "" {
		if rv.HomeCouncil, err = resource.ParseCouncil("home_council", hc); err != nil {
			return reviewer.Reviewer{}, fmt.Errorf("decode reviewer %s: %w", m.GetName(), err)
		}
	}
	for _, t := range m.GetExpertise() {
		rv.Expertise = append(rv.Expertise, reviewer.Theme(strings.TrimPrefix(t.String(), themePrefix)))
	}
	for _, c := range m.GetConflicts() {
		gss, err := resource.ParseCouncil("conflicts", c)
		if err != nil {
			return reviewer.Reviewer{}, fmt.Errorf("decode reviewer %s: %w", m.GetName(), err)
		}
		rv.Conflicts = append(rv.Conflicts, gss)
	}
	if !rv.Role.Valid() {
		return reviewer.Reviewer{}, fmt.Errorf("decode reviewer %s: role %s", m.GetName(), m.GetRole())
	}
	return rv, nil
}
