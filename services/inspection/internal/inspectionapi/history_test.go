package inspectionapi

import (
	"context"
	"testing"

	"google.golang.org/grpc/codes"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
)

// judgementEvents returns the JudgementPublished events in gss's outbox.
func (e *env) judgementEvents(gss string) []*eventsv1.JudgementPublished {
	e.t.Helper()
	return rpctest.Payloads[*eventsv1.JudgementPublished](e.t, rpctest.Outbox(e.t, e.store, keyspace.CouncilTag(gss)))
}

const sifFW = inspectionv1.Framework_FRAMEWORK_SIF

// A judgement published after its six months have passed (the clock is
// 2015-12-14) is history unless the publisher asks for it to be live, and
// the response says so either way.
func TestPublishAfterTheWindowIsHistory(t *testing.T) {
	e := newEnv(t)
	old := e.create(leeds, sifFW, day(2015, 3, 2))
	p := e.publish(old, sif(inadequate, inadequate, inadequate), day(2015, 4, 20))
	if !p.GetHistorical() || len(p.GetPublicationWarnings()) != 1 || p.GetPublicationWarnings()[0].GetCode() != "IMPROVEMENT_WINDOW_PASSED" {
		t.Fatalf("published after the window = historical %v, warnings %v", p.GetHistorical(), p.GetPublicationWarnings())
	}
	got, err := e.client.GetInspection(e.as(rpctest.Inspector), &inspectionv1.GetInspectionRequest{Name: p.GetName()})
	if err != nil || !got.GetHistorical() || len(got.GetPublicationWarnings()) != 1 {
		t.Fatalf("read back = %v, %v", got, err)
	}

	live := e.create(hampshire, sifFW, day(2015, 3, 2))
	up, err := e.client.UpdateInspection(e.as(rpctest.Inspector), &inspectionv1.UpdateInspectionRequest{
		Inspection: &inspectionv1.Inspection{Name: live.GetName(), Etag: live.GetEtag(), Judgement: sif(inadequate, inadequate, inadequate)}})
	if err != nil {
		t.Fatal(err)
	}
	lp, err := e.client.PublishJudgement(e.as(rpctest.Inspector), &inspectionv1.PublishJudgementRequest{
		Name: up.GetName(), Etag: up.GetEtag(), PublishDate: day(2015, 4, 20), Live: true})
	if err != nil || lp.GetHistorical() || len(lp.GetPublicationWarnings()) != 1 ||
		lp.GetPublicationWarnings()[0].GetCode() != "IMPROVEMENT_WINDOW_PASSED_LIVE" {
		t.Fatalf("published live after the window = %v, %v", lp, err)
	}

	recent := e.create(sheffield, sifFW, day(2015, 10, 5))
	rp := e.publish(recent, sif(inadequate, inadequate, inadequate), day(2015, 11, 20))
	if rp.GetHistorical() || len(rp.GetPublicationWarnings()) != 0 {
		t.Fatalf("published within the window = historical %v, warnings %v", rp.GetHistorical(), rp.GetPublicationWarnings())
	}

	for gss, want := range map[string]bool{leeds: true, hampshire: false, sheffield: false} {
		evs := e.judgementEvents(gss)
		if len(evs) != 1 || evs[0].GetHistorical() != want {
			t.Errorf("%s: events %v, want one with historical %v", gss, evs, want)
		}
	}
}

func importRowOf(parent string, start, end, published *typev1.Date, grade typev1.Grade) *inspectionv1.ImportedJudgement {
	return &inspectionv1.ImportedJudgement{
		Parent:      parent,
		Inspection:  &inspectionv1.Inspection{Framework: sifFW, StartDate: start, EndDate: end, Judgement: sif(grade, grade, grade)},
		PublishDate: published,
	}
}

func TestBatchImportJudgements(t *testing.T) {
	e := newEnv(t)
	req := &inspectionv1.BatchImportJudgementsRequest{
		AsHistory: true,
		Judgements: []*inspectionv1.ImportedJudgement{
			// 0: Leeds, old: history.
			importRowOf(leedsName, day(2014, 3, 3), day(2014, 3, 20), day(2014, 5, 1), inadequate),
			// 1: Hampshire, fieldwork ends before it starts.
			importRowOf("localAuthorities/"+hampshire, day(2015, 3, 20), day(2015, 3, 3), day(2015, 5, 1), inadequate),
			// 2: Hampshire, valid, but its council's other row fails.
			importRowOf("localAuthorities/"+hampshire, day(2014, 3, 3), day(2014, 3, 20), day(2014, 5, 1), typev1.Grade_GRADE_GOOD),
			// 3: Leeds, recent: live.
			importRowOf(leedsName, day(2015, 10, 5), day(2015, 10, 16), day(2015, 11, 20), inadequate),
			// 4: no such parent.
			importRowOf("councils/x", day(2014, 3, 3), day(2014, 3, 20), day(2014, 5, 1), inadequate),
		},
	}
	resp, err := e.client.BatchImportJudgements(e.as(rpctest.Official), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.GetInspections()) != 2 || !resp.GetInspections()[0].GetHistorical() || resp.GetInspections()[1].GetHistorical() ||
		resp.GetInspections()[0].GetState() != inspectionv1.InspectionState_INSPECTION_STATE_PUBLISHED {
		t.Fatalf("imported = %v", resp.GetInspections())
	}
	var failures []string
	for _, f := range resp.GetFailures() {
		s := f.GetReason()
		for _, v := range f.GetFieldViolations() {
			s += " " + v.GetField()
		}
		failures = append(failures, s)
		if f.GetIndex() == 1 && f.GetParent() != "localAuthorities/"+hampshire {
			t.Errorf("failure 1 names %q", f.GetParent())
		}
	}
	want := []string{"INVALID_ARGUMENT inspection.end_date", "COUNCIL_BATCH_FAILED", "INVALID_ARGUMENT parent"}
	if len(resp.GetFailures()) != 3 || resp.GetFailures()[0].GetIndex() != 1 || resp.GetFailures()[1].GetIndex() != 2 ||
		resp.GetFailures()[2].GetIndex() != 4 || failures[1] != want[1] || failures[2] != want[2] ||
		failures[0][:len(want[0])] != want[0] {
		t.Fatalf("failures = %q (%v), want %q at rows 1, 2, 4", failures, resp.GetFailures(), want)
	}
	// Hampshire's valid row was not recorded either.
	hl, err := e.client.ListInspections(e.as(rpctest.Inspector), &inspectionv1.ListInspectionsRequest{Parent: "localAuthorities/" + hampshire})
	if err != nil || len(hl.GetInspections()) != 0 {
		t.Fatalf("Hampshire after a failed row = %v, %v", hl, err)
	}
	// The council's latest judgement is the newest imported.
	la, err := e.councils.Get(context.Background(), leeds)
	if err != nil || la.Latest == nil || la.Latest.Inspection != resp.GetInspections()[1].GetName() {
		t.Fatalf("Leeds after the import = %+v, %v", la, err)
	}
	evs := e.judgementEvents(leeds)
	if len(evs) != 2 || !evs[0].GetHistorical() || evs[1].GetHistorical() {
		t.Fatalf("Leeds events = %v", evs)
	}

	// A retry records nothing twice.
	again, err := e.client.BatchImportJudgements(e.as(rpctest.Official), req)
	if err != nil || len(again.GetInspections()) != 2 || again.GetInspections()[0].GetName() != resp.GetInspections()[0].GetName() {
		t.Fatalf("retry = %v, %v", again, err)
	}
	ll, err := e.client.ListInspections(e.as(rpctest.Inspector), &inspectionv1.ListInspectionsRequest{Parent: leedsName})
	if err != nil || len(ll.GetInspections()) != 2 || len(e.judgementEvents(leeds)) != 2 {
		t.Fatalf("Leeds after a retry: %d inspections, %d events, %v", len(ll.GetInspections()), len(e.judgementEvents(leeds)), err)
	}

	// Who may import, and how many rows.
	_, err = e.client.BatchImportJudgements(e.as(rpctest.Adviser), req)
	rpctest.ExpectError(t, "an adviser's import", err, codes.PermissionDenied, "")
	_, err = e.client.BatchImportJudgements(e.as(rpctest.Inspector), &inspectionv1.BatchImportJudgementsRequest{})
	rpctest.ExpectError(t, "an empty import", err, codes.InvalidArgument, "", "judgements")
	big := &inspectionv1.BatchImportJudgementsRequest{}
	for range 501 {
		big.Judgements = append(big.Judgements, req.Judgements[0])
	}
	_, err = e.client.BatchImportJudgements(e.as(rpctest.Inspector), big)
	rpctest.ExpectError(t, "an import of 501", err, codes.InvalidArgument, "", "judgements")
}
