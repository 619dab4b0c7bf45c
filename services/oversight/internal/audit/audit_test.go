package audit_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/oversight/internal/audit"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// TestEntryReadsWhatTheStoreWrites checks the audit record on the wire: an
// entry the store writes is plain JSON with the record's own field names,
// in their order, with no trace of the store-only record key, and the
// oversight trail reads every field of it back unchanged.
func TestEntryReadsWhatTheStoreWrites(t *testing.T) {
	written := store.AuditEntry{
		Audit: change.Audit{
			Actor: "leeds-dcs", Roles: []string{"council_officer", "council_admin"}, Method: "/m.v1.S/ApprovePlan",
			Resource: "localAuthorities/E08000035/improvementPlans/p1", RequestID: "rq-1",
			EtagBefore: `"4"`, EtagAfter: `"5"`, Time: time.Date(2025, 1, 2, 3, 4, 5, 600, time.UTC),
		},
		Key: "{la:E08000035}:plan:p1",
	}
	b, err := json.Marshal(written)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"actor":"leeds-dcs","roles":["council_officer","council_admin"],"method":"/m.v1.S/ApprovePlan",` +
		`"resource":"localAuthorities/E08000035/improvementPlans/p1","request_id":"rq-1",` +
		`"etag_before":"\"4\"","etag_after":"\"5\"","time":"2025-01-02T03:04:05.0000006Z"}`
	if string(b) != want {
		t.Errorf("store writes\n%s\nwant\n%s", b, want)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"Audit", "Key", "key", "audit"} {
		if _, ok := fields[k]; ok {
			t.Errorf("the wire record has a %q field: %s", k, b)
		}
	}

	var read audit.Entry
	if err := json.Unmarshal(b, &read); err != nil {
		t.Fatal(err)
	}
	if !read.Time.Equal(written.Time) {
		t.Errorf("time = %v, want %v", read.Time, written.Time)
	}
	read.Time = written.Time
	if !reflect.DeepEqual(read.Audit, written.Audit) {
		t.Errorf("oversight reads %+v, want %+v", read.Audit, written.Audit)
	}
	if read.ID != "" || read.Council != "" {
		t.Errorf("id, council = %q, %q; the wire record has neither", read.ID, read.Council)
	}

	// The trail keeps its own fields around the record's, as before.
	read.ID, read.Council = "ev-1", "E08000035"
	b, err = json.Marshal(read)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"id":"ev-1",` + want[1:len(want)-1] + `,"council":"E08000035"}`; string(b) != want {
		t.Errorf("the trail stores\n%s\nwant\n%s", b, want)
	}
}
