package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/oversight"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// rebuilder is a component whose read models can be rebuilt from the event
// streams.
type rebuilder interface {
	Rebuild(ctx context.Context) (oversight.RebuildStats, error)
}

// rebuildTargets lists the component targets that can be rebuilt.
func rebuildTargets() []string {
	var out []string
	for _, c := range components {
		if c.target == "oversight" {
			out = append(out, c.target)
		}
	}
	return out
}

// rebuildCommand rebuilds a component's read models from the streams:
// `turnaround rebuild -target=oversight`. It needs the deployment's Redis
// (REDIS_URL) and key prefix; run it with the component's consumers
// stopped, or accept a briefly incomplete timeline while it runs.
func rebuildCommand(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("turnaround rebuild", flag.ContinueOnError)
	fs.SetOutput(out)
	target := fs.String("target", "", "component to rebuild: "+strings.Join(rebuildTargets(), ", "))
	redisURL := fs.String("redis-url", env("REDIS_URL", ""), "Redis URL of the deployment")
	prefix := fs.String("key-prefix", env("TURNAROUND_KEY_PREFIX", "ta:"), "prefix of every Redis key")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *redisURL == "" {
		return fmt.Errorf("-redis-url (REDIS_URL) is required: the streams live in the deployment's Redis")
	}
	row := -1
	for i, c := range components {
		if c.target == *target {
			row = i
		}
	}
	if row < 0 || !slices.Contains(rebuildTargets(), *target) {
		return fmt.Errorf("-target=%q: want one of %s", *target, strings.Join(rebuildTargets(), ", "))
	}
	c, err := store.Open(ctx, *redisURL)
	if err != nil {
		return err
	}
	defer c.Close()
	pages, err := paging.NewRandomCodec(time.Minute)
	if err != nil {
		return err
	}
	p := &process{log: slog.New(slog.NewJSONHandler(io.Discard, nil)), now: time.Now}
	built, err := components[row].build(p, buildEnv{store: store.New(c, keyspace.Keyspace{Prefix: *prefix}), pages: pages})
	if err != nil {
		return err
	}
	r, ok := built.(rebuilder)
	if !ok {
		return fmt.Errorf("-target=%s has no read models to rebuild", *target)
	}
	stats, err := r.Rebuild(ctx)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "rebuilt %s: %d events replayed, %d skipped (dead-lettered when first consumed)\n", *target, stats.Events, stats.Skipped)
	return err
}
