package rpc

import "github.com/turnaround-sli/turnaround/services/platform/paging"

// Handlers is what every set of handlers holds, embedded in its own type:
// the use cases it calls and the codec of its lists' page tokens.
type Handlers[S any] struct {
	Svc   *S
	Pages *paging.Codec
}

// Over is the handlers over the use cases svc, with page tokens from pages.
func Over[S any](svc *S, pages *paging.Codec) Handlers[S] {
	return Handlers[S]{Svc: svc, Pages: pages}
}
