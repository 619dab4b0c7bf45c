package rpc

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
)

// listRequest is a List request with a filter and an order_by.
type listRequest struct {
	size          int32
	token, f, ord string
}

func (r listRequest) GetPageSize() int32   { return r.size }
func (r listRequest) GetPageToken() string { return r.token }
func (r listRequest) GetFilter() string    { return r.f }
func (r listRequest) GetOrderBy() string   { return r.ord }

// tokenRequest is a List request with a page token and neither a filter
// nor an order.
type tokenRequest struct {
	size  int32
	token string
}

func (r tokenRequest) GetPageSize() int32   { return r.size }
func (r tokenRequest) GetPageToken() string { return r.token }

// plainRequest is a List request with neither.
type plainRequest struct{ size int32 }

func (r plainRequest) GetPageSize() int32   { return r.size }
func (r plainRequest) GetPageToken() string { return "" }

var listSchema = filter.Schema{"region": {Type: filter.Enum, Values: []string{"LONDON", "EAST"}}}

var listOrdering = &Ordering{Fields: []string{"name", "region"}, Default: "name"}

func TestReadListReportsEveryProblemOnce(t *testing.T) {
	var pv fault.Violations
	pv.Add("parent", "is not a council")
	parentErr := pv.Err()
	_, err := ReadList(listRequest{size: -1, f: "colour = red", ord: "zzz"}, listSchema, listOrdering, parentErr)
	f, ok := fault.As(err)
	if !ok || f.Kind != fault.KindInvalid {
		t.Fatalf("ReadList: %v, want INVALID_ARGUMENT", err)
	}
	var fields []string
	for _, v := range f.Violations {
		fields = append(fields, v.Field)
	}
	slices.Sort(fields)
	if want := []string{"filter", "order_by", "page_size", "parent"}; !slices.Equal(fields, want) {
		t.Errorf("violations on %v, want %v", fields, want)
	}
}

func TestReadListWithoutFilterOrOrder(t *testing.T) {
	l, err := ReadList(plainRequest{size: 0}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if l.Size != DefaultPageSize || l.Filter != nil || l.Order != nil {
		t.Errorf("ReadList of a plain request: %+v", l)
	}
}

func TestListPagesThroughTheSelection(t *testing.T) {
	pages, err := paging.NewRandomCodec(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	selected := make([]int, 7)
	for i := range selected {
		selected[i] = i
	}
	q := paging.Query{Method: "List", Parent: "p"}
	var got []string
	token := ""
	for range 10 {
		l, err := ReadList(listRequest{size: 3, token: token, f: `region = "LONDON"`, ord: "region"}, listSchema, listOrdering)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Resume(pages, q); err != nil {
			t.Fatal(err)
		}
		page, next, total := ListPage(l, selected, strconv.Itoa)
		if total != 7 {
			t.Errorf("total %d, want 7", total)
		}
		got = append(got, page...)
		if token = next; token == "" {
			break
		}
	}
	if want := []string{"0", "1", "2", "3", "4", "5", "6"}; !slices.Equal(got, want) {
		t.Errorf("pages gave %v, want %v", got, want)
	}
}

func TestResumeRefusesATokenOfAnotherQuery(t *testing.T) {
	pages, err := paging.NewRandomCodec(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	l, err := ReadList(listRequest{size: 2, f: `region = "LONDON"`}, listSchema, listOrdering)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Resume(pages, paging.Query{Method: "List"}); err != nil {
		t.Fatal(err)
	}
	_, next, _ := ListPage(l, []int{1, 2, 3}, func(i int) int { return i })
	if next == "" {
		t.Fatal("no next page token")
	}
	// The same token with another filter, then another order, then
	// another list.
	for _, r := range []listRequest{
		{size: 2, token: next, f: `region = "EAST"`},
		{size: 2, token: next, f: `region = "LONDON"`, ord: "region"},
	} {
		other, err := ReadList(r, listSchema, listOrdering)
		if err != nil {
			t.Fatal(err)
		}
		if err := other.Resume(pages, paging.Query{Method: "List"}); !fault.IsKind(err, fault.KindInvalid) {
			t.Errorf("a token resumed with filter %q order %q: %v, want INVALID_ARGUMENT", r.f, r.ord, err)
		}
	}
	same, _ := ReadList(listRequest{size: 2, token: next, f: `region = "LONDON"`}, listSchema, listOrdering)
	if err := same.Resume(pages, paging.Query{Method: "Other"}); !fault.IsKind(err, fault.KindInvalid) {
		t.Errorf("a token resumed on another list: %v, want INVALID_ARGUMENT", err)
	}
	if err := same.Resume(pages, paging.Query{Method: "List"}); err != nil || same.Offset != 2 {
		t.Errorf("the token on its own list: offset %d, %v", same.Offset, err)
	}
}
