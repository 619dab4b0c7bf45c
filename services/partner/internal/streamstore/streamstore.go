// Package streamstore reads the topic streams for the partner-events
// watch: it implements watch.Source over Redis (XRANGE for the backlog,
// XREAD BLOCK for the live tail, XREVRANGE for a stream's end), decoding
// each entry once into an eventaccess.Decoded. An entry of a type no one
// may watch, or that cannot be read, becomes an item without an event,
// which moves a watcher's position and is sent to no one.
//
// Every command reads one stream, so it runs unchanged on Redis Cluster.
package streamstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/turnaround-sli/turnaround/services/partner/internal/watch"
	"github.com/turnaround-sli/turnaround/services/platform/eventaccess"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// Streams reads topic streams. It implements watch.Source.
type Streams struct {
	st  *store.Store
	log *slog.Logger
}

var _ watch.Source = (*Streams)(nil)

// New returns the reader over st's topic streams.
func New(st *store.Store, log *slog.Logger) *Streams {
	if log == nil {
		log = slog.Default()
	}
	return &Streams{st: st, log: log}
}

func (s *Streams) key(topic string) string { return s.st.Keyspace().Topic(topic) }

// Range implements watch.Source.
func (s *Streams) Range(ctx context.Context, topic, after string, count int64) ([]watch.Item, error) {
	msgs, err := s.st.Client().XRangeN(ctx, s.key(topic), "("+after, "+", count).Result()
	if err != nil {
		return nil, fmt.Errorf("read %s after %s: %w", topic, after, err)
	}
	return s.items(ctx, topic, msgs), nil
}

// Tail implements watch.Source.
func (s *Streams) Tail(ctx context.Context, topic, after string, count int64, block time.Duration) ([]watch.Item, error) {
	res, err := s.st.BlockingClient().XRead(ctx, &redis.XReadArgs{
		Streams: []string{s.key(topic), after}, Count: count, Block: block,
	}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("tail %s after %s: %w", topic, after, err)
	}
	var out []watch.Item
	for _, r := range res {
		out = append(out, s.items(ctx, topic, r.Messages)...)
	}
	return out, nil
}

// Last implements watch.Source.
func (s *Streams) Last(ctx context.Context, topic string) (string, error) {
	msgs, err := s.st.Client().XRevRangeN(ctx, s.key(topic), "+", "-", 1).Result()
	if err != nil {
		return "", fmt.Errorf("end of %s: %w", topic, err)
	}
	if len(msgs) == 0 {
		return "0-0", nil
	}
	return msgs[0].ID, nil
}

// Kept implements watch.Source from XINFO STREAM (first-entry and
// max-deleted-entry-id); a stream that does not exist has lost nothing.
func (s *Streams) Kept(ctx context.Context, topic string) (string, string, error) {
	info, err := s.st.Client().XInfoStream(ctx, s.key(topic)).Result()
	if err != nil {
		if strings.Contains(err.Error(), "no such key") {
			return "", "0-0", nil
		}
		return "", "", fmt.Errorf("what %s keeps: %w", topic, err)
	}
	deleted := info.MaxDeletedEntryID
	if deleted == "" {
		deleted = "0-0"
	}
	return info.FirstEntry.ID, deleted, nil
}

func (s *Streams) items(ctx context.Context, topic string, msgs []redis.XMessage) []watch.Item {
	out := make([]watch.Item, len(msgs))
	for i, m := range msgs {
		out[i] = watch.Item{Topic: topic, ID: m.ID}
		e, err := events.Decode(m.Values)
		if err != nil {
			s.log.WarnContext(ctx, "partner: unreadable stream entry", "topic", topic, "id", m.ID, "error", err)
			continue
		}
		d, ok, err := eventaccess.Decode(e)
		if err != nil {
			s.log.WarnContext(ctx, "partner: unreadable event payload", "topic", topic, "id", m.ID, "event_id", e.ID, "error", err)
			continue
		}
		if ok {
			out[i].Event = d
		}
	}
	return out
}
