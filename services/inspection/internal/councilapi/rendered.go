package councilapi

import (
	"sync"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/council"
)

// rendered keeps each council's API form at the version last rendered, so a
// council is rendered once per state rather than on every read: a page of
// 50 councils otherwise builds 50 messages, their names, etags and
// timestamps on every call. A stored council's version names one state of
// it (every write bumps it), so the same version renders the same message.
// Responses share these messages; gRPC only reads a response it sends, and
// nothing here changes one once rendered.
type rendered struct {
	mu sync.RWMutex
	of map[string]renderedCouncil // by GSS code, one entry per council
}

type renderedCouncil struct {
	version int64
	msg     *inspectionv1.LocalAuthority
}

// render returns ToProto(la), kept for la's version. A council never
// stored (version 0) is rendered afresh.
func (r *rendered) render(la council.LocalAuthority) *inspectionv1.LocalAuthority {
	if la.Version <= 0 {
		return ToProto(la)
	}
	r.mu.RLock()
	e, ok := r.of[la.GSSCode]
	r.mu.RUnlock()
	if ok && e.version == la.Version {
		return e.msg
	}
	msg := ToProto(la)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.of == nil {
		r.of = map[string]renderedCouncil{}
	}
	if cur, ok := r.of[la.GSSCode]; !ok || cur.version < la.Version {
		r.of[la.GSSCode] = renderedCouncil{version: la.Version, msg: msg}
	}
	return msg
}
