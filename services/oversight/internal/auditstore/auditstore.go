// Package auditstore keeps the audit trail's read model in Redis, under
// one hash tag so an entry and its indexes commit together, and a filtered
// page is one script over indexes of the same slot:
//
//	{oversight:audit}:entry:<id>                   one entry (JSON)
//	{oversight:audit}:all                          sorted set of every entry id by time (µs)
//	{oversight:audit}:la:<gss>                     the same for one council's records
//	{oversight:audit}:all:<field>:<value>          every entry with that actor, resource, method or request_id
//	{oversight:audit}:la:<gss>:<field>:<value>     the same within one council
//
// Range reads a page in two round trips whatever the trail holds: one
// script intersects the indexes the query names (when it names more than
// one), counts what lies within the time bounds and walks newest first
// from the cursor to the page's end; a pipeline then reads those entries.
package auditstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/turnaround-sli/turnaround/services/oversight/internal/audit"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// Tag is the hash tag of the trail.
const Tag = "oversight:audit"

var errNotFound = errors.New("auditstore: not found")

// Store implements audit.Storer.
type Store struct {
	st      *store.Store
	ks      keyspace.Keyspace
	entries *store.Collection[audit.Entry]
}

var _ audit.Storer = (*Store)(nil)

// New returns the store over st.
func New(st *store.Store) *Store {
	return &Store{st: st, ks: st.Keyspace(), entries: store.NewCollection(st, store.JSONCodec[audit.Entry](nil), errNotFound)}
}

func (s *Store) entryKey(id string) string { return s.ks.Key(Tag, "entry", id) }

// scope is the index scope of council gss ("" for every council).
func scope(gss string) []string {
	if gss == "" {
		return []string{"all"}
	}
	return []string{"la", gss}
}

func (s *Store) indexKey(gss string) string { return s.ks.Key(Tag, scope(gss)...) }

// termKey is the index of the entries of council gss ("" for all) whose
// field has value.
func (s *Store) termKey(gss, field, value string) string {
	return s.ks.Key(Tag, append(scope(gss), field, value)...)
}

// tmpKey holds an intersection for the length of one script.
func (s *Store) tmpKey() string { return s.ks.Key(Tag, "tmp") }

// terms are the indexed values of e.
func terms(e audit.Entry) []audit.Term {
	var out []audit.Term
	for _, t := range []audit.Term{{Field: "actor", Value: e.Actor}, {Field: "resource", Value: e.Resource},
		{Field: "method", Value: e.Method}, {Field: "request_id", Value: e.RequestID}} {
		if t.Value != "" {
			out = append(out, t)
		}
	}
	return out
}

// Add implements audit.Storer.
func (s *Store) Add(ctx context.Context, e audit.Entry) (bool, error) {
	w, err := s.entries.Put(s.entryKey(e.ID), e, store.MustNotExist)
	if err != nil {
		return false, err
	}
	score := float64(e.Time.UnixMicro())
	scopes := []string{""}
	if e.Council != "" {
		scopes = append(scopes, e.Council)
	}
	var idx []store.IndexOp
	for _, gss := range scopes {
		idx = append(idx, store.ZAdd(s.indexKey(gss), score, e.ID))
		for _, t := range terms(e) {
			idx = append(idx, store.ZAdd(s.termKey(gss, t.Field, t.Value), score, e.ID))
		}
	}
	_, err = s.st.Commit(ctx, store.Mutation{Tag: Tag, Writes: []store.Write{w}, Index: idx})
	if errors.Is(err, store.ErrConflict) {
		return false, nil // stored before: a redelivery
	}
	if err != nil {
		return false, fmt.Errorf("auditstore: add %s: %w", e.ID, err)
	}
	return true, nil
}

// rangeScript selects a page from sorted sets of the same slot.
// KEYS: the n index keys to intersect (n >= 1), then a scratch key.
// ARGV: the lowest and highest score ("-inf"/"+inf" for none), the page
// size, and the cursor's score and id ("" for the first page).
// It returns the count within the scores, then the page's ids newest
// first. Members of equal score come in reverse byte order, which the
// cursor follows: after (score, id) come lower scores, and equal ones
// with a smaller id.
var rangeScript = redis.NewScript(`
local n = #KEYS - 1
local src = KEYS[1]
if n > 1 then
  local args = {KEYS[n + 1], n}
  for i = 1, n do args[#args + 1] = KEYS[i] end
  args[#args + 1] = 'AGGREGATE'
  args[#args + 1] = 'MAX'
  redis.call('ZINTERSTORE', unpack(args))
  src = KEYS[n + 1]
end
local lo, hi, limit = ARGV[1], ARGV[2], tonumber(ARGV[3])
local total = redis.call('ZCOUNT', src, lo, hi)
local out = {total}
local cscore, cid = ARGV[4], ARGV[5]
if cscore ~= '' then
  local c = tonumber(cscore)
  if hi == '+inf' or tonumber(hi) > c then hi = cscore end
end
local offset = 0
while #out - 1 < limit do
  local batch = redis.call('ZREVRANGEBYSCORE', src, hi, lo, 'WITHSCORES', 'LIMIT', offset, limit)
  if #batch == 0 then break end
  for i = 1, #batch, 2 do
    local m, sc = batch[i], batch[i + 1]
    if cscore == '' or tonumber(sc) < tonumber(cscore) or m < cid then
      out[#out + 1] = m
      if #out - 1 == limit then break end
    end
  end
  if #batch < 2 * limit then break end
  offset = offset + limit
end
if n > 1 then redis.call('DEL', KEYS[n + 1]) end
return out
`)

// Range implements audit.Storer in two round trips: the script, then the
// entries.
func (s *Store) Range(ctx context.Context, r audit.Range) ([]audit.Entry, int, error) {
	keys := []string{s.indexKey(r.Council)}
	if len(r.Terms) > 0 {
		keys = keys[:0]
		for _, t := range r.Terms {
			keys = append(keys, s.termKey(r.Council, t.Field, t.Value))
		}
	}
	keys = append(keys, s.tmpKey())
	lo, hi := "-inf", "+inf"
	if r.From > 0 {
		lo = strconv.FormatInt(r.From, 10)
	}
	if r.To > 0 {
		hi = strconv.FormatInt(r.To, 10)
	}
	cscore, cid := "", ""
	if r.After != nil {
		cscore, cid = strconv.FormatInt(r.After.Micros, 10), r.After.ID
	}
	res, err := rangeScript.Run(ctx, s.st.Client(), keys, lo, hi, r.Limit, cscore, cid).Slice()
	if err != nil {
		return nil, 0, fmt.Errorf("auditstore: range: %w", err)
	}
	if len(res) == 0 {
		return nil, 0, errors.New("auditstore: range: empty reply")
	}
	total, _ := res[0].(int64)
	ids := make([]string, 0, len(res)-1)
	for _, v := range res[1:] {
		id, _ := v.(string)
		ids = append(ids, s.entryKey(id))
	}
	if len(ids) == 0 {
		return nil, int(total), nil
	}
	out, err := s.entries.GetMany(ctx, ids)
	if err != nil {
		return nil, 0, fmt.Errorf("auditstore: range: %w", err)
	}
	return out, int(total), nil
}

// Purge deletes the trail's read model, for a rebuild.
func (s *Store) Purge(ctx context.Context) error {
	c := s.st.Client()
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, s.ks.Key(Tag)+"*", 500).Result()
		if err != nil {
			return fmt.Errorf("auditstore: purge: %w", err)
		}
		if len(keys) > 0 {
			if err := c.Del(ctx, keys...).Err(); err != nil {
				return fmt.Errorf("auditstore: purge: %w", err)
			}
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}
