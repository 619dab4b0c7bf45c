package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
)

// The audit trail travels as events: Commit appends each entry to the
// aggregate's outbox with topic AuditTopic, and the relay moves it to the
// append-only stream ks.Topic(AuditTopic).
const (
	AuditTopic = "audit"
	AuditType  = "turnaround.audit.v1.AuditEntry"
)

// auditPageSize is how many stream entries ReadAudit fetches per round trip.
const auditPageSize = 256

// AuditEntry records one mutation: who made it, through which method, on
// which resource, and the etags before and after. It is encoded as JSON so
// operators can read the stream with redis-cli.
type AuditEntry struct {
	// Audit is the entry as it travels on the wire; Commit fills its Time
	// when zero.
	change.Audit
	// Key, when set, is the record key of the resource, which the mutation
	// must write: Commit then fills empty EtagBefore and EtagAfter from the
	// versions it checked and wrote, which a handler using AnyVersion
	// cannot know.
	Key string `json:"-"`
}

func (a AuditEntry) encode() ([]byte, error) {
	b, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("store: encode audit entry for %s: %w", a.Resource, err)
	}
	return b, nil
}

// ReadAudit returns up to count audit entries from the audit topic stream,
// newest first, keeping only those about resource unless resource is "".
// count <= 0 reads the whole stream. It reads what the relay has published,
// so an entry appears shortly after its commit, not at once.
func ReadAudit(ctx context.Context, c redis.Cmdable, ks keyspace.Keyspace, resource string, count int) ([]AuditEntry, error) {
	stream := ks.Topic(AuditTopic)
	var out []AuditEntry
	end := "+"
	for {
		msgs, err := c.XRevRangeN(ctx, stream, end, "-", auditPageSize).Result()
		if err != nil {
			return nil, fmt.Errorf("store: read audit stream %s: %w", stream, err)
		}
		for _, msg := range msgs {
			e, err := events.Decode(msg.Values)
			if err != nil {
				return nil, fmt.Errorf("store: audit entry %s: %w", msg.ID, err)
			}
			if e.Type != AuditType || (resource != "" && e.Subject != resource) {
				continue
			}
			var a AuditEntry
			if err := json.Unmarshal(e.Data, &a); err != nil {
				return nil, fmt.Errorf("store: audit entry %s: %w", msg.ID, err)
			}
			out = append(out, a)
			if count > 0 && len(out) == count {
				return out, nil
			}
		}
		if len(msgs) < auditPageSize {
			return out, nil
		}
		// Exclusive range (Redis 6.2+): continue below the oldest seen.
		end = "(" + msgs[len(msgs)-1].ID
	}
}
