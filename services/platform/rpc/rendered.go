package rpc

import "sync"

// Rendered keeps each record's API message for the state last rendered, so
// a record is rendered once per state rather than on every read: a page of
// 50 records otherwise builds 50 messages, their names, etags and
// timestamps on every call.
//
// A record's key (its name, or its council and ID) and its state name one
// message: the state is its stored version, which every write bumps, and
// whatever else the message shows that the record does not hold (a plan's
// ratings, the day its late actions are counted on). A record's ID is random
// and never issued again, so the same key and state render the same
// message. Responses share these messages; gRPC and the gateway only read a
// response they send, and nothing changes a message once rendered. A key
// keeps one entry, the state last rendered, so the memory kept is one
// message per record read.
type Rendered[K, S comparable, M any] struct {
	mu sync.RWMutex
	of map[K]renderedAt[S, M]
}

type renderedAt[S comparable, M any] struct {
	state S
	msg   M
}

// Get returns the message kept for key in state, or render's, which it
// keeps. The zero state names no stored state (a record never stored, at
// version 0) and is rendered afresh.
func (r *Rendered[K, S, M]) Get(key K, state S, render func() M) M {
	var unstored S
	if state == unstored {
		return render()
	}
	r.mu.RLock()
	e, ok := r.of[key]
	r.mu.RUnlock()
	if ok && e.state == state {
		return e.msg
	}
	msg := render()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.of == nil {
		r.of = map[K]renderedAt[S, M]{}
	}
	r.of[key] = renderedAt[S, M]{state: state, msg: msg}
	return msg
}
