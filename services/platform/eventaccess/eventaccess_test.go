package eventaccess_test

import (
	"context"
	"encoding/json"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/eventaccess"
	"github.com/turnaround-sli/turnaround/services/platform/events"
)

var (
	partner = auth.Principal{Subject: "p", Roles: []auth.Role{auth.RolePartnerSystem}}
	dfe     = auth.Principal{Subject: "d", Roles: []auth.Role{auth.RoleDfEOfficial}}
	lga     = auth.Principal{Subject: "l", Roles: []auth.Role{auth.RoleLGAAdviser}}
	ofsted  = auth.Principal{Subject: "o", Roles: []auth.Role{auth.RoleOfstedInspector}}
	leeds   = auth.Principal{Subject: "c", Roles: []auth.Role{auth.RoleCouncilOfficer}, Authority: "E08000035"}
	york    = auth.Principal{Subject: "y", Roles: []auth.Role{auth.RoleCouncilOfficer}, Authority: "E06000014"}
	sponsor = auth.Principal{Subject: "s", Roles: []auth.Role{auth.RoleSponsorOfficer}, Sponsor: "wakefield"}
)

func decode(t *testing.T, topic string, m proto.Message) eventaccess.Decoded {
	t.Helper()
	e, err := events.NewEvent(context.Background(), topic, "subject", m)
	if err != nil {
		t.Fatal(err)
	}
	d, ok, err := eventaccess.Decode(e)
	if err != nil || !ok {
		t.Fatalf("decode %s: ok %v, %v", e.Type, ok, err)
	}
	return d
}

func TestVisibilityFollowsTheAccessMatrix(t *testing.T) {
	la := "localAuthorities/E08000035"
	for _, tt := range []struct {
		topic   string
		msg     proto.Message
		see     []auth.Principal
		blind   []auth.Principal
		council string
	}{
		{"inspection", &eventsv1.JudgementPublished{LocalAuthority: la}, []auth.Principal{partner, dfe, lga, ofsted, leeds, york, sponsor}, nil, "E08000035"},
		{"improvementplan", &eventsv1.InterventionOrdered{LocalAuthority: la}, []auth.Principal{partner, dfe, lga, ofsted, leeds, york, sponsor}, nil, "E08000035"},
		{"improvementplan", &eventsv1.InterventionLifted{LocalAuthority: la}, []auth.Principal{partner, york}, nil, "E08000035"},
		{"peerreview", &eventsv1.PeerReviewCompleted{LocalAuthority: la}, []auth.Principal{lga, leeds}, []auth.Principal{partner, dfe, ofsted, york, sponsor}, "E08000035"},
		{"inspection", &eventsv1.EmergencyInspectionRecommended{LocalAuthority: la}, []auth.Principal{ofsted, lga, dfe, leeds}, []auth.Principal{partner, york, sponsor}, "E08000035"},
		{"improvementplan", &eventsv1.ImprovementPlanStateChanged{LocalAuthority: la}, []auth.Principal{dfe, leeds}, []auth.Principal{partner, york}, "E08000035"},
		{"sponsor", &eventsv1.EngagementStarted{LocalAuthority: la, Sponsor: "sponsors/wakefield"}, []auth.Principal{dfe, lga, leeds, sponsor}, []auth.Principal{partner, ofsted, york}, "E08000035"},
		{"sponsor", &eventsv1.MatchRunApproved{}, []auth.Principal{dfe}, []auth.Principal{partner, lga, leeds, sponsor}, ""},
	} {
		d := decode(t, tt.topic, tt.msg)
		if d.Council != tt.council {
			t.Errorf("%s: council %q, want %q", d.Type, d.Council, tt.council)
		}
		for _, p := range tt.see {
			if !d.Visible(p) {
				t.Errorf("%s is hidden from %s, want visible", d.Type, p.Roles[0])
			}
		}
		for _, p := range tt.blind {
			if d.Visible(p) {
				t.Errorf("%s is visible to %s %s, want hidden", d.Type, p.Roles[0], p.Authority)
			}
		}
	}
}

func TestAnUnmappedEventTypeIsVisibleToNobody(t *testing.T) {
	e, err := events.NewEvent(context.Background(), "inspection", "x", wrapperspb.String("new"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := eventaccess.Decode(e); ok || err != nil {
		t.Fatalf("an unmapped type decoded: ok %v, %v", ok, err)
	}
	if _, ok := eventaccess.Lookup("google.protobuf.StringValue"); ok {
		t.Fatal("an unmapped type was found")
	}
}

func TestLookupAndCloudEvent(t *testing.T) {
	k, ok := eventaccess.Lookup("JudgementPublished")
	if !ok || k.Type != "turnaround.events.v1.JudgementPublished" || k.Topic != "inspection" {
		t.Fatalf("lookup %+v %v", k, ok)
	}
	if full, ok := eventaccess.Lookup(k.Type); !ok || full.Short != "JudgementPublished" {
		t.Fatalf("lookup by full name %+v %v", full, ok)
	}
	d := decode(t, "inspection", &eventsv1.JudgementPublished{LocalAuthority: "localAuthorities/E08000035", Inspection: "localAuthorities/E08000035/inspections/i1"})
	raw, err := d.CloudEventJSON()
	if err != nil {
		t.Fatal(err)
	}
	var ce map[string]any
	if err := json.Unmarshal(raw, &ce); err != nil {
		t.Fatal(err)
	}
	if ce["specversion"] != "1.0" || ce["id"] != d.ID || ce["source"] != "/turnaround/inspection" || ce["type"] != d.Type ||
		ce["subject"] != "subject" || ce["datacontenttype"] != "application/json" || ce["localauthority"] != "localAuthorities/E08000035" {
		t.Fatalf("cloud event %s", raw)
	}
	if data, _ := ce["data"].(map[string]any); data["inspection"] != "localAuthorities/E08000035/inspections/i1" {
		t.Fatalf("data %v", ce["data"])
	}
	bad := decodeErr(t, &eventsv1.JudgementPublished{LocalAuthority: "nowhere"})
	if bad == nil {
		t.Fatal("an event about no council's resource name decoded")
	}
}

func decodeErr(t *testing.T, m proto.Message) error {
	e, err := events.NewEvent(context.Background(), "inspection", "x", m)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = eventaccess.Decode(e)
	return err
}
