package store

import (
	"context"

	"github.com/redis/go-redis/v9"

	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// CouncilMembers returns the record keys, recordKey(gss, id), of the IDs in
// the council's index set, indexKey(gss), or in every council's when gss
// is resource.AllCouncils, in one pipeline of SMEMBERS. Each index set is
// read on its own, so no command spans two hash tags and the read works
// unchanged on Redis Cluster.
func (s *Store) CouncilMembers(ctx context.Context, gss string, indexKey func(gss string) string, recordKey func(gss, id string) string) ([]string, error) {
	codes := []string{gss}
	if gss == resource.AllCouncils {
		codes = codes[:0]
		for _, c := range reference.Councils() {
			codes = append(codes, c.GSSCode)
		}
	}
	cmds := make([]*redis.StringSliceCmd, len(codes))
	_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, code := range codes {
			cmds[i] = p.SMembers(ctx, indexKey(code))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var keys []string
	for i, cmd := range cmds {
		for _, id := range cmd.Val() {
			keys = append(keys, recordKey(codes[i], id))
		}
	}
	return keys, nil
}

// InCouncils returns the records a council's index set lists, or every
// council's when gss is resource.AllCouncils, in two round trips
// (CouncilMembers, then GetMany), in no particular order.
func (c *Collection[T]) InCouncils(ctx context.Context, gss string, indexKey func(gss string) string, recordKey func(gss, id string) string) ([]T, error) {
	keys, err := c.st.CouncilMembers(ctx, gss, indexKey, recordKey)
	if err != nil {
		return nil, err
	}
	return c.GetMany(ctx, keys)
}
