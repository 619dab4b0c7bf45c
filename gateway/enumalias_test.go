package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
)

// echoInspection answers CreateInspection with the inspection it received,
// so a test sees exactly what the gateway forwarded.
type echoInspection struct {
	fakeInspection
	received chan *inspectionv1.CreateInspectionRequest
}

func (e echoInspection) CreateInspection(ctx context.Context, req *inspectionv1.CreateInspectionRequest) (*inspectionv1.Inspection, error) {
	if err := checkCaller(ctx); err != nil {
		return nil, err
	}
	e.received <- req
	out := proto.Clone(req.GetInspection()).(*inspectionv1.Inspection)
	out.Name = req.GetParent() + "/inspections/i1"
	return out, nil
}

// newEchoEnv is a gateway in front of an echoInspection upstream.
func newEchoEnv(t *testing.T) (*testEnv, chan *inspectionv1.CreateInspectionRequest) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	received := make(chan *inspectionv1.CreateInspectionRequest, 1)
	srv := grpc.NewServer()
	inspectionv1.RegisterInspectionServiceServer(srv, echoInspection{received: received})
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	t.Cleanup(func() {
		srv.Stop()
		if err := <-served; err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			t.Errorf("grpc server: %v", err)
		}
	})
	gw, err := New(t.Context(), Config{
		Upstream:    lis.Addr().String(),
		DialOptions: []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())},
		Logger:      slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = gw.Close() })
	return &testEnv{gw: gw, server: srv}, received
}

// TestRequestBodiesTakeShortEnumValues sends enum values without their
// prefix at the top of a body, nested two messages deep and in a list: the
// service receives the values they name and the response prints the full
// names. Before the gateway expanded them, each was refused with 400.
func TestRequestBodiesTakeShortEnumValues(t *testing.T) {
	t.Parallel()
	env, received := newEchoEnv(t)
	body := `{
		"framework": "SIF",
		"start_date": {"year": 2016, "month": 3, "day": 1},
		"judgement": {"overall_effectiveness": {"grade": "INADEQUATE", "narrative": "<not> safe & sound"},
		              "help_and_protection": {"grade": "GRADE_REQUIRES_IMPROVEMENT"}},
		"monitoring_findings": {"progress": "SOME"},
		"recommendations": [
			{"text": "a", "area": "HELP_AND_PROTECTION"},
			{"text": "b", "area": "JUDGEMENT_AREA_LSCB"},
			{"text": "c", "area": 6}
		]
	}`
	h := authorized("Content-Type", "application/json")
	rec := env.do(http.MethodPost, "/v1/localAuthorities/E08000035/inspections", strings.NewReader(body), h)
	if rec.Code != http.StatusOK {
		t.Fatalf("HTTP status = %d, want 200; body %s", rec.Code, rec.Body)
	}
	got := (<-received).GetInspection()
	if got.GetFramework() != inspectionv1.Framework_FRAMEWORK_SIF {
		t.Errorf("framework = %v", got.GetFramework())
	}
	if g := got.GetJudgement().GetOverallEffectiveness().GetGrade(); g != typev1.Grade_GRADE_INADEQUATE {
		t.Errorf("overall grade = %v", g)
	}
	if n := got.GetJudgement().GetOverallEffectiveness().GetNarrative(); n != "<not> safe & sound" {
		t.Errorf("narrative = %q: rewriting the body changed a string", n)
	}
	if g := got.GetJudgement().GetHelpAndProtection().GetGrade(); g != typev1.Grade_GRADE_REQUIRES_IMPROVEMENT {
		t.Errorf("help and protection grade = %v", g)
	}
	if p := got.GetMonitoringFindings().GetProgress(); p != inspectionv1.ProgressRating_PROGRESS_RATING_SOME {
		t.Errorf("progress = %v", p)
	}
	var areas []string
	for _, r := range got.GetRecommendations() {
		areas = append(areas, r.GetArea().String())
	}
	want := "JUDGEMENT_AREA_HELP_AND_PROTECTION JUDGEMENT_AREA_LSCB JUDGEMENT_AREA_LEADERSHIP_MANAGEMENT_GOVERNANCE"
	if strings.Join(areas, " ") != want {
		t.Errorf("areas = %v, want %s", areas, want)
	}

	var printed struct {
		Framework       string `json:"framework"`
		Recommendations []struct {
			Area string `json:"area"`
		} `json:"recommendations"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &printed); err != nil {
		t.Fatalf("response: %v", err)
	}
	if printed.Framework != "FRAMEWORK_SIF" || printed.Recommendations[0].Area != "JUDGEMENT_AREA_HELP_AND_PROTECTION" {
		t.Errorf("response prints %s and %s, want the full names", printed.Framework, printed.Recommendations[0].Area)
	}
}

// TestRequestBodiesRefuseUnknownEnumValues: a value that is neither a full
// name nor a short one, or that carries another enum's prefix, is still
// refused with a violation listing what the field takes.
func TestRequestBodiesRefuseUnknownEnumValues(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	tests := []struct{ name, body, field, value string }{
		{"unknown", `{"framework":"SIFT"}`, "inspection.framework", "SIFT"},
		{"another enum's prefix", `{"framework":"GRADE_SIF"}`, "inspection.framework", "GRADE_SIF"},
		{"prefix alone", `{"framework":"FRAMEWORK_"}`, "inspection.framework", "FRAMEWORK_"},
		{"lower case", `{"framework":"sif"}`, "inspection.framework", "sif"},
		{"in a list", `{"recommendations":[{"area":"HELP_AND_PROTECTION"},{"area":"SAFEGUARDING"}]}`, "inspection.recommendations[1].area", "SAFEGUARDING"},
		{"nested", `{"judgement":{"lscb_review":{"grade":"POOR"}}}`, "inspection.judgement.lscb_review.grade", "POOR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := env.do(http.MethodPost, "/v1/localAuthorities/E08000035/inspections", strings.NewReader(tt.body),
				authorized("Content-Type", "application/json"))
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("HTTP status = %d, want 400; body %s", rec.Code, rec.Body)
			}
			st := decodeStatus(t, rec)
			if codes.Code(st.GetCode()) != codes.InvalidArgument {
				t.Errorf("code = %v", codes.Code(st.GetCode()))
			}
			d, ok := violations(t, st)[tt.field]
			if !ok {
				t.Fatalf("no violation for %s: %v", tt.field, violations(t, st))
			}
			if !strings.Contains(d, "expected one of ") || !strings.Contains(d, "prefix may be left out") || !strings.Contains(d, `"`+tt.value+`"`) {
				t.Errorf("description %q does not list the allowed values and the value given", d)
			}
		})
	}
}

// TestExpandEnumAliasesMapValues covers what no REST body takes today: enum
// values of a map, which the rewrite reaches as it does lists.
func TestExpandEnumAliasesMapValues(t *testing.T) {
	md := (&eventsv1.JudgementPublished{}).ProtoReflect().Descriptor()
	body := []byte(`{"key_judgements":{"HELP_AND_PROTECTION":"INADEQUATE","LSCB":"GRADE_GOOD"},"overall_grade":"OUTSTANDING"}`)
	out := expandEnumAliases(body, md)
	var ev eventsv1.JudgementPublished
	if err := protojson.Unmarshal(out, &ev); err != nil {
		t.Fatalf("rewritten body %s does not decode: %v", out, err)
	}
	if g := ev.GetKeyJudgements()["HELP_AND_PROTECTION"]; g != typev1.Grade_GRADE_INADEQUATE {
		t.Errorf("map value = %v", g)
	}
	if g := ev.GetKeyJudgements()["LSCB"]; g != typev1.Grade_GRADE_GOOD {
		t.Errorf("map value = %v", g)
	}
	if g := ev.GetOverallGrade(); g != typev1.Grade_GRADE_OUTSTANDING {
		t.Errorf("overall grade = %v", g)
	}
	same := []byte(`{"overall_grade":"GRADE_GOOD"}`)
	if out := expandEnumAliases(same, md); string(out) != string(same) {
		t.Errorf("a body with nothing to rewrite became %s", out)
	}
	broken := []byte(`{"overall_grade":"GOOD"`)
	if out := expandEnumAliases(broken, md); string(out) != string(broken) {
		t.Errorf("malformed JSON was rewritten to %s", out)
	}
}

// TestQueryEnumValuesTakeShortForm: a query value of an enum field is
// expanded as a body's is; a wrong one is refused naming the allowed values.
func TestQueryEnumValuesTakeShortForm(t *testing.T) {
	rt := &route{input: (&inspectionv1.Inspection{}).ProtoReflect().Descriptor(), pathFields: map[string]bool{}}
	q := url.Values{"framework": {"SIF"}, "state": {"INSPECTION_STATE_PUBLISHED"}}
	if !rt.expandQueryAliases(q) {
		t.Fatal("nothing expanded")
	}
	if q.Get("framework") != "FRAMEWORK_SIF" || q.Get("state") != "INSPECTION_STATE_PUBLISHED" {
		t.Errorf("expanded to %v", q)
	}
	if v := rt.invalidQueryValues(q); len(v) != 0 {
		t.Errorf("expanded values refused: %v", v)
	}
}

// TestAreasOfPractice: a sponsor need's area is a judgement area or a
// theme. Each takes its short form; giving both is refused naming the
// second, and a theme's name given as a judgement area is refused listing
// the judgement areas.
func TestAreasOfPractice(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	const needs = "/v1/localAuthorities/E08000035/sponsorNeeds"
	h := authorized("Content-Type", "application/json")
	rec := env.do(http.MethodPost, needs, strings.NewReader(`{"areas":[{"judgement_area":"LSCB","weight":5},{"theme":"CASELOADS","weight":3}]}`), h)
	if rec.Code != http.StatusNotImplemented {
		// The fake upstream has no sponsor service: reaching it means the
		// gateway accepted the body.
		t.Fatalf("short forms = %d, want them forwarded: %s", rec.Code, rec.Body)
	}
	for _, tt := range []struct{ name, body, field, desc string }{
		{"both", `{"areas":[{"judgement_area":"LSCB","theme":"CASELOADS","weight":5}]}`,
			"sponsor_need.areas[0].theme", "give one of judgement_area, theme, not judgement_area and theme"},
		{"a theme as a judgement area", `{"areas":[{"judgement_area":"CASELOADS","weight":5}]}`,
			"sponsor_need.areas[0].judgement_area", "JUDGEMENT_AREA_LSCB"},
	} {
		rec := env.do(http.MethodPost, needs, strings.NewReader(tt.body), h)
		if rec.Code != http.StatusBadRequest {
			t.Fatalf("%s = %d: %s", tt.name, rec.Code, rec.Body)
		}
		st := decodeStatus(t, rec)
		if d := violations(t, st)[tt.field]; !strings.Contains(d, tt.desc) {
			t.Errorf("%s: violations %v, want %s: ...%s...", tt.name, violations(t, st), tt.field, tt.desc)
		}
		if strings.Contains(st.GetMessage(), "oneof") {
			t.Errorf("%s: message shows protojson's text: %q", tt.name, st.GetMessage())
		}
	}
}
