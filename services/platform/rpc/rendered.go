package rpc

import "sync"

// Rendered keeps each record's API message for the state last rendered, so
// a record is rendered once per state rather than on every read: a page of
// 50 records otherwise builds 50 messages, their names, etags and
// timestamps on every call.
//
// A record's key (its name, or its council and ID) and its stored version
// name one state of it: every write bumps the version, and a record's ID is
// random and never issued again, so the same key and version render the
// same message. A message that shows more than the record holds (a plan's
// ratings, the day its late actions are counted on) names that too, as a
// state beside the version (GetIn). Responses share these messages; gRPC
// and the gateway only read a response they send, and nothing changes a
// message once rendered. A key keeps one entry, replaced by later versions
// and by other states of its version, never by an older version, so the
// memory kept is one message per record read.
type Rendered[K comparable, M any] struct {
	mu sync.RWMutex
	of map[K]renderedAt[M]
}

type renderedAt[M any] struct {
	version int64
	state   string
	msg     M
}

// Get returns the message kept for key at version, or render's, which it
// keeps. A record never stored (version 0) is rendered afresh.
func (r *Rendered[K, M]) Get(key K, version int64, render func() M) M {
	return r.GetIn(key, version, "", render)
}

// GetIn is Get for a message that also shows state, which the record at
// version does not hold.
func (r *Rendered[K, M]) GetIn(key K, version int64, state string, render func() M) M {
	if version <= 0 {
		return render()
	}
	r.mu.RLock()
	e, ok := r.of[key]
	r.mu.RUnlock()
	if ok && e.version == version && e.state == state {
		return e.msg
	}
	msg := render()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.of == nil {
		r.of = map[K]renderedAt[M]{}
	}
	if cur, ok := r.of[key]; !ok || cur.version <= version {
		r.of[key] = renderedAt[M]{version: version, state: state, msg: msg}
	}
	return msg
}
