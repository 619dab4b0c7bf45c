// Package whatworksstore keeps the What Works lessons in Redis, through the
// platform store.
//
// Lessons belong to no council's aggregate: they are curated, few and read
// across the sector, so every lesson lives under one hash tag of its own,
// beside its index. A create then commits the lesson, its index entry, its
// audit entry and its idempotency record in one transaction, and a list
// costs two round trips (the index, then the records).
//
// Keys, all under the tag Tag:
//
//	{lessons}:lesson:{id}  the lesson (a record: the Lesson message and version)
//	{lessons}:index        a sorted set of lesson IDs scored by create time (ms)
package whatworksstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/whatworks"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// Tag is the hash tag of every lesson key.
const Tag = "lessons"

// themePrefix is the proto enum Theme's value prefix.
const themePrefix = "THEME_"

// Lessons stores lessons. It implements whatworks.LessonStorer.
type Lessons struct {
	st *store.Store
}

var _ whatworks.LessonStorer = (*Lessons)(nil)

// New returns the lesson store over st.
func New(st *store.Store) *Lessons { return &Lessons{st: st} }

func (s *Lessons) recordKey(id string) string { return s.st.Keyspace().Key(Tag, "lesson", id) }

func (s *Lessons) indexKey() string { return s.st.Keyspace().Key(Tag, "index") }

// Get implements whatworks.LessonStorer.
func (s *Lessons) Get(ctx context.Context, id string) (whatworks.Lesson, error) {
	rec, err := s.st.Get(ctx, s.recordKey(id))
	if errors.Is(err, store.ErrNotFound) {
		return whatworks.Lesson{}, whatworks.ErrNotFound
	}
	if err != nil {
		return whatworks.Lesson{}, fmt.Errorf("get lesson %s: %w", whatworks.Name(id), err)
	}
	return decode(rec.Data)
}

// All implements whatworks.LessonStorer: the index, newest first, then the
// records in one pipelined read.
func (s *Lessons) All(ctx context.Context) ([]whatworks.Lesson, error) {
	ids, err := s.st.Client().ZRevRange(ctx, s.indexKey(), 0, -1).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("list lessons: %w", err)
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = s.recordKey(id)
	}
	recs, err := s.st.GetMany(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("list lessons: %w", err)
	}
	out := make([]whatworks.Lesson, 0, len(recs))
	for _, rec := range recs {
		if !rec.Exists() {
			continue
		}
		l, err := decode(rec.Data)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// Replay returns the lesson a request with r's request ID created, when
// there is one. Request IDs are scoped by method and caller
// (store.IdempotencyScope); one reused for a different request is an
// INVALID_ARGUMENT fault.
func (s *Lessons) Replay(ctx context.Context, r change.Request) (whatworks.Lesson, bool, error) {
	if r.RequestID == "" {
		return whatworks.Lesson{}, false, nil
	}
	b, ok, err := s.st.Replay(ctx, Tag, store.IdempotencyScope(r.Method, r.Subject), r.RequestID, r.RequestHash)
	if err != nil || !ok {
		return whatworks.Lesson{}, false, err
	}
	l, err := decode(b)
	if err != nil {
		return whatworks.Lesson{}, false, err
	}
	return l, true, nil
}

// Create stores a new lesson with its index entry, an audit entry naming
// r's caller and, when r carries a request ID, the response to replay, in
// one transaction. A lesson with the same ID conflicts.
func (s *Lessons) Create(ctx context.Context, l whatworks.Lesson, r change.Request) (whatworks.Lesson, error) {
	data, err := marshal(l)
	if err != nil {
		return whatworks.Lesson{}, err
	}
	key := s.recordKey(l.ID)
	m := store.Mutation{
		Tag:    Tag,
		Writes: []store.Write{{Key: key, Data: data, IfVersion: store.MustNotExist}},
		Index:  []store.IndexOp{store.ZAdd(s.indexKey(), float64(l.CreateTime.UnixMilli()), l.ID)},
		Audit: []store.AuditEntry{{
			Actor: r.Subject, Roles: r.Roles, Method: r.Method, Resource: l.Name(), RequestID: r.RequestID, Key: key,
		}},
	}
	if r.RequestID != "" {
		m.Idempotency = &store.IdempotencyRecord{
			Scope: store.IdempotencyScope(r.Method, r.Subject), RequestID: r.RequestID, RequestHash: r.RequestHash, Response: data,
		}
	}
	if _, err := s.st.Commit(ctx, m); err != nil {
		return whatworks.Lesson{}, fmt.Errorf("create lesson %s: %w", l.Name(), err)
	}
	return l, nil
}

// Proto renders a lesson as the API returns it; the stored form is the
// same message.
func Proto(l whatworks.Lesson) *peerreviewv1.Lesson {
	m := &peerreviewv1.Lesson{
		Name:       l.Name(),
		Title:      l.Title,
		Theme:      peerreviewv1.Theme(peerreviewv1.Theme_value[themePrefix+string(l.Theme)]),
		Summary:    l.Summary,
		PeerReview: l.PeerReview,
		CreateTime: timestamppb.New(l.CreateTime),
	}
	if l.Council != "" {
		m.LocalAuthority = "localAuthorities/" + l.Council
		m.Region = refproto.Region(l.Region)
	}
	return m
}

func marshal(l whatworks.Lesson) ([]byte, error) {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(Proto(l))
	if err != nil {
		return nil, fmt.Errorf("encode lesson %s: %w", l.Name(), err)
	}
	return b, nil
}

func decode(data []byte) (whatworks.Lesson, error) {
	var m peerreviewv1.Lesson
	if err := proto.Unmarshal(data, &m); err != nil {
		return whatworks.Lesson{}, fmt.Errorf("decode lesson: %w", err)
	}
	id, err := resource.ParseID("name", whatworks.Collection, m.GetName())
	if err != nil {
		return whatworks.Lesson{}, fmt.Errorf("decode lesson %q: %w", m.GetName(), err)
	}
	l := whatworks.Lesson{
		ID:         id,
		Title:      m.GetTitle(),
		Theme:      reviewer.Theme(strings.TrimPrefix(m.GetTheme().String(), themePrefix)),
		Summary:    m.GetSummary(),
		PeerReview: m.GetPeerReview(),
		CreateTime: m.GetCreateTime().AsTime(),
	}
	if la := m.GetLocalAuthority(); la != "" {
		l.Council = strings.TrimPrefix(la, "localAuthorities/")
		if c, ok := reference.CouncilByCode(l.Council); ok {
			l.Region = c.Region
		}
	}
	return l, nil
}
