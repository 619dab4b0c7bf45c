package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// benchRecord stands in for a council-owned aggregate such as a plan: a
// few fields, a list of nested records and a map, about 1 KB of JSON.
type benchRecord struct {
	GSS, ID, State string
	Items          []benchItem
	Grades         map[string]string
	Version        int64 `json:"-"`
}

type benchItem struct {
	ID, Title, Status string
	Notes             []string
}

func (r benchRecord) clone() benchRecord {
	items := make([]benchItem, len(r.Items))
	for i, it := range r.Items {
		it.Notes = append([]string(nil), it.Notes...)
		items[i] = it
	}
	r.Items = items
	grades := make(map[string]string, len(r.Grades))
	for k, v := range r.Grades {
		grades[k] = v
	}
	r.Grades = grades
	return r
}

// BenchmarkListEveryCouncil measures a list of every council's records
// (what ListImprovementPlans, ListSponsorNeeds and ListPeerReviews read) on
// the Redis at REDIS_URL, 300 records of about 1 KB of JSON over 100
// councils, from parallel callers: "collection" reads and decodes every
// record on every call (Collection.InCouncils), "cache" takes unchanged
// records from memory (Cache.InCouncils). Compare runs with benchstat;
// there is no timed assertion anywhere.
//
//	go test -run '^$' -bench BenchmarkListEveryCouncil -benchmem ./services/platform/store/
func BenchmarkListEveryCouncil(b *testing.B) {
	c, ks := redistest.New(b)
	st := store.New(c, ks)
	ctx := context.Background()
	codec := store.JSONCodec(func(r *benchRecord, v int64) { r.Version = v })
	recordKey := func(gss, id string) string { return ks.Key(keyspace.CouncilTag(gss), "benchRecord", id) }
	indexKey := func(gss string) string { return ks.Key(keyspace.CouncilTag(gss), "benchRecords") }
	councils := reference.Councils()[:100]
	const records = 300
	for i := range records {
		gss := councils[i%len(councils)].GSSCode
		r := benchRecord{GSS: gss, ID: fmt.Sprint("r", i), State: "OPEN", Grades: map[string]string{"HELP_AND_PROTECTION": "INADEQUATE", "LEADERSHIP": "REQUIRES_IMPROVEMENT"}}
		for j := range 4 {
			r.Items = append(r.Items, benchItem{ID: fmt.Sprint("a", j), Title: "Reduce the caseloads of social workers in the assessment teams", Status: "IN_PROGRESS", Notes: []string{"Audit of 40 cases in March.", "Caseloads below 18 in two teams."}})
		}
		data, err := json.Marshal(r)
		if err != nil {
			b.Fatal(err)
		}
		_, err = st.Commit(ctx, store.Mutation{Tag: keyspace.CouncilTag(gss), Writes: []store.Write{{Key: recordKey(gss, r.ID), Data: data}},
			Index: []store.IndexOp{store.SAdd(indexKey(gss), r.ID)}})
		if err != nil {
			b.Fatal(err)
		}
	}
	coll := store.NewCollection(st, codec, errors.New("not found"))
	cache := store.NewCache(coll).Copying(benchRecord.clone)
	for _, bc := range []struct {
		name string
		list func() ([]benchRecord, error)
	}{
		{"collection", func() ([]benchRecord, error) {
			return coll.InCouncils(ctx, resource.AllCouncils, indexKey, recordKey)
		}},
		{"cache", func() ([]benchRecord, error) {
			return cache.InCouncils(ctx, resource.AllCouncils, indexKey, recordKey)
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					got, err := bc.list()
					if err != nil || len(got) != records {
						b.Errorf("listed %d records, %v; want %d", len(got), err, records)
						return
					}
				}
			})
		})
	}
}
