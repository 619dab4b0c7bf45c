package redistest

import "github.com/redis/go-redis/v9"

// CountRoundTrips adds a RoundTrips hook to c and returns it.
func CountRoundTrips(c redis.UniversalClient) *RoundTrips {
	r := &RoundTrips{}
	c.AddHook(r)
	return r
}

// During is the number of round trips fn takes.
func (r *RoundTrips) During(fn func()) int64 {
	before := r.Count()
	fn()
	return r.Count() - before
}
