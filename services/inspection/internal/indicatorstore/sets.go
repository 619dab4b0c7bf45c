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
// that period: once per import, never on a read. The recomputation stores
// its result only if the revision did not move while it read the sets (a
// check-and-set script), so a concurrent import of the same period either
// forces a re-read or recomputes after it: the stored benchmarks never miss
// a committed set once both imports return.
//
// Idempotency. A batch's request_id is remembered under a tag of its own,
// derived from the method, the caller and the request_id, and only after
// every council committed; a retry then replays the stored response. A
// retry of a batch that failed part-way re-applies every set, which is safe
// because an import replaces a council's set for the period.
//
// Reads. Latest reads the newest set of any number of councils in two
// pipelined round trips (the period indexes, then the sets), and Benchmarks
// reads any number of periods in one, so listing risk for all 152 councils
// costs a constant number of round trips.
package indicatorstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/indicator"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// maxRecomputeAttempts bounds retries of a benchmark recomputation that
// keeps losing to concurrent imports of the same period.
const maxRecomputeAttempts = 10

// Sets stores indicator sets and benchmarks. It implements indicator.Storer.
type Sets struct {
	st  *store.Store
	now func() time.Time
	// beforeStore, when set, runs between reading a period's sets and
	// storing its benchmarks, so tests can interleave a concurrent import
	// exactly there.
	beforeStore func(indicator.Period)
}

var _ indicator.Storer = (*Sets)(nil)

// Option configures Sets.
type Option func(*Sets)

// WithClock sets the clock that stamps update times; time.Now by default.
func WithClock(now func() time.Time) Option { return func(s *Sets) { s.now = now } }

// New returns the indicator store over st.
func New(st *store.Store, opts ...Option) *Sets {
	s := &Sets{st: st, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s
}

func (s *Sets) ks() keyspace.Keyspace { return s.st.Keyspace() }

func (s *Sets) setKey(gss string, p indicator.Period) string {
	return s.ks().Key(keyspace.CouncilTag(gss), "indicatorSet", p.String())
}

func (s *Sets) periodsKey(gss string) string {
	return s.ks().Key(keyspace.CouncilTag(gss), "indicatorSets")
}

func periodTag(p indicator.Period) string { return "indicators:" + p.String() }

func (s *Sets) benchmarksKey(p indicator.Period) string {
	return s.ks().Key(periodTag(p), "benchmarks")
}

func (s *Sets) revisionKey(p indicator.Period) string {
	return s.ks().Key(periodTag(p), "revision")
}

// Import implements indicator.Storer.
func (s *Sets) Import(ctx context.Context, sets []indicator.Set, by indicator.Actor) ([]indicator.Set, error) {
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
	now := s.now().UTC()

	var errs []error
	touched := map[indicator.Period]bool{}
	for _, gss := range order {
		idx := byCouncil[gss]
		res, err := s.commitCouncil(ctx, gss, sets, idx, now, by)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, i := range idx {
			out[i].Version = res.Versions[s.setKey(gss, sets[i].Period)]
			out[i].UpdateTime = now
			touched[sets[i].Period] = true
		}
	}

	// Benchmarks follow whatever committed, even when some council failed,
	// so they never lag the stored sets.
	periods := make([]indicator.Period, 0, len(touched))
	for p := range touched {
		periods = append(periods, p)
	}
	slices.Sort(periods)
	for _, p := range periods {
		if err := s.Recompute(ctx, p); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("import indicator sets: %w", err)
	}
	return out, nil
}

// commitCouncil writes one council's sets of the batch (sets[idx]) in one
// transaction, with an audit entry for each.
func (s *Sets) commitCouncil(ctx context.Context, gss string, sets []indicator.Set, idx []int, now time.Time, by indicator.Actor) (store.Result, error) {
	m := store.Mutation{Tag: keyspace.CouncilTag(gss)}
	for _, i := range idx {
		set := sets[i]
		set.UpdateTime = now
		data, err := proto.Marshal(encodeSet(set))
		if err != nil {
			return store.Result{}, fmt.Errorf("encode indicator set %s: %w", set.ResourceName(), err)
		}
		key := s.setKey(gss, set.Period)
		m.Writes = append(m.Writes, store.Write{Key: key, Data: data, IfVersion: store.AnyVersion})
		m.Index = append(m.Index, store.ZAdd(s.periodsKey(gss), float64(set.Period), set.Period.String()))
		m.Audit = append(m.Audit, store.AuditEntry{
			Actor: by.Subject, Roles: by.Roles, Method: by.Method, Resource: set.ResourceName(),
			RequestID: by.RequestID, Time: now, Key: key,
		})
	}
	res, err := s.st.Commit(ctx, m)
	if err != nil {
		return store.Result{}, fmt.Errorf("commit indicator sets of %s: %w", gss, err)
	}
	return res, nil
}

// setIfRevision stores the benchmarks (ARGV[2]) only while the period's
// revision (KEYS[1]) is still the one read before computing them (ARGV[1]):
// a check-and-set that holds no connection while the sets are read.
var setIfRevision = redis.NewScript(`
if (redis.call('GET', KEYS[1]) or '') ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[2], ARGV[2])
return 1
`)

// Recompute recalculates the benchmarks of period p from every council's set
// of that period and stores them. Import calls it after its commits; it is
// exported for repairs after a crash between an import's commits and its
// recomputation.
//
// It bumps the period's revision, reads the revision, reads the sets, and
// stores the result only if the revision has not moved meanwhile; otherwise
// another import of p finished its commits during the read, and the sets are
// read again so that they count.
func (s *Sets) Recompute(ctx context.Context, p indicator.Period) error {
	rev := s.revisionKey(p)
	if err := s.st.Client().Incr(ctx, rev).Err(); err != nil {
		return fmt.Errorf("bump revision of %s benchmarks: %w", p, err)
	}
	for range maxRecomputeAttempts {
		seen, err := s.st.Client().Get(ctx, rev).Result()
		if err != nil {
			return fmt.Errorf("read revision of %s benchmarks: %w", p, err)
		}
		b, err := s.compute(ctx, p)
		if err != nil {
			return err
		}
		data, err := json.Marshal(b)
		if err != nil {
			return fmt.Errorf("encode %s benchmarks: %w", p, err)
		}
		if s.beforeStore != nil {
			s.beforeStore(p)
		}
		stored, err := setIfRevision.Run(ctx, s.st.Client(), []string{rev, s.benchmarksKey(p)}, seen, data).Int()
		if err != nil {
			return fmt.Errorf("store %s benchmarks: %w", p, err)
		}
		if stored == 1 {
			return nil
		}
	}
	return fmt.Errorf("recompute %s benchmarks: still contended after %d attempts: %w", p, maxRecomputeAttempts, store.ErrConflict)
}

// compute reads every council's set of period p in one pipelined round trip
// and summarises them.
func (s *Sets) compute(ctx context.Context, p indicator.Period) (indicator.Benchmarks, error) {
	councils := reference.Councils()
	keys := make([]string, len(councils))
	for i, c := range councils {
		keys[i] = s.setKey(c.GSSCode, p)
	}
	recs, err := s.st.GetMany(ctx, keys)
	if err != nil {
		return indicator.Benchmarks{}, fmt.Errorf("read %s indicator sets: %w", p, err)
	}
	sets := make([]indicator.Set, 0, len(recs))
	for _, rec := range recs {
		if !rec.Exists() {
			continue
		}
		set, err := decodeSet(rec)
		if err != nil {
			return indicator.Benchmarks{}, err
		}
		sets = append(sets, set)
	}
	return indicator.ComputeBenchmarks(p, sets), nil
}

// Get implements indicator.Storer.
func (s *Sets) Get(ctx context.Context, gss string, p indicator.Period) (indicator.Set, error) {
	rec, err := s.st.Get(ctx, s.setKey(gss, p))
	if errors.Is(err, store.ErrNotFound) {
		return indicator.Set{}, indicator.ErrNotFound
	}
	if err != nil {
		return indicator.Set{}, fmt.Errorf("get indicator set: %w", err)
	}
	return decodeSet(rec)
}

// List implements indicator.Storer with one pipelined read of the period
// index (its size and one page of it) and one of the sets on the page.
func (s *Sets) List(ctx context.Context, gss string, offset int64, limit int) ([]indicator.Set, int64, error) {
	key := s.periodsKey(gss)
	var total *redis.IntCmd
	var page *redis.StringSliceCmd
	_, err := s.st.Client().Pipelined(ctx, func(pipe redis.Pipeliner) error {
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
	sets, err := s.readSets(ctx, keys)
	if err != nil {
		return nil, 0, fmt.Errorf("list indicator sets of %s: %w", gss, err)
	}
	return sets, total.Val(), nil
}

// Latest implements indicator.Storer: one pipeline reads the newest period
// of every council asked for, a second reads those sets.
func (s *Sets) Latest(ctx context.Context, gss []string) (map[string]indicator.Set, error) {
	if len(gss) == 0 {
		return map[string]indicator.Set{}, nil
	}
	newest := make([]*redis.StringSliceCmd, len(gss))
	_, err := s.st.Client().Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i, code := range gss {
			newest[i] = pipe.ZRevRange(ctx, s.periodsKey(code), 0, 0)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read newest indicator periods: %w", err)
	}
	keys := make([]string, 0, len(gss))
	for i, cmd := range newest {
		if len(cmd.Val()) == 0 {
			continue
		}
		p, err := indicator.ParsePeriod("period", cmd.Val()[0])
		if err != nil {
			return nil, fmt.Errorf("read newest indicator period of %s: bad period %q in the index", gss[i], cmd.Val()[0])
		}
		keys = append(keys, s.setKey(gss[i], p))
	}
	sets, err := s.readSets(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("read newest indicator sets: %w", err)
	}
	out := make(map[string]indicator.Set, len(sets))
	for _, set := range sets {
		out[set.GSSCode] = set
	}
	return out, nil
}

// readSets reads and decodes the sets under keys in one pipelined round
// trip, skipping any that an index names but that no longer exist.
func (s *Sets) readSets(ctx context.Context, keys []string) ([]indicator.Set, error) {
	recs, err := s.st.GetMany(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := make([]indicator.Set, 0, len(recs))
	for _, rec := range recs {
		if !rec.Exists() {
			continue
		}
		set, err := decodeSet(rec)
		if err != nil {
			return nil, err
		}
		out = append(out, set)
	}
	return out, nil
}

// Benchmarks implements indicator.Storer with one pipelined read. A period
// that has sets but no stored benchmarks (an import stopped between its
// commits and its recomputation) is recomputed here, so the gap mends itself
// on the next read; a period without sets is left out.
func (s *Sets) Benchmarks(ctx context.Context, periods []indicator.Period) (map[indicator.Period]indicator.Benchmarks, error) {
	out := make(map[indicator.Period]indicator.Benchmarks, len(periods))
	if len(periods) == 0 {
		return out, nil
	}
	periods = slices.Compact(slices.Sorted(slices.Values(periods)))
	cmds := make([]*redis.StringCmd, len(periods))
	// The pipeline's error is redis.Nil when any period has no value; each
	// command is inspected below instead.
	_, _ = s.st.Client().Pipelined(ctx, func(pipe redis.Pipeliner) error {
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
			b, err := s.repair(ctx, p)
			if err != nil {
				return nil, err
			}
			if b != nil {
				out[p] = *b
			}
			continue
		case err != nil:
			return nil, fmt.Errorf("read %s benchmarks: %w", p, err)
		}
		var b indicator.Benchmarks
		if err := json.Unmarshal(data, &b); err != nil {
			return nil, fmt.Errorf("decode %s benchmarks: %w", p, err)
		}
		out[p] = b
	}
	return out, nil
}

// repair recomputes the missing benchmarks of p when p has sets, and
// returns nil when it has none.
func (s *Sets) repair(ctx context.Context, p indicator.Period) (*indicator.Benchmarks, error) {
	b, err := s.compute(ctx, p)
	if err != nil {
		return nil, err
	}
	if len(b.England) == 0 {
		return nil, nil
	}
	if err := s.Recompute(ctx, p); err != nil {
		return nil, err
	}
	return &b, nil
}

// batchTag is the hash tag of a batch import's idempotency record: derived
// from its scope and request_id, so batches spread over the cluster instead
// of crowding one slot.
func batchTag(scope, requestID string) string {
	h := sha256.Sum256([]byte(scope + "\x00" + requestID))
	return "indicatorImport:" + hex.EncodeToString(h[:8])
}

// ReplayImport looks up the response remembered for a batch import with
// requestID in scope. It returns false when there is none, and an error
// wrapping store.ErrRequestIDReused when requestID came with another request.
func (s *Sets) ReplayImport(ctx context.Context, scope, requestID string, req, resp proto.Message) (bool, error) {
	ok, err := s.st.ReplayProto(ctx, batchTag(scope, requestID), scope, requestID, req, resp)
	if err != nil {
		return false, fmt.Errorf("replay indicator import: %w", err)
	}
	return ok, nil
}

// RememberImport stores resp as the response to the batch import req with
// requestID in scope, after every council's sets committed. It returns an
// error wrapping store.ErrConflict when a concurrent request with the same
// request_id remembered its response first; ReplayImport then returns that.
func (s *Sets) RememberImport(ctx context.Context, scope, requestID string, req, resp proto.Message) error {
	rec, err := store.NewIdempotency(scope, requestID, req, resp)
	if err != nil || rec == nil {
		return err
	}
	if _, err := s.st.Commit(ctx, store.Mutation{Tag: batchTag(scope, requestID), Idempotency: rec}); err != nil {
		return fmt.Errorf("remember indicator import: %w", err)
	}
	return nil
}

// encodeSet is the stored form of a set: the API message without
// benchmarks and etag, which are derived on read.
func encodeSet(set indicator.Set) *inspectionv1.IndicatorSet {
	m := &inspectionv1.IndicatorSet{
		Name:       set.ResourceName(),
		Source:     set.Source,
		UpdateTime: timestamppb.New(set.UpdateTime),
		Values:     make([]*inspectionv1.IndicatorValue, len(set.Values)),
	}
	for i, v := range set.Values {
		m.Values[i] = &inspectionv1.IndicatorValue{Indicator: IndicatorProto(v.Indicator), Value: v.Value}
	}
	return m
}

func decodeSet(rec store.Record) (indicator.Set, error) {
	var m inspectionv1.IndicatorSet
	if err := proto.Unmarshal(rec.Data, &m); err != nil {
		return indicator.Set{}, fmt.Errorf("decode indicator set %s: %w", rec.Key, err)
	}
	gss, p, err := indicator.ParseName("name", m.GetName())
	if err != nil {
		return indicator.Set{}, fmt.Errorf("decode indicator set %s: %w", rec.Key, err)
	}
	set := indicator.Set{
		GSSCode: gss, Period: p, Source: m.GetSource(),
		Version: rec.Version, UpdateTime: m.GetUpdateTime().AsTime(),
		Values: make([]indicator.Value, len(m.GetValues())),
	}
	for i, v := range m.GetValues() {
		ind, ok := IndicatorFrom(v.GetIndicator())
		if !ok {
			return indicator.Set{}, fmt.Errorf("decode indicator set %s: unknown indicator %v", rec.Key, v.GetIndicator())
		}
		set.Values[i] = indicator.Value{Indicator: ind, Value: v.GetValue()}
	}
	return set, nil
}

const indicatorPrefix = "INDICATOR_"

// IndicatorProto returns the proto enum of ind (INDICATOR_UNSPECIFIED when
// ind is unknown).
func IndicatorProto(ind indicator.Indicator) inspectionv1.Indicator {
	return inspectionv1.Indicator(inspectionv1.Indicator_value[indicatorPrefix+string(ind)])
}

// IndicatorFrom returns the domain indicator of a proto enum, and false for
// INDICATOR_UNSPECIFIED or an unknown number.
func IndicatorFrom(i inspectionv1.Indicator) (indicator.Indicator, bool) {
	name, ok := inspectionv1.Indicator_name[int32(i)]
	if !ok {
		return "", false
	}
	ind := indicator.Indicator(strings.TrimPrefix(name, indicatorPrefix))
	return ind, ind.Valid()
}
