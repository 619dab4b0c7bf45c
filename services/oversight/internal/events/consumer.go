// Package events holds the oversight service's consumers: it reads every
// service's topic (inspection, peerreview, improvementplan, sponsor) and
// the audit topic, each in its own consumer group "oversight", and turns
// each event into a timeline fact (timeline.Service.Record) and each audit
// entry into an audit-trail entry (audit.Service.Record) and, for the
// changes that are steps of a council's story, a fact too.
//
// One file per event family: inspection.go, peerreview.go,
// improvementplan.go, sponsor.go and audit.go.
//
// Every write is idempotent by event id, so a redelivered event changes
// nothing twice; the consumer group also skips events it has handled. A
// domain event about a council that is not in the register goes straight
// to the group's dead-letter stream with the reason, as does one whose
// payload cannot be read. Rebuild replays the topic streams from their
// start through the same handlers.
package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
	"google.golang.org/protobuf/proto"

	"github.com/turnaround-sli/turnaround/services/oversight/internal/audit"
	"github.com/turnaround-sli/turnaround/services/oversight/internal/timeline"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// Group is the oversight service's consumer group on every topic.
const Group = "oversight"

// Topics are the streams the service reads.
var Topics = []string{"inspection", "peerreview", "improvementplan", "sponsor", store.AuditTopic}

// decoder turns a domain event into a fact; the fact's entry carries the
// event's id, time and council.
type decoder func(e events.Event) (timeline.Fact, error)

// decoders maps event types to their decoder; each family's file adds its
// own, with onCouncil.
var decoders = map[string]decoder{}

// councilMessage is an event message *T that names the council it is
// about.
type councilMessage[T any] interface {
	*T
	proto.Message
	GetLocalAuthority() string
}

// onCouncil adds the decoder of the events whose message is an M: it reads
// the message and the council it names, and fact makes the fact from them.
func onCouncil[T any, M councilMessage[T]](fact func(te timeline.Event, m M) (timeline.Fact, error)) {
	decoders[events.TypeName(M(new(T)))] = func(e events.Event) (timeline.Fact, error) {
		m := M(new(T))
		if err := e.Unmarshal(m); err != nil {
			return timeline.Fact{}, err
		}
		te, err := councilEvent(e, m.GetLocalAuthority())
		if err != nil {
			return timeline.Fact{}, err
		}
		return fact(te, m)
	}
}

// Consumer consumes the topics.
type Consumer struct {
	st       *store.Store
	timeline *timeline.Service
	audit    *audit.Service
	log      *slog.Logger
	subs     events.Consumers
	// rebuilding is set while Rebuild replays the streams: nothing is
	// waited for, as every engagement's start is replayed first.
	rebuilding atomic.Bool
}

// New returns the consumers of Topics in Group, which record into tl and
// au; opts.Group is set to Group.
func New(st *store.Store, tl *timeline.Service, au *audit.Service, log *slog.Logger, opts events.ConsumerOptions) (*Consumer, error) {
	if log == nil {
		log = slog.Default()
	}
	c := &Consumer{st: st, timeline: tl, audit: au, log: log}
	opts.Group = Group
	if opts.Logger == nil {
		opts.Logger = log
	}
	handlers := make(map[string]events.Handler, len(Topics))
	for _, topic := range Topics {
		handlers[topic] = c.live(topic)
	}
	var err error
	if c.subs, err = events.SubscribeAll(st.BlockingClient(), st.Keyspace(), handlers, opts); err != nil {
		return nil, fmt.Errorf("oversight: %w", err)
	}
	return c, nil
}

// Run consumes every topic until ctx ends.
func (c *Consumer) Run(ctx context.Context) error { return c.subs.Run(ctx) }

// errDead marks an event that can never be handled: it goes to the
// dead-letter stream with its reason at once.
type errDead struct{ reason error }

func (e errDead) Error() string { return e.reason.Error() }

// live is the handler of topic's consumer: a dead event is dead-lettered
// at once and acknowledged.
func (c *Consumer) live(topic string) events.Handler {
	return func(ctx context.Context, e events.Event) error {
		err := c.Handle(ctx, e)
		var dead errDead
		if !errors.As(err, &dead) {
			return err
		}
		return c.deadLetter(ctx, topic, e, dead.reason)
	}
}

// Handle applies one event. Events of types the service does not follow
// are ignored; an error of type errDead means the event can never be
// handled.
func (c *Consumer) Handle(ctx context.Context, e events.Event) error {
	if e.Type == store.AuditType {
		return c.handleAudit(ctx, e)
	}
	decode, ok := decoders[e.Type]
	if !ok {
		return nil
	}
	f, err := decode(e)
	if err != nil {
		return errDead{fmt.Errorf("event %s (%s): payload: %w", e.ID, e.Type, err)}
	}
	if f.Entry.ID == "" {
		return nil // an event about no council, such as an approved match run
	}
	if _, err := c.timeline.Record(ctx, f); err != nil {
		if errors.Is(err, timeline.ErrUnknownCouncil) {
			return errDead{fmt.Errorf("event %s (%s) about %s: %w", e.ID, e.Type, e.Subject, err)}
		}
		return err
	}
	return nil
}

// deadLetter puts e on the group's dead-letter stream with reason.
func (c *Consumer) deadLetter(ctx context.Context, topic string, e events.Event, reason error) error {
	v := e.Values()
	v["error"] = reason.Error()
	v["group"] = Group
	v["source"] = c.st.Keyspace().Topic(topic)
	stream := events.DeadLetterStream(c.st.Keyspace(), topic, Group)
	if err := c.st.Client().XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: v}).Err(); err != nil {
		return fmt.Errorf("oversight: dead-letter %s: %w", e.ID, err)
	}
	c.log.ErrorContext(ctx, "oversight: event moved to the dead-letter stream", "event_id", e.ID, "stream", stream, "reason", reason)
	return nil
}

// councilEvent is the envelope of a fact about the council named la
// (localAuthorities/{gss}).
func councilEvent(e events.Event, la string) (timeline.Event, error) {
	gss, ok := strings.CutPrefix(la, "localAuthorities/")
	if !ok || gss == "" || strings.Contains(gss, "/") {
		return timeline.Event{}, fmt.Errorf("local_authority %q is not a council's resource name", la)
	}
	return timeline.Event{ID: e.ID, Time: e.Time, Council: gss}, nil
}

// RebuildStats counts what a rebuild read.
type RebuildStats struct {
	Events  int
	Skipped int
}

// Rebuild replays every topic stream from its start through the handlers,
// in stream order, skipping (and counting) the events that cannot be
// handled, which went to the dead letters when first consumed. The read
// models must have been purged first for a clean rebuild; replaying onto
// existing ones changes nothing, as every write is idempotent.
func (c *Consumer) Rebuild(ctx context.Context) (RebuildStats, error) {
	c.rebuilding.Store(true)
	defer c.rebuilding.Store(false)
	var stats RebuildStats
	for _, topic := range Topics {
		stream := c.st.Keyspace().Topic(topic)
		start := "-"
		for {
			msgs, err := c.st.Client().XRangeN(ctx, stream, start, "+", 500).Result()
			if err != nil {
				return stats, fmt.Errorf("oversight: rebuild: read %s: %w", stream, err)
			}
			for _, m := range msgs {
				e, err := events.Decode(m.Values)
				if err != nil {
					stats.Skipped++
					continue
				}
				stats.Events++
				err = c.Handle(ctx, e)
				var dead errDead
				if errors.As(err, &dead) || errors.Is(err, errEngagementUnknown) {
					stats.Skipped++
					continue
				}
				if err != nil {
					return stats, err
				}
			}
			if len(msgs) < 500 {
				break
			}
			start = "(" + msgs[len(msgs)-1].ID
		}
	}
	return stats, nil
}
