package councilstore

import (
	"github.com/turnaround-sli/turnaround/services/inspection/internal/council"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// In queues the read of council gss in rs, whose hash tag must be the
// council's (keyspace.CouncilTag), so a change of another record of the
// council reads the council in the same round trip as its own records.
func (c *Councils) In(rs *store.Reads, gss string) store.Pending[council.LocalAuthority] {
	return c.all.In(rs, c.recordKey(gss))
}
