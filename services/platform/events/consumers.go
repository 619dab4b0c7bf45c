package events

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
)

// Consumers are one consumer group's consumers of several topics, run
// together.
type Consumers []*Consumer

// SubscribeAll returns a consumer of each topic of handlers, which handles
// its events, for opts.Group. Nothing is read until Run.
func SubscribeAll(rdb redis.UniversalClient, ks keyspace.Keyspace, handlers map[string]Handler, opts ConsumerOptions) (Consumers, error) {
	var out Consumers
	for _, topic := range slices.Sorted(maps.Keys(handlers)) {
		c, err := Subscribe(rdb, ks, topic, handlers[topic], opts)
		if err != nil {
			return nil, fmt.Errorf("subscribe to %s: %w", topic, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// Run consumes every topic until ctx ends, then returns nil, or the errors
// that stopped a consumer early.
func (cs Consumers) Run(ctx context.Context) error {
	runs := make([]func(context.Context) error, len(cs))
	for i, c := range cs {
		runs[i] = c.Run
	}
	return RunAll(ctx, runs...)
}

// RunAll runs each of runs (consumers, relays, workers) at once until ctx
// ends, and returns nil, or the errors that stopped any of them early.
func RunAll(ctx context.Context, runs ...func(context.Context) error) error {
	var wg sync.WaitGroup
	errs := make([]error, len(runs))
	for i, run := range runs {
		wg.Go(func() { errs[i] = run(ctx) })
	}
	wg.Wait()
	return errors.Join(errs...)
}
