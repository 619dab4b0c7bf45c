package store_test

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
)

// publishLike is the mutation shape of PublishJudgement, the write the
// suite's bench measures: one record pinned to the version read, its audit
// entry (etags filled by Commit), one event and the idempotency record.
func publishLike(ks keyspace.Keyspace, tag, key string, read int64, n int64) store.Mutation {
	return store.Mutation{
		Tag:    tag,
		Writes: []store.Write{{Key: key, Data: []byte("inspection " + strconv.FormatInt(n, 10)), IfVersion: read}},
		Audit: []store.AuditEntry{{
			Audit: change.Audit{
				Actor: "bench", Roles: []string{"ofsted_inspector"}, Method: "/bench.v1.Bench/Publish",
				Resource: key, RequestID: "r" + strconv.FormatInt(n, 10),
			},
			Key: key,
		}},
		Events: []events.Event{{Topic: "inspection", Type: "bench.v1.Published", Subject: key, Data: []byte("payload")}},
		Idempotency: &store.IdempotencyRecord{
			Scope: "/bench.v1.Bench/Publish bench", RequestID: "r" + strconv.FormatInt(n, 10),
			RequestHash: []byte("hash"), Response: []byte("response"),
		},
	}
}

// BenchmarkCommit measures commits per second of the PublishJudgement shape
// on the Redis at REDIS_URL: "serial" is one writer (the latency of a commit,
// which the number of round trips dominates), "concurrent" is 50 writers over
// 50 councils (the throughput `make bench` sees, where pooled connections are
// the scarce resource). Compare runs with benchstat; there is no timed
// assertion anywhere.
//
//	go test -run '^$' -bench BenchmarkCommit -benchtime 3s ./services/platform/store/
func BenchmarkCommit(b *testing.B) {
	c, ks := redistest.New(b)
	// Idempotency records expire soon after the run, so the tens of
	// thousands it leaves do not outlast it (the commits are otherwise the
	// same: PEXPIRE takes any TTL).
	s := store.New(c, ks, store.WithIdempotencyTTL(time.Second))
	ctx := context.Background()
	// Every run of a sub-benchmark writes fresh keys: the framework calls
	// it several times while it sizes b.N.
	var seq, runs atomic.Int64

	b.Run("serial", func(b *testing.B) {
		tag := keyspace.CouncilTag("E08000017")
		key := ks.Key(tag, "inspection", "serial", strconv.FormatInt(runs.Add(1), 10))
		var read int64
		b.ReportAllocs()
		for b.Loop() {
			n := seq.Add(1)
			if _, err := s.Commit(ctx, publishLike(ks, tag, key, read, n)); err != nil {
				b.Fatal(err)
			}
			read++
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
	})

	b.Run("concurrent", func(b *testing.B) {
		var writer atomic.Int64
		run := strconv.FormatInt(runs.Add(1), 10)
		b.SetParallelism(max(1, 50/runtime.GOMAXPROCS(0)))
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			w := writer.Add(1)
			tag := keyspace.CouncilTag(fmt.Sprintf("E%08d", w))
			key := ks.Key(tag, "inspection", "concurrent", run)
			var read int64
			for pb.Next() {
				n := seq.Add(1)
				if _, err := s.Commit(ctx, publishLike(ks, tag, key, read, n)); err != nil {
					b.Error(err)
					return
				}
				read++
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
	})
}
