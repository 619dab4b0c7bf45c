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
	"fmt"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/whatworks"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// Tag is the hash tag of every lesson key.
const Tag = "lessons"

// Lessons stores lessons. It implements whatworks.LessonStorer.
type Lessons struct {
	st      *store.Store
	codec   store.Codec[whatworks.Lesson]
	lessons *store.Collection[whatworks.Lesson]
}

var _ whatworks.LessonStorer = (*Lessons)(nil)

// New returns the lesson store over st, keeping each lesson in the stored
// form codec gives it.
func New(st *store.Store, codec store.Codec[whatworks.Lesson]) *Lessons {
	return &Lessons{st: st, codec: codec, lessons: store.NewCollection(st, codec, whatworks.ErrNotFound)}
}

func (s *Lessons) recordKey(id string) string { return s.st.Keyspace().Key(Tag, "lesson", id) }

func (s *Lessons) indexKey() string { return s.st.Keyspace().Key(Tag, "index") }

// Get implements whatworks.LessonStorer.
func (s *Lessons) Get(ctx context.Context, id string) (whatworks.Lesson, error) {
	return s.lessons.GetNamed(ctx, s.recordKey(id), "lesson "+whatworks.Name(id))
}

// All implements whatworks.LessonStorer: the index, newest first, then the
// records in one pipelined read.
func (s *Lessons) All(ctx context.Context) ([]whatworks.Lesson, error) {
	out, _, err := s.lessons.Range(ctx, s.indexKey(), 0, -1, true, s.recordKey)
	if err != nil {
		return nil, fmt.Errorf("list lessons: %w", err)
	}
	return out, nil
}

// Replay implements whatworks.LessonStorer. Request IDs are scoped by
// method and caller (change.Request.Scope); one reused for a different
// request is an INVALID_ARGUMENT fault.
func (s *Lessons) Replay(ctx context.Context, r change.Request) (whatworks.Lesson, bool, error) {
	return s.lessons.Replay(ctx, Tag, r)
}

// Create implements whatworks.LessonStorer: the lesson with its index
// entry, an audit entry naming r's caller and, when r carries a request
// ID, the response to replay, in one transaction. A lesson with the same
// ID conflicts.
func (s *Lessons) Create(ctx context.Context, l whatworks.Lesson, r change.Request) (whatworks.Lesson, error) {
	key := s.recordKey(l.ID)
	w, err := s.lessons.Put(key, l, store.MustNotExist)
	if err != nil {
		return whatworks.Lesson{}, err
	}
	idem, err := s.lessons.Idempotency(r, l, 1)
	if err != nil {
		return whatworks.Lesson{}, err
	}
	m := store.Mutation{
		Tag:         Tag,
		Writes:      []store.Write{w},
		Index:       []store.IndexOp{store.ZAdd(s.indexKey(), float64(l.CreateTime.UnixMilli()), l.ID)},
		Audit:       []store.AuditEntry{store.AuditFor(r, l.Name(), key)},
		Idempotency: idem,
	}
	return s.lessons.Commit(ctx, m, l, "create lesson "+l.Name())
}
