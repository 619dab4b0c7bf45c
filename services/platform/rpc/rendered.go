package rpc

import "sync"

// Rendered keeps each record's API message at the version last rendered,
// so a record is rendered once per state rather than on every read: a page
// of 50 records otherwise builds 50 messages, their names, etags and
// timestamps on every call.
//
// A record's key (its name, or its council and ID) and its stored version
// name one state of it: every write bumps the version, and a record's ID is
// random and never issued again, so the same key and version render the
// same message. Responses share these messages; gRPC and the gateway only
// read a response they send, and nothing changes a message once rendered.
// A key gets one entry, replaced by later versions, so the memory kept is
// one message per record read.
type Rendered[K comparable, M any] struct {
	mu sync.RWMutex
	of map[K]renderedAt[M]
}

type renderedAt[M any] struct {
	version int64
	msg     M
}

// Get returns the message kept for key at version, or render's, which it
// keeps. A record never stored (version 0) is rendered afresh.
func (r *Rendered[K, M]) Get(key K, version int64, render func() M) M {
	if version <= 0 {
		return render()
	}
	r.mu.RLock()
	e, ok := r.of[key]
	r.mu.RUnlock()
	if ok && e.version == version {
		return e.msg
	}
	msg := render()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.of == nil {
		r.of = map[K]renderedAt[M]{}
	}
	if cur, ok := r.of[key]; !ok || cur.version < version {
		r.of[key] = renderedAt[M]{version: version, msg: msg}
	}
	return msg
}
