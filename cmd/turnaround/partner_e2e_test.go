package main

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/metadata"

	partnerv1 "github.com/turnaround-sli/turnaround/proto/turnaround/partner/v1"
	"github.com/turnaround-sli/turnaround/services/partner"
)

// TestPartnerEventsEndToEnd runs the real binary with every component,
// points a webhook at a TLS receiver on loopback (allowed by
// -webhook-allow-hosts, its certificate trusted by -webhook-ca-file), opens
// a WatchEvents stream as a partner system, and has Ofsted publish a
// judgement over REST: the judgement reaches both, the webhook signed as
// documented; the peer-review events of the demo never reach the partner.
func TestPartnerEventsEndToEnd(t *testing.T) {
	type hit struct {
		header http.Header
		body   []byte
	}
	hits := make(chan hit, 1000)
	recv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		hits <- hit{r.Header.Clone(), b}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()
	dir := t.TempDir()
	caFile := filepath.Join(dir, "receiver-ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: recv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "dev.key")
	in := start(t, []string{"TURNAROUND_DEV_KEY_FILE=" + keyFile, "REDIS_URL="},
		"-webhook-allow-hosts=127.0.0.1", "-webhook-ca-file="+caFile, "-webhook-retry-initial=100ms")
	partnerTok := devToken(t, keyFile, "-role", "partner_system")
	inspector := devToken(t, keyFile, "-role", "ofsted_inspector")

	// A private address is refused over REST with a field violation.
	var st statusBody
	code, body := in.do(t, http.MethodPost, "/v1/webhookSubscriptions", partnerTok,
		map[string]any{"url": "https://169.254.169.254/latest", "event_types": []string{"JudgementPublished"}}, nil)
	if code != http.StatusBadRequest || json.Unmarshal(body, &st) != nil || !strings.Contains(string(body), "webhook_subscription.url") {
		t.Fatalf("a metadata-address webhook = %d: %s", code, body)
	}

	var sub struct {
		Name          string `json:"name"`
		SigningSecret string `json:"signing_secret"`
	}
	code, body = in.do(t, http.MethodPost, "/v1/webhookSubscriptions", partnerTok, map[string]any{
		"url": recv.URL + "/turnaround", "event_types": []string{"JudgementPublished", "PeerReviewCompleted"},
	}, &sub)
	if code != http.StatusOK || !strings.HasPrefix(sub.SigningSecret, "whsec_") {
		t.Fatalf("create the subscription = %d: %s", code, body)
	}

	ctx, cancel := context.WithCancel(metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+partnerTok))
	defer cancel()
	stream, err := partnerv1.NewPartnerEventsServiceClient(in.conn(t)).WatchEvents(ctx, &partnerv1.WatchEventsRequest{
		EventTypes: []string{"JudgementPublished", "PeerReviewCompleted", "EmergencyInspectionRecommended"},
	})
	if err != nil {
		t.Fatal(err)
	}
	watched := make(chan *partnerv1.WatchEventsResponse, 1000)
	go func() {
		for {
			m, err := stream.Recv()
			if err != nil {
				close(watched)
				return
			}
			watched <- m
		}
	}()
	time.Sleep(time.Second) // the stream reaches its live phase

	// Ofsted records and publishes an inadequate judgement of Hartlepool.
	const gss = "E06000001"
	var ins struct {
		Name string `json:"name"`
		Etag string `json:"etag"`
	}
	code, body = in.do(t, http.MethodPost, "/v1/localAuthorities/"+gss+"/inspections?request_id=partner-inspection", inspector,
		map[string]any{"framework": "FRAMEWORK_SIF", "start_date": on(2015, 11, 2), "end_date": on(2015, 11, 26), "lead_inspector": "A. Inspector"}, &ins)
	if code != http.StatusOK {
		t.Fatalf("create the inspection = %d: %s", code, body)
	}
	graded := func(grade string) map[string]string {
		return map[string]string{"grade": grade, "narrative": "As found."}
	}
	code, body = in.do(t, http.MethodPatch, "/v1/"+ins.Name, inspector, map[string]any{
		"etag": ins.Etag,
		"judgement": map[string]any{
			"overall_effectiveness": graded("GRADE_INADEQUATE"), "help_and_protection": graded("GRADE_INADEQUATE"),
			"looked_after_and_permanence": graded("GRADE_REQUIRES_IMPROVEMENT"), "adoption_performance": graded("GRADE_GOOD"),
			"care_leavers": graded("GRADE_REQUIRES_IMPROVEMENT"), "leadership_management_governance": graded("GRADE_INADEQUATE"),
			"lscb_review": graded("GRADE_REQUIRES_IMPROVEMENT"),
		},
		"recommendations": []map[string]string{{"text": "Ensure that strategy meetings happen promptly", "area": "JUDGEMENT_AREA_HELP_AND_PROTECTION"}},
	}, &ins)
	if code != http.StatusOK {
		t.Fatalf("record the judgement = %d: %s", code, body)
	}
	code, body = in.do(t, http.MethodPost, "/v1/"+ins.Name+":publishJudgement", inspector,
		map[string]any{"etag": ins.Etag, "publish_date": on(2016, 1, 4), "request_id": "partner-publish"}, &ins)
	if code != http.StatusOK {
		t.Fatalf("publish the judgement = %d: %s", code, body)
	}

	// The stream sees it; nothing confidential comes before it.
	deadline := time.After(60 * time.Second)
	var eventID string
	for eventID == "" {
		select {
		case m, ok := <-watched:
			if !ok {
				t.Fatal("the stream ended")
			}
			ev := m.GetEvent()
			if ev.GetType() != "turnaround.events.v1.JudgementPublished" {
				t.Fatalf("the partner's stream carried %s (%s)", ev.GetType(), ev.GetSubject())
			}
			if ev.GetSubject() == ins.Name {
				eventID = ev.GetId()
				if m.GetCursor() == "" || ev.GetLocalAuthority() != "localAuthorities/"+gss || !strings.Contains(ev.GetDataJson(), `"GRADE_INADEQUATE"`) {
					t.Fatalf("stream event %v", m)
				}
			}
		case <-deadline:
			t.Fatal("the published judgement did not reach the stream within 60s")
		}
	}

	// The webhook gets it, signed, with the event id as webhook-id.
	for {
		select {
		case h := <-hits:
			var ce struct {
				ID, Type, Subject, SpecVersion string
			}
			if err := json.Unmarshal(h.body, &ce); err != nil {
				t.Fatalf("webhook body %s: %v", h.body, err)
			}
			if ce.Type != "turnaround.events.v1.JudgementPublished" {
				t.Fatalf("the partner's webhook carried %s", h.body)
			}
			if err := partner.VerifyWebhook(sub.SigningSecret, h.header, h.body, time.Now(), 5*time.Minute); err != nil {
				t.Fatalf("the delivery does not verify: %v", err)
			}
			if ce.Subject != ins.Name {
				continue // a judgement of the demo data published after the subscription
			}
			if ce.ID != eventID || h.header.Get("webhook-id") != eventID || ce.SpecVersion != "1.0" ||
				h.header.Get("Content-Type") != "application/cloudevents+json" {
				t.Fatalf("delivery %v %s, want event %s", h.header, h.body, eventID)
			}
			var deliveries struct {
				Deliveries []struct {
					EventID string `json:"event_id"`
					State   string `json:"state"`
				} `json:"deliveries"`
			}
			for range 50 {
				code, body = in.do(t, http.MethodGet, "/v1/"+sub.Name+"/deliveries", partnerTok, nil, &deliveries)
				if code != http.StatusOK {
					t.Fatalf("list deliveries = %d: %s", code, body)
				}
				for _, d := range deliveries.Deliveries {
					if d.EventID == eventID && d.State == "STATE_SUCCEEDED" {
						manageOverREST(t, in, partnerTok, sub.Name)
						return
					}
				}
				time.Sleep(100 * time.Millisecond)
			}
			t.Fatalf("deliveries %s, want %s succeeded", body, eventID)
		case <-deadline:
			t.Fatal("the published judgement did not reach the webhook within 60s")
		}
	}
}

// manageOverREST reads, changes, re-enables and deletes the subscription
// name through the gateway as its partner system.
func manageOverREST(t *testing.T, in *instance, tok, name string) {
	t.Helper()
	type subscription struct {
		Name          string `json:"name"`
		Etag          string `json:"etag"`
		Description   string `json:"description"`
		State         string `json:"state"`
		SigningSecret string `json:"signing_secret"`
	}
	var list struct {
		Subscriptions []subscription `json:"webhook_subscriptions"`
	}
	code, body := in.do(t, http.MethodGet, "/v1/webhookSubscriptions", tok, nil, &list)
	if code != http.StatusOK || len(list.Subscriptions) != 1 || list.Subscriptions[0].Name != name || list.Subscriptions[0].SigningSecret != "" {
		t.Fatalf("list subscriptions = %d: %s", code, body)
	}
	var got subscription
	code, body = in.do(t, http.MethodPatch, "/v1/"+name, tok, map[string]any{"etag": list.Subscriptions[0].Etag, "description": "case system"}, &got)
	if code != http.StatusOK || got.Description != "case system" || got.Etag == list.Subscriptions[0].Etag {
		t.Fatalf("update the subscription = %d: %s", code, body)
	}
	code, body = in.do(t, http.MethodPatch, "/v1/"+name, tok, map[string]any{"etag": list.Subscriptions[0].Etag, "description": "stale"}, nil)
	if code != http.StatusConflict {
		t.Fatalf("update with a stale etag = %d: %s, want 409", code, body)
	}
	code, body = in.do(t, http.MethodPost, "/v1/"+name+":enable", tok, map[string]any{}, &got)
	if code != http.StatusOK || got.State != "STATE_ACTIVE" {
		t.Fatalf("enable = %d: %s", code, body)
	}
	if code, body = in.do(t, http.MethodDelete, "/v1/"+name, tok, nil, nil); code != http.StatusOK {
		t.Fatalf("delete = %d: %s", code, body)
	}
	if code, body = in.do(t, http.MethodGet, "/v1/"+name, tok, nil, nil); code != http.StatusNotFound {
		t.Fatalf("get after delete = %d: %s, want 404", code, body)
	}
}
