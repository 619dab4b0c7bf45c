package rpc

import (
	"context"

	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
)

// PagedRequest is what every List request carries (AIP-158).
type PagedRequest interface {
	GetPageSize() int32
	GetPageToken() string
}

// filtered is a List request with a filter (AIP-160).
type filtered interface{ GetFilter() string }

// ordered is a List request with an order_by (AIP-132).
type ordered interface{ GetOrderBy() string }

// Ordering is what a List method accepts in order_by: the fields it sorts
// on and the order it uses when the request names none.
type Ordering struct {
	Fields  []string
	Default string
}

// List is one List request read: its page size, its compiled filter and
// order, and, once Resume has read its page token, where its page starts.
// Every list of the suite reads its request with ReadList, checks the
// caller, calls Resume, and answers with ListPage.
type List struct {
	Size   int32
	Filter *filter.Filter
	Order  filter.Order
	Offset int64
	token  string
	pages  *paging.Codec
	query  paging.Query
}

// ReadList reads req's page size and, when the request has them, its
// filter against schema and its order_by against order (nil when the
// method has no order_by). errs are the handler's own checks of the same
// request, such as its parent: every problem comes back in one
// INVALID_ARGUMENT (a lone one as it is, with its own reason).
func ReadList(req PagedRequest, schema filter.Schema, order *Ordering, errs ...error) (List, error) {
	l := List{token: req.GetPageToken()}
	var sizeErr, filterErr, orderErr error
	l.Size, sizeErr = PageSize(req.GetPageSize())
	if fr, ok := req.(filtered); ok {
		l.Filter, filterErr = filter.Compile(fr.GetFilter(), schema)
	}
	if or, ok := req.(ordered); ok && order != nil {
		l.Order, orderErr = filter.ParseOrderBy(or.GetOrderBy(), order.Fields, order.Default)
	}
	if err := fault.Collect(append(errs, sizeErr, filterErr, orderErr)...); err != nil {
		return List{}, err
	}
	return l, nil
}

// ReadListAs is ReadList for a list whose page depends on who asks: it
// also returns the caller, who must be authenticated (see Caller).
func ReadListAs(ctx context.Context, req PagedRequest, schema filter.Schema, order *Ordering, errs ...error) (List, auth.Principal, error) {
	l, err := ReadList(req, schema, order, errs...)
	if err != nil {
		return List{}, auth.Principal{}, err
	}
	p, err := Caller(ctx)
	if err != nil {
		return List{}, auth.Principal{}, err
	}
	return l, p, nil
}

// Resume binds the list to q, whose Filter and OrderBy it sets from the
// request, and reads the page token, which must have been issued for the
// same q: a token from another list, filter, order or caller is refused.
func (l *List) Resume(pages *paging.Codec, q paging.Query) error {
	if l.Filter != nil {
		q.Filter = l.Filter.String()
	}
	if l.Order != nil {
		q.OrderBy = l.Order.String()
	}
	offset, err := pages.DecodeOffset(l.token, q)
	if err != nil {
		return err
	}
	l.Offset, l.pages, l.query = offset, pages, q
	return nil
}

// ListPage is the page of selected that l shows, each item converted with
// conv, with the next_page_token (empty on the last page) and the size of
// the whole selection.
func ListPage[T, P any](l List, selected []T, conv func(T) P) (page []P, next string, total int32) {
	start, end := l.Window(len(selected))
	page = make([]P, 0, end-start)
	for _, v := range selected[start:end] {
		page = append(page, conv(v))
	}
	return page, l.NextToken(len(selected)), int32(len(selected))
}

// Window is the part [start, end) of a selection of total items that l's
// page shows, for a list that reads only its page from the store.
func (l List) Window(total int) (start, end int) { return paging.Window(l.Offset, l.Size, total) }

// NextToken is the next_page_token after l's page of a selection of total
// items, bound to the same list, filter, order and caller; empty on the
// last page.
func (l List) NextToken(total int) string {
	return l.pages.NextOffset(l.query, l.Offset, l.Size, int64(total))
}
