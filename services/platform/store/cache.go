package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/turnaround-sli/turnaround/services/platform/resource"
)

// Cache is a Collection whose decoded aggregates are kept in memory, for
// list reads that would otherwise fetch and decode every record on every
// call (every page of councils, plans, needs or reviews reads all of them).
//
// It never serves data older than the last committed write a caller has
// seen: every read asks Redis, for each record it returns, whether the
// record is still the state the cache holds, and takes the record's data
// (to decode) only when it is not, all in one pipelined round trip. A state
// is named by the record's version, which Commit bumps with every write,
// and by its incarnation, a random token the cache gives a record the first
// time it reads it (the field "inc" of the record's hash, which writes keep
// and a delete removes). A record deleted and created again starts again at
// version 1, so the version alone could name two different records; the
// incarnation tells them apart, so a cache is right for records that are
// deleted as well as for those that never are. Replicas of a service each
// keep their own Cache and each check Redis on every read, so a write
// through any replica is seen by all. Giving a record its incarnation is
// the one write a read makes, once per record (HSET of "inc", replicated
// like any write); the other fields and the version are left as they are.
//
// With the Store's Tracker, a list across councils, a set's members and a
// record's Get that were read before are answered from memory after one
// PING while Redis has announced no change to any of their keys (see Memo),
// which keeps the same promise.
//
// A cache holds the last state it read of every record it was asked for
// and drops one when a read finds it gone. A cache made with Copying hands
// out copies, so a caller that changes one does not change what later
// reads return.
type Cache[T any] struct {
	c     *Collection[T]
	clone func(T) T
	// checkKnown holds the address of every server that has run
	// checkScript for this cache ("" off Cluster; see eval).
	checkKnown sync.Map

	mu sync.Mutex
	at map[string]cached[T]
	// lists and gets answer again, with a Tracker, the lists and records
	// read before while none of their keys changed.
	lists *Memo[[]T]
	gets  *Memo[T]
}

type cached[T any] struct {
	version     int64
	incarnation string
	// data is the stored form v was decoded from, which Get compares (it
	// reads no incarnation).
	data []byte
	v    T
}

// fieldIncarnation is the record field holding a record's incarnation.
const fieldIncarnation = "inc"

// NewCache returns an empty cache over c. It hands out the aggregates it
// holds as they are: use Copying for aggregates holding slices or maps
// that a caller might change.
func NewCache[T any](c *Collection[T]) *Cache[T] {
	ca := &Cache[T]{c: c, at: map[string]cached[T]{}, gets: NewMemo[T](c.st)}
	// A list handed out is the caller's to sort, so each gets its own.
	ca.lists = NewMemo[[]T](c.st).Copying(ca.outAll)
	return ca
}

// Copying makes the cache hand out clone(v) for every aggregate v it
// holds, and returns it. clone must return a value sharing no memory that
// a caller could change with v (a deep copy).
func (ca *Cache[T]) Copying(clone func(T) T) *Cache[T] {
	ca.clone = clone
	ca.gets.Copying(clone)
	return ca
}

// checkScript checks the records KEYS, given what the cache holds of each
// (ARGV[2i], ARGV[2i+1]: version and incarnation, both "" when nothing),
// and returns per key: nothing when the record does not exist, 1 when it is
// the state the cache holds, and {version, incarnation, data} otherwise. A record without an incarnation gets
// ARGV[1]..":"..i, so it is named apart from any earlier record under the
// same key. Every key is on one server (on Redis Cluster, shares one hash
// tag).
var checkScript = redis.NewScript(strings.NewReplacer(
	"{{data}}", fieldData,
	"{{version}}", fieldVersion,
	"{{inc}}", fieldIncarnation,
).Replace(`
local out = {}
for i, key in ipairs(KEYS) do
  local r = redis.call('HMGET', key, '{{version}}', '{{inc}}')
  local v, inc = r[1], r[2]
  if not v then
    out[i] = false
  else
    if not inc then
      inc = ARGV[1] .. ':' .. i
      redis.call('HSET', key, '{{inc}}', inc)
    end
    if v == ARGV[2 * i] and inc == ARGV[2 * i + 1] then
      out[i] = 1
    else
      out[i] = {v, inc, redis.call('HGET', key, '{{data}}')}
    end
  end
end
return out
`))

// Members is Collection.Members through the cache: the aggregates of the
// set's members, ordered by member, in two round trips (the set, then the
// records) whatever the number of members, or, with a Tracker, one (a PING)
// while neither the set nor a member's record changed (see Memo).
func (ca *Cache[T]) Members(ctx context.Context, setKey string, keyOf func(member string) string) ([]T, error) {
	keys := func() []string { return []string{setKey, keyOf(Any)} }
	return ca.lists.Read(ctx, setKey, keys, func() ([]T, error) {
		return ca.members(ctx, setKey, keyOf)
	})
}

func (ca *Cache[T]) members(ctx context.Context, setKey string, keyOf func(member string) string) ([]T, error) {
	members, err := ca.c.st.c.SMembers(ctx, setKey).Result()
	if err != nil {
		return nil, fmt.Errorf("store: members of %s: %w", setKey, err)
	}
	slices.Sort(members)
	return ca.GetMany(ctx, keysOf(members, keyOf))
}

// InCouncils is Collection.InCouncils through the cache: the records a
// council's index set lists, or every council's when gss is
// resource.AllCouncils, in no particular order, in two round trips: the
// index sets (one pipeline of SMEMBERS, see Store.CouncilMembers), then the
// records. Every council's list, with a Tracker, is one round trip (a PING)
// while none of its keys changed (see Memo).
func (ca *Cache[T]) InCouncils(ctx context.Context, gss string, indexKey func(gss string) string, recordKey func(gss, id string) string) ([]T, error) {
	read := func() ([]T, error) {
		keys, err := ca.c.st.CouncilMembers(ctx, gss, indexKey, recordKey)
		if err != nil {
			return nil, err
		}
		return ca.GetMany(ctx, keys)
	}
	if gss != resource.AllCouncils {
		// One council's list is one set and its records: cheap to read, and
		// not worth a watch per council.
		return read()
	}
	keys := func() []string { return []string{indexKey(Any), recordKey(Any, Any)} }
	return ca.lists.Read(ctx, indexKey(gss), keys, read)
}

// outAll is a new slice of out(v) for every v of vals.
func (ca *Cache[T]) outAll(vals []T) []T {
	out := make([]T, len(vals))
	for i, v := range vals {
		out[i] = ca.out(v)
	}
	return out
}

// GetMany is Collection.GetMany through the cache: the records under keys,
// in their order, leaving out keys that hold nothing, in one round trip
// that carries the data of only the records that changed since this cache
// last read them: one script over every key, or on Redis Cluster one per
// hash tag, in one pipeline.
func (ca *Cache[T]) GetMany(ctx context.Context, keys []string) ([]T, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	groups := [][]int{make([]int, len(keys))}
	if _, cluster := ca.c.st.c.(*redis.ClusterClient); cluster {
		groups = byTag(keys)
	} else {
		for i := range keys {
			groups[0][i] = i
		}
	}
	calls := make([]scriptCall, len(groups))
	held := make([]cached[T], len(keys))
	base := newIncarnation()
	ca.mu.Lock()
	for g, idx := range groups {
		c := scriptCall{keys: make([]string, 0, len(idx)), args: make([]any, 1, 1+2*len(idx))}
		c.args[0] = base
		for _, i := range idx {
			held[i] = ca.at[keys[i]]
			c.keys = append(c.keys, keys[i])
			c.args = append(c.args, strconv.FormatInt(held[i].version, 10), held[i].incarnation)
		}
		calls[g] = c
	}
	ca.mu.Unlock()
	cmds, err := ca.eval(ctx, checkScript, &ca.checkKnown, calls)
	if err != nil {
		return nil, fmt.Errorf("store: read %d records: %w", len(keys), err)
	}
	found := make([]T, len(keys))
	exists := make([]bool, len(keys))
	for g, idx := range groups {
		replies, err := cmds[g].Slice()
		if err != nil {
			return nil, fmt.Errorf("store: read %d records: %w", len(idx), err)
		}
		if len(replies) > len(idx) {
			return nil, fmt.Errorf("store: read %d records: %d replies", len(idx), len(replies))
		}
		for j, i := range idx {
			if j >= len(replies) || replies[j] == nil {
				ca.forget(keys[i])
				continue
			}
			v, err := ca.take(keys[i], held[i], replies[j])
			if err != nil {
				return nil, err
			}
			found[i], exists[i] = v, true
		}
	}
	out := make([]T, 0, len(keys))
	for i := range keys {
		if exists[i] {
			out = append(out, found[i])
		}
	}
	return out, nil
}

// scriptCall is one run of a script: its keys and arguments.
type scriptCall struct {
	keys []string
	args []any
}

// eval runs script once per call, in one pipeline: by its SHA1 on a server
// known to have run it, and by its source on any other (so a server that
// never saw it needs no extra round trip), and by its source again, for
// every call, when a server has forgotten it (a restart or a failover). On
// Redis Cluster each call goes to the primary of its keys' slot, so which
// servers know the script is kept per server.
func (ca *Cache[T]) eval(ctx context.Context, script *redis.Script, known *sync.Map, calls []scriptCall) ([]*redis.Cmd, error) {
	servers := make([]string, len(calls))
	if cc, ok := ca.c.st.c.(*redis.ClusterClient); ok {
		for i, c := range calls {
			if node, err := cc.MasterForKey(ctx, c.keys[0]); err == nil {
				servers[i] = node.Options().Addr
			}
		}
	}
	cmds := make([]*redis.Cmd, len(calls))
	send := func(bySHA func(i int) bool) error {
		_, err := ca.c.st.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, c := range calls {
				if bySHA(i) {
					cmds[i] = script.EvalSha(ctx, p, c.keys, c.args...)
				} else {
					cmds[i] = script.Eval(ctx, p, c.keys, c.args...)
				}
			}
			return nil
		})
		return err
	}
	err := send(func(i int) bool { _, ok := known.Load(servers[i]); return ok })
	if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
		err = send(func(int) bool { return false })
	}
	if err != nil {
		return nil, err
	}
	for _, s := range servers {
		known.Store(s, struct{}{})
	}
	return cmds, nil
}

// take returns the aggregate of one reply of checkScript for key: the one
// held (what the cache held when the read began, whose version and
// incarnation the script was given) when the reply says it is unchanged,
// or else the reply's data decoded, which it caches unless a
// concurrent read cached a later state of the same incarnation meanwhile.
func (ca *Cache[T]) take(key string, held cached[T], reply any) (T, error) {
	var zero T
	if n, ok := reply.(int64); ok && n == 1 {
		return ca.out(held.v), nil
	}
	parts, ok := reply.([]any)
	if !ok || len(parts) != 3 {
		return zero, fmt.Errorf("store: record %s: unexpected reply %v", key, reply)
	}
	version, _ := parts[0].(string)
	incarnation, _ := parts[1].(string)
	data, _ := parts[2].(string)
	n, err := strconv.ParseInt(version, 10, 64)
	if err != nil {
		return zero, fmt.Errorf("store: version of %s: %w", key, err)
	}
	rec := Record{Key: key, Data: []byte(data), Version: n}
	v, _, err := ca.c.decoded(rec)
	if err != nil {
		return zero, err
	}
	ca.mu.Lock()
	if cur, ok := ca.at[key]; !ok || cur.incarnation != incarnation || cur.version < n {
		ca.at[key] = cached[T]{version: n, incarnation: incarnation, data: rec.Data, v: v}
	}
	ca.mu.Unlock()
	return ca.out(v), nil
}

// forget drops key, which holds nothing now.
func (ca *Cache[T]) forget(key string) {
	ca.mu.Lock()
	delete(ca.at, key)
	ca.mu.Unlock()
}

func (ca *Cache[T]) out(v T) T {
	if ca.clone == nil {
		return v
	}
	return ca.clone(v)
}

// byTag groups the indexes of keys by hash tag (the Redis Cluster rule:
// the text between the first "{" and the next "}", when not empty, and
// otherwise the whole key), in the order each tag first appears.
func byTag(keys []string) [][]int {
	at := map[string]int{}
	var groups [][]int
	for i, k := range keys {
		t, ok := hashTag(k)
		if !ok {
			t = "\x00" + k // no tag: a group of its own
		}
		g, ok := at[t]
		if !ok {
			g = len(groups)
			at[t] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], i)
	}
	return groups
}

// newIncarnation returns a random token, which checkScript extends per key.
func newIncarnation() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
