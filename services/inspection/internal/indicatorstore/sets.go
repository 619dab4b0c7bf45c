// Package indicatorstore keeps councils' indicator sets and each period's
// benchmarks in Redis, through the platform store.
//
// Layout. A council's set for a period is a versioned record under the
// council's hash tag, {la:GSS}:indicatorSet:PERIOD, and the council's periods
// are a sorted set scored by year, {la:GSS}:indicatorSets, written in the
// same transaction as the set. A period's benchmarks are one JSON value under
// the period's own tag, {indicators:PERIOD}:benchmarks, beside a revision
// counter {indicators:PERIOD}:revision.
//
// Imports. A batch commits one transaction per council (its sets, its period
// index and one audit entry per set), so each council's part is atomic; the
// batch as a whole is not, since councils live in different hash tags (and
// Redis Cluster slots). After the commits, each period touched has its
// revision bumped and its benchmarks recomputed from every council's set of
// that period by the indicator use cases, which compute them; the store
// keeps what it is given only if the revision did not move while the sets
// were read (a check-and-set script).
//
// Idempotency. A batch's answer is remembered under a tag of its own,
// derived from the method, the caller and the request_id.
//
// Reads. Latest reads the newest set of any number of councils in at most
// two pipelined round trips, and usually one: the period indexes beside the
// sets of the periods the store expects to be newest (the ones it last
// found), then the sets it did not expect. LatestWithBenchmarks adds the
// benchmarks of those periods to the same pipelines, and Benchmarks reads
// any number of periods in one, so listing risk for all 152 councils costs
// a constant number of round trips. Benchmarks read again unchanged are not
// decoded again.
package indicatorstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/redis/go-redis/v9"

	"github.com/turnaround-sli/turnaround/services/inspection/internal/indicator"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Sets stores indicator sets and benchmarks. It implements indicator.Storer.
type Sets struct {
	all *store.Collection[indicator.Set]
	// cached decodes a set read by Latest only when this process has not
	// decoded that version of it already; sets are never deleted, as
	// store.Cache requires.
	cached *store.Cache[indicator.Set]
	// newest guesses each council's newest period, for Latest.
	newest newestPeriods
	// decoded reuses the decode of benchmarks read again unchanged.
	decoded decodedBenchmarks
	// beforeStore, when set, runs before benchmarks are stored, so tests
	// can interleave a concurrent import exactly there.
	beforeStore func(indicator.Period)
}

var _ indicator.Storer = (*Sets)(nil)

// New returns the indicator store over st, storing sets in the form codec
// gives.
func New(st *store.Store, codec store.Codec[indicator.Set]) *Sets {
	all := store.NewCollection(st, codec, indicator.ErrNotFound)
	return &Sets{all: all, cached: store.NewCache(all)}
}

func (s *Sets) st() *store.Store { return s.all.Store() }

func (s *Sets) ks() keyspace.Keyspace { return s.st().Keyspace() }

func (s *Sets) setKey(gss string, p indicator.Period) string {
	return s.ks().Key(keyspace.CouncilTag(gss), "indicatorSet", p.String())
}

// setKeyShape is the shape of every set key of council gss (see
// store.Memo).
func (s *Sets) setKeyShape(gss string) string {
	return s.ks().Key(keyspace.CouncilTag(gss), "indicatorSet", store.Any)
}

// benchmarksKeyShape is the shape of every period's benchmarks key.
func (s *Sets) benchmarksKeyShape() string { return s.ks().Key(periodTagOf(store.Any), "benchmarks") }

func (s *Sets) periodsKey(gss string) string {
	return s.ks().Key(keyspace.CouncilTag(gss), "indicatorSets")
}

func periodTag(p indicator.Period) string { return periodTagOf(p.String()) }

// periodTagOf is the hash tag of a period's keys, the period written out.
func periodTagOf(period string) string { return "indicators:" + period }

func (s *Sets) benchmarksKey(p indicator.Period) string {
	return s.ks().Key(periodTag(p), "benchmarks")
}

func (s *Sets) revisionKey(p indicator.Period) string {
	return s.ks().Key(periodTag(p), "revision")
}

// Import implements indicator.Storer.
func (s *Sets) Import(ctx context.Context, sets []indicator.Set, r change.Request) ([]indicator.Set, error) {
	// Group by council, keeping each set's position for the result.
	var order []string
	byCouncil := map[string][]int{}
	for i, set := range sets {
		if _, seen := byCouncil[set.GSSCode]; !seen {
			order = append(order, set.GSSCode)
		}
		byCouncil[set.GSSCode] = append(byCouncil[set.GSSCode], i)
	}
	out := slices.Clone(sets)
	var errs []error
	for _, gss := range order {
		idx := byCouncil[gss]
		res, err := s.commitCouncil(ctx, gss, sets, idx, r)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, i := range idx {
			out[i].Version = res.Versions[s.setKey(gss, sets[i].Period)]
		}
	}
	out = slices.DeleteFunc(out, func(set indicator.Set) bool { return set.Version == 0 })
	return out, errors.Join(errs...)
}

// commitCouncil writes one council's sets of the batch (sets[idx]) in one
// transaction, with an audit entry for each.
func (s *Sets) commitCouncil(ctx context.Context, gss string, sets []indicator.Set, idx []int, r change.Request) (store.Result, error) {
	m := store.Mutation{Tag: keyspace.CouncilTag(gss)}
	for _, i := range idx {
		set := sets[i]
		key := s.setKey(gss, set.Period)
		w, err := s.all.Put(key, set, store.AnyVersion)
		if err != nil {
			return store.Result{}, err
		}
		m.Writes = append(m.Writes, w)
		m.Index = append(m.Index, store.ZAdd(s.periodsKey(gss), float64(set.Period), set.Period.String()))
		m.Audit = append(m.Audit, store.AuditEntry{
			Audit: change.Audit{
				Actor: r.Subject, Roles: r.Roles, Method: r.Method, Resource: set.ResourceName(),
				RequestID: r.RequestID, Time: set.UpdateTime,
			},
			Key: key,
		})
	}
	res, err := s.st().Commit(ctx, m)
	if err != nil {
		return store.Result{}, fmt.Errorf("commit indicator sets of %s: %w", gss, err)
	}
	return res, nil
}

// setIfRevision stores the benchmarks (ARGV[2]) only while the period's
// revision (KEYS[1]) is still the one read before computing them (ARGV[1]).
var setIfRevision = redis.NewScript(`
if (redis.call('GET', KEYS[1]) or '') ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[2], ARGV[2])
return 1
`)

// BumpRevision implements indicator.Storer.
func (s *Sets) BumpRevision(ctx context.Context, p indicator.Period) error {
	if err := s.st().Client().Incr(ctx, s.revisionKey(p)).Err(); err != nil {
		return fmt.Errorf("bump revision of %s benchmarks: %w", p, err)
	}
	return nil
}

// PeriodSets implements indicator.Storer: the revision, then every
// council's set of p in one pipelined round trip.
func (s *Sets) PeriodSets(ctx context.Context, p indicator.Period) (string, []indicator.Set, error) {
	rev, err := s.st().Client().Get(ctx, s.revisionKey(p)).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return "", nil, fmt.Errorf("read revision of %s benchmarks: %w", p, err)
	}
	councils := reference.Councils()
	keys := make([]string, len(councils))
	for i, c := range councils {
		keys[i] = s.setKey(c.GSSCode, p)
	}
	sets, err := s.all.GetMany(ctx, keys)
	if err != nil {
		return "", nil, fmt.Errorf("read %s indicator sets: %w", p, err)
	}
	return rev, sets, nil
}

// SaveBenchmarks implements indicator.Storer with a check-and-set script
// that holds no connection while the sets are read.
func (s *Sets) SaveBenchmarks(ctx context.Context, b indicator.Benchmarks, revision string) (bool, error) {
	data, err := json.Marshal(b)
	if err != nil {
		return false, fmt.Errorf("encode %s benchmarks: %w", b.Period, err)
	}
	if s.beforeStore != nil {
		s.beforeStore(b.Period)
	}
	stored, err := setIfRevision.Run(ctx, s.st().Client(), []string{s.revisionKey(b.Period), s.benchmarksKey(b.Period)}, revision, data).Int()
	if err != nil {
		return false, fmt.Errorf("store %s benchmarks: %w", b.Period, err)
	}
	return stored == 1, nil
}

// Get implements indicator.Storer.
func (s *Sets) Get(ctx context.Context, gss string, p indicator.Period) (indicator.Set, error) {
	return s.all.Get(ctx, s.setKey(gss, p))
}

// List implements indicator.Storer with one pipelined read of the period
// index (its size and one page of it) and one of the sets on the page.
func (s *Sets) List(ctx context.Context, gss string, offset int64, limit int) ([]indicator.Set, int64, error) {
	key := s.periodsKey(gss)
	var total *redis.IntCmd
	var page *redis.StringSliceCmd
	_, err := s.st().Client().Pipelined(ctx, func(pipe redis.Pipeliner) error {
		total = pipe.ZCard(ctx, key)
		page = pipe.ZRevRange(ctx, key, offset, offset+int64(limit)-1)
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list indicator sets of %s: %w", gss, err)
	}
	keys := make([]string, 0, len(page.Val()))
	for _, member := range page.Val() {
		p, err := indicator.ParsePeriod("period", member)
		if err != nil {
			return nil, 0, fmt.Errorf("list indicator sets of %s: bad period %q in the index", gss, member)
		}
		keys = append(keys, s.setKey(gss, p))
	}
	sets, err := s.all.GetMany(ctx, keys)
	if err != nil {
		return nil, 0, fmt.Errorf("list indicator sets of %s: %w", gss, err)
	}
	return sets, total.Val(), nil
}

// Latest is LatestWithBenchmarks without the benchmarks: one pipeline reads
// the period index of every council asked for beside the set of the period
// each is expected to be newest (see newestPeriods), and a second reads the
// sets of councils whose newest period was not the one expected.
func (s *Sets) Latest(ctx context.Context, gss []string) (map[string]indicator.Set, error) {
	sets, _, err := s.latest(ctx, gss, false, nil)
	return sets, err
}

// Benchmarks implements indicator.Storer with one pipelined read; a period
// without stored benchmarks is left out. Benchmarks read again unchanged
// are not decoded again (see decodedBenchmarks).
func (s *Sets) Benchmarks(ctx context.Context, periods []indicator.Period) (map[indicator.Period]indicator.Benchmarks, error) {
	out := make(map[indicator.Period]indicator.Benchmarks, len(periods))
	if len(periods) == 0 {
		return out, nil
	}
	cmds := make([]*redis.StringCmd, len(periods))
	// The pipeline's error is redis.Nil when any period has no value; each
	// command is inspected below instead.
	_, _ = s.st().Client().Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i, p := range periods {
			cmds[i] = pipe.Get(ctx, s.benchmarksKey(p))
		}
		return nil
	})
	for i, cmd := range cmds {
		p := periods[i]
		data, err := cmd.Bytes()
		switch {
		case errors.Is(err, redis.Nil):
			continue
		case err != nil:
			return nil, fmt.Errorf("read %s benchmarks: %w", p, err)
		}
		b, err := s.decoded.decode(p, data)
		if err != nil {
			return nil, fmt.Errorf("decode %s benchmarks: %w", p, err)
		}
		out[p] = b
	}
	return out, nil
}

// batchTag is the hash tag of a batch import's idempotency record: derived
// from its scope and request_id, so batches spread over the cluster instead
// of crowding one slot.
func batchTag(scope, requestID string) string {
	h := sha256.Sum256([]byte(scope + "\x00" + requestID))
	return "indicatorImport:" + hex.EncodeToString(h[:8])
}

// ReplayImport implements indicator.Storer.
func (s *Sets) ReplayImport(ctx context.Context, r change.Request) (indicator.Imported, bool, error) {
	rp, ok, err := s.st().ReplayAnswer(ctx, batchTag(r.Scope(), r.RequestID), r)
	if err != nil || !ok {
		return indicator.Imported{}, false, err
	}
	data, _, err := rp.Next()
	if err != nil {
		return indicator.Imported{}, false, err
	}
	var benchmarks []indicator.Benchmarks
	if err := json.Unmarshal(data, &benchmarks); err != nil {
		return indicator.Imported{}, false, fmt.Errorf("replay indicator import: benchmarks: %w", err)
	}
	out := indicator.Imported{Benchmarks: make(map[indicator.Period]indicator.Benchmarks, len(benchmarks))}
	for _, b := range benchmarks {
		out.Benchmarks[b.Period] = b
	}
	for rp.More() {
		set, err := s.all.Next(rp)
		if err != nil {
			return indicator.Imported{}, false, err
		}
		out.Sets = append(out.Sets, set)
	}
	return out, true, nil
}

// RememberImport implements indicator.Storer: the answer is the periods'
// benchmarks, then each set as stored.
func (s *Sets) RememberImport(ctx context.Context, r change.Request, imported indicator.Imported) error {
	if r.RequestID == "" {
		return nil
	}
	benchmarks := make([]indicator.Benchmarks, 0, len(imported.Benchmarks))
	for _, p := range slices.Sorted(maps.Keys(imported.Benchmarks)) {
		benchmarks = append(benchmarks, imported.Benchmarks[p])
	}
	data, err := json.Marshal(benchmarks)
	if err != nil {
		return fmt.Errorf("remember indicator import: %w", err)
	}
	var answer store.Answer
	answer.Add(data, 0)
	for _, set := range imported.Sets {
		if err := s.all.AddTo(&answer, set, set.Version); err != nil {
			return err
		}
	}
	if _, err := s.st().Commit(ctx, store.Mutation{Tag: batchTag(r.Scope(), r.RequestID), Idempotency: answer.Record(r)}); err != nil {
		return fmt.Errorf("remember indicator import: %w", err)
	}
	return nil
}
