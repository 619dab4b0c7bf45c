package store_test

import (
	"context"
	"testing"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
)

func TestRequestRecordsReplay(t *testing.T) {
	ctx := context.Background()
	c, ks := redistest.New(t)
	st := store.New(c, ks)
	r := change.Request{Subject: "s", Roles: []string{"dfe_official"}, Method: "M", RequestID: "req-1", RequestHash: []byte{1}}
	if store.IdempotencyFor(change.Request{Method: "M"}, []byte("x")) != nil {
		t.Error("a request without request_id got an idempotency record")
	}
	const tag = "widget:w1"
	key := ks.Key(tag, "widget")
	a := store.AuditFor(r, "widgets/w1", key)
	if a.Actor != "s" || a.Method != "M" || a.RequestID != "req-1" || a.Key != key {
		t.Errorf("AuditFor: %+v", a)
	}
	_, err := st.Commit(ctx, store.Mutation{
		Tag:         tag,
		Writes:      []store.Write{{Key: key, Data: []byte("w"), IfVersion: store.MustNotExist}},
		Audit:       []store.AuditEntry{a},
		Idempotency: store.IdempotencyFor(r, []byte("answer")),
	})
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := st.ReplayFor(ctx, tag, r)
	if err != nil || !ok || string(got) != "answer" {
		t.Errorf("ReplayFor: %q %v %v", got, ok, err)
	}
	r.RequestHash = []byte{2}
	if _, _, err := st.ReplayFor(ctx, tag, r); err == nil {
		t.Error("a reused request_id with another request replayed")
	}
	first, err := st.FirstTime(ctx, "widgets")
	if err != nil || !first {
		t.Fatalf("FirstTime: %v %v", first, err)
	}
	if again, _ := st.FirstTime(ctx, "widgets"); again {
		t.Error("FirstTime twice was first twice")
	}
	if err := st.ForgetFirstTime(ctx, "widgets"); err != nil {
		t.Fatal(err)
	}
	if first, _ := st.FirstTime(ctx, "widgets"); !first {
		t.Error("FirstTime after ForgetFirstTime was not first")
	}
}
