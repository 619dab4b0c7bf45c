package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/platform/apierror"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds the real turnaround binary once per test run.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "turnaround-e2e")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "turnaround")
		out, err := exec.Command("go", "build", "-race", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// instance is a running turnaround process.
type instance struct {
	cmd    *exec.Cmd
	http   string
	grpc   string
	stdout *syncBuffer
	done   chan error
}

// syncBuffer is a bytes.Buffer the process's output copier and the test can
// share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type startedLine struct {
	Msg  string `json:"msg"`
	GRPC string `json:"grpc"`
	HTTP string `json:"http"`
}

// start runs the binary on random loopback ports and waits until it logs that
// it has started.
func start(t *testing.T, env []string, args ...string) *instance {
	t.Helper()
	args = append([]string{"-grpc-addr=127.0.0.1:0", "-http-addr=127.0.0.1:0", "-admin-addr=127.0.0.1:0"}, args...)
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	inst := &instance{cmd: cmd, stdout: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stdout = inst.stdout
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	started := make(chan startedLine, 1)
	var logs bytes.Buffer
	var logMu sync.Mutex
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			logMu.Lock()
			logs.Write(sc.Bytes())
			logs.WriteByte('\n')
			logMu.Unlock()
			var l startedLine
			if json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg == "turnaround started" {
				started <- l
			}
		}
	}()
	go func() { inst.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-inst.done
		}
		if t.Failed() {
			logMu.Lock()
			t.Logf("process log:\n%s", logs.String())
			logMu.Unlock()
		}
	})
	select {
	case l := <-started:
		inst.http, inst.grpc = "http://"+l.HTTP, l.GRPC
	case err := <-inst.done:
		logMu.Lock()
		defer logMu.Unlock()
		t.Fatalf("turnaround exited before starting: %v\n%s", err, logs.String())
	case <-time.After(60 * time.Second):
		t.Fatal("turnaround did not start within 60s")
	}
	return inst
}

func (in *instance) get(t *testing.T, path, token string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, in.http+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

// do sends a JSON request and decodes a JSON response into out (when not nil).
func (in *instance) do(t *testing.T, method, path, token string, body any, out any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, in.http+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode, raw
}

func (in *instance) conn(t *testing.T) *grpc.ClientConn {
	t.Helper()
	cc, err := grpc.NewClient(in.grpc, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cc.Close() })
	return cc
}

// terminate sends SIGTERM and returns the exit error.
func (in *instance) terminate(t *testing.T) error {
	t.Helper()
	if err := in.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-in.done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("turnaround did not exit within 30s of SIGTERM")
		return nil
	}
}

func devToken(t *testing.T, keyFile string, args ...string) string {
	t.Helper()
	cmd := exec.Command(binary(t), append([]string{"token"}, args...)...)
	cmd.Env = append(os.Environ(), "TURNAROUND_DEV_KEY_FILE="+keyFile)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("turnaround token %v: %v", args, err)
	}
	return strings.TrimSpace(string(out))
}

// statusBody is a google.rpc.Status as the gateway renders it.
type statusBody struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Details []struct {
		Type            string `json:"@type"`
		Reason          string `json:"reason"`
		Domain          string `json:"domain"`
		FieldViolations []struct {
			Field       string `json:"field"`
			Description string `json:"description"`
		} `json:"field_violations"`
	} `json:"details"`
}

func decodeStatus(t *testing.T, body []byte) statusBody {
	t.Helper()
	var s statusBody
	if err := json.Unmarshal(body, &s); err != nil {
		t.Fatalf("error body is not a Status: %v: %s", err, body)
	}
	return s
}

func (s statusBody) reason() string {
	for _, d := range s.Details {
		if strings.HasSuffix(d.Type, "google.rpc.ErrorInfo") {
			return d.Reason
		}
	}
	return ""
}

func (s statusBody) violations() map[string]string {
	out := map[string]string{}
	for _, d := range s.Details {
		for _, v := range d.FieldViolations {
			out[v.Field] = v.Description
		}
	}
	return out
}

type councilPage struct {
	LocalAuthorities []struct {
		Name        string `json:"name"`
		GSSCode     string `json:"gss_code"`
		DisplayName string `json:"display_name"`
		Region      string `json:"region"`
		CouncilType string `json:"council_type"`
		Etag        string `json:"etag"`
	} `json:"local_authorities"`
	NextPageToken string `json:"next_page_token"`
	TotalSize     int    `json:"total_size"`
}

// TestEmbeddedSuite is the newcomer's story: the binary with no REDIS_URL,
// a token from `turnaround token`, every council over REST and gRPC, the
// errors a client meets, health, and a clean SIGTERM.
func TestEmbeddedSuite(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "dev.key")
	in := start(t, []string{"TURNAROUND_DEV_KEY_FILE=" + keyFile, "REDIS_URL="})
	// stdout and stderr are separate pipes, so the banner may arrive just
	// after the "started" log line that start waits for.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(in.stdout.String(), "TOKEN="); {
		if time.Now().After(deadline) {
			t.Fatalf("banner prints no development tokens:\n%s", in.stdout.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	token := devToken(t, keyFile, "-role", "partner_system")

	t.Run("list all councils by following page tokens", func(t *testing.T) {
		seen := map[string]bool{}
		var names []string
		path := "/v1/localAuthorities?page_size=40"
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatal("more pages than 152 councils need")
			}
			code, body := in.get(t, path, token)
			if code != http.StatusOK {
				t.Fatalf("GET %s = %d: %s", path, code, body)
			}
			var page councilPage
			if err := json.Unmarshal(body, &page); err != nil {
				t.Fatal(err)
			}
			if page.TotalSize != 152 {
				t.Errorf("total_size = %d, want 152", page.TotalSize)
			}
			for _, la := range page.LocalAuthorities {
				if seen[la.GSSCode] {
					t.Errorf("council %s on two pages", la.GSSCode)
				}
				seen[la.GSSCode] = true
				names = append(names, strings.ToLower(la.DisplayName))
				if la.Name != "localAuthorities/"+la.GSSCode || la.Etag == "" {
					t.Errorf("council %+v lacks its name or etag", la)
				}
			}
			if page.NextPageToken == "" {
				break
			}
			path = "/v1/localAuthorities?page_size=40&page_token=" + url.QueryEscape(page.NextPageToken)
		}
		if len(seen) != 152 {
			t.Fatalf("listed %d councils, want 152", len(seen))
		}
		for i := 1; i < len(names); i++ {
			if names[i-1] > names[i] {
				t.Fatalf("not ordered by name: %q before %q", names[i-1], names[i])
			}
		}
	})

	t.Run("filter by region and type", func(t *testing.T) {
		code, body := in.get(t, "/v1/localAuthorities?page_size=200&filter="+url.QueryEscape(`region = "LONDON" AND council_type = LONDON_BOROUGH`), token)
		if code != http.StatusOK {
			t.Fatalf("status %d: %s", code, body)
		}
		var page councilPage
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		if page.TotalSize != 32 || len(page.LocalAuthorities) != 32 {
			t.Fatalf("London boroughs = %d (%d on page), want 32", page.TotalSize, len(page.LocalAuthorities))
		}
		for _, la := range page.LocalAuthorities {
			if la.Region != "REGION_LONDON" || la.CouncilType != "COUNCIL_TYPE_LONDON_BOROUGH" {
				t.Errorf("%s: region %s type %s", la.GSSCode, la.Region, la.CouncilType)
			}
		}
	})

	t.Run("get one by name over gRPC", func(t *testing.T) {
		client := inspectionv1.NewInspectionServiceClient(in.conn(t))
		ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+token)
		la, err := client.GetLocalAuthority(ctx, &inspectionv1.GetLocalAuthorityRequest{Name: "localAuthorities/E08000035"})
		if err != nil {
			t.Fatal(err)
		}
		if la.GetDisplayName() != "Leeds" || la.GetRegion() != typev1.Region_REGION_YORKSHIRE_AND_THE_HUMBER || la.GetDfeCode() != "383" {
			t.Fatalf("Leeds = %v", la)
		}
		_, err = client.GetLocalAuthority(ctx, &inspectionv1.GetLocalAuthorityRequest{Name: "localAuthorities/E08999999"})
		if st := status.Convert(err); st.Code() != codes.NotFound || apierror.Info(st).GetReason() != "LOCAL_AUTHORITY_NOT_FOUND" {
			t.Fatalf("unknown council: %v", err)
		}
		_, err = client.GetLocalAuthority(context.Background(), &inspectionv1.GetLocalAuthorityRequest{Name: "localAuthorities/E08000035"})
		if status.Code(err) != codes.Unauthenticated {
			t.Fatalf("without a token: %v", err)
		}
	})

	t.Run("401 with a Status body without a token", func(t *testing.T) {
		code, body := in.get(t, "/v1/localAuthorities/E08000035", "")
		if code != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401: %s", code, body)
		}
		s := decodeStatus(t, body)
		if s.Code != int(codes.Unauthenticated) || s.reason() == "" {
			t.Fatalf("body %+v lacks code 16 and an ErrorInfo", s)
		}
	})

	t.Run("400 with field violations", func(t *testing.T) {
		for _, tc := range []struct{ query, field string }{
			{"page_size=-1", "page_size"},
			{"filter=" + url.QueryEscape(`colour = "red"`), "filter"},
			{"filter=" + url.QueryEscape(`region = "ATLANTIS"`), "filter"},
			{"order_by=population", "order_by"},
			{"page_token=not-a-token", "page_token"},
		} {
			code, body := in.get(t, "/v1/localAuthorities?"+tc.query, token)
			if code != http.StatusBadRequest {
				t.Errorf("%s: status %d, want 400: %s", tc.query, code, body)
				continue
			}
			if v := decodeStatus(t, body).violations(); v[tc.field] == "" {
				t.Errorf("%s: no violation on %s in %s", tc.query, tc.field, body)
			}
		}
	})

	t.Run("a page token is bound to its filter", func(t *testing.T) {
		_, body := in.get(t, "/v1/localAuthorities?page_size=5", token)
		var page councilPage
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		code, body := in.get(t, "/v1/localAuthorities?page_size=5&filter="+url.QueryEscape(`region = LONDON`)+"&page_token="+url.QueryEscape(page.NextPageToken), token)
		if code != http.StatusBadRequest || decodeStatus(t, body).violations()["page_token"] == "" {
			t.Fatalf("token reused with another filter: %d %s", code, body)
		}
	})

	t.Run("demo data: the projection reads 38 and one trigger has fired", func(t *testing.T) {
		var proj struct {
			Inspected  int `json:"inspected_count"`
			Inadequate int `json:"inadequate_count"`
			Projected  int `json:"projected_inadequate_when_all_inspected"`
		}
		if code, body := in.do(t, http.MethodGet, "/v1/inadequacyProjection?as_of.year=2015&as_of.month=12&as_of.day=14", token, nil, &proj); code != http.StatusOK {
			t.Fatalf("projection = %d: %s", code, body)
		}
		if proj.Inspected != 80 || proj.Inadequate != 20 || proj.Projected != 38 {
			t.Fatalf("projection = %+v, want 80 inspected, 20 inadequate, 38 projected", proj)
		}
		dfe := devToken(t, keyFile, "-role", "dfe_official")
		var recs struct {
			Recs []struct {
				State    string   `json:"state"`
				Concerns []string `json:"concerns"`
			} `json:"emergency_inspection_recommendations"`
		}
		if code, body := in.do(t, http.MethodGet, "/v1/localAuthorities/-/emergencyInspectionRecommendations", dfe, nil, &recs); code != http.StatusOK {
			t.Fatalf("recommendations = %d: %s", code, body)
		}
		if len(recs.Recs) != 1 || recs.Recs[0].State != "RECOMMENDATION_STATE_PENDING" || len(recs.Recs[0].Concerns) != 2 {
			t.Fatalf("recommendations = %+v, want one pending with two concerns", recs)
		}
		// A partner system reads published judgements but never risk.
		if code, _ := in.do(t, http.MethodGet, "/v1/localAuthorities/-/riskAssessments", token, nil, nil); code != http.StatusForbidden {
			t.Fatalf("partner reading risk = %d, want 403", code)
		}
		var risks struct {
			Risks []struct {
				Band    string `json:"band"`
				Factors []any  `json:"factors"`
			} `json:"risk_assessments"`
			Total int `json:"total_size"`
		}
		if code, body := in.do(t, http.MethodGet, "/v1/localAuthorities/-/riskAssessments?filter="+url.QueryEscape("inspected_under_sif = false"), dfe, nil, &risks); code != http.StatusOK {
			t.Fatalf("risk = %d: %s", code, body)
		}
		if risks.Total != 72 || len(risks.Risks) == 0 || len(risks.Risks[0].Factors) == 0 || risks.Risks[0].Band == "RISK_BAND_INSUFFICIENT_DATA" {
			t.Fatalf("uninspected risk list = %d councils, first %+v", risks.Total, risks.Risks[0])
		}
	})

	t.Run("health and readiness", func(t *testing.T) {
		for _, p := range []string{"/healthz", "/readyz"} {
			if code, body := in.get(t, p, ""); code != http.StatusOK {
				t.Errorf("%s = %d: %s", p, code, body)
			}
		}
		resp, err := healthpb.NewHealthClient(in.conn(t)).Check(context.Background(), &healthpb.HealthCheckRequest{Service: "turnaround.inspection.v1.InspectionService"})
		if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Fatalf("gRPC health = %v, %v", resp, err)
		}
	})

	t.Run("docs and OpenAPI are served", func(t *testing.T) {
		code, body := in.get(t, "/openapi.json", "")
		if code != http.StatusOK || !json.Valid(body) || !bytes.Contains(body, []byte("/v1/localAuthorities")) ||
			!bytes.Contains(body, []byte(`"openapi": "3.1.0"`)) {
			t.Fatalf("openapi.json = %d", code)
		}
		if code, body := in.get(t, "/docs", ""); code != http.StatusOK || !bytes.Contains(body, []byte("/docs/vendor/swagger-ui-bundle.js")) {
			t.Fatalf("docs = %d", code)
		}
		if code, body := in.get(t, "/docs/vendor/swagger-ui-bundle.js", ""); code != http.StatusOK || !bytes.Contains(body, []byte("SwaggerUIBundle")) {
			t.Fatalf("docs bundle = %d", code)
		}
	})

	if err := in.terminate(t); err != nil {
		t.Fatalf("exit after SIGTERM: %v, want status 0", err)
	}
}

// TestRealRedisProductionMode runs the binary against the real Redis with a
// JWKS, as a deployment does: RS256 tokens work, development tokens do not.
func TestRealRedisProductionMode(t *testing.T) {
	client, ks := redistest.New(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	jwks := filepath.Join(dir, "jwks.json")
	writeJWKS(t, jwks, "k1", &key.PublicKey)

	in := start(t, []string{"REDIS_URL=" + redistest.URL()}, "-jwks-file="+jwks, "-key-prefix="+ks.Prefix, "-jwt-issuer=https://idp.example")
	if strings.Contains(in.stdout.String(), "TOKEN=") {
		t.Fatal("production mode printed development tokens")
	}
	tok := signRS256(t, key, "k1", jwt.MapClaims{
		"sub": "dfe-1", "roles": []string{"dfe_official"}, "iss": "https://idp.example",
		"exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix(),
	})
	code, body := in.get(t, "/v1/localAuthorities/E10000014", tok)
	if code != http.StatusOK || !bytes.Contains(body, []byte("Hampshire")) {
		t.Fatalf("get Hampshire = %d: %s", code, body)
	}
	n, err := client.Exists(context.Background(), ks.Key("la:E10000014", "council")).Result()
	if err != nil || n != 1 {
		t.Fatalf("council record not in the real Redis under the test prefix: %d, %v", n, err)
	}

	t.Run("schedule, publish an inadequate judgement, see the latest grade and the event", func(t *testing.T) {
		inspector := signRS256(t, key, "k1", jwt.MapClaims{
			"sub": "ofsted-1", "roles": []string{"ofsted_inspector"}, "iss": "https://idp.example",
			"exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix(),
		})
		date := func(y, m, d int) map[string]int { return map[string]int{"year": y, "month": m, "day": d} }
		graded := func(g string) map[string]string {
			return map[string]string{"grade": g, "narrative": "Inspectors found " + g}
		}

		code, body := in.do(t, http.MethodPost, "/v1/localAuthorities/E08000035/inspections", inspector,
			map[string]any{"framework": "FRAMEWORK_SIF", "start_date": date(2015, 10, 12), "end_date": date(2015, 10, 1)}, nil)
		if code != http.StatusBadRequest || decodeStatus(t, body).violations()["inspection.end_date"] == "" {
			t.Fatalf("reversed dates = %d: %s", code, body)
		}

		var ins struct {
			Name  string `json:"name"`
			Etag  string `json:"etag"`
			State string `json:"state"`
		}
		code, body = in.do(t, http.MethodPost, "/v1/localAuthorities/E08000035/inspections?request_id=e2e-1", inspector,
			map[string]any{"framework": "FRAMEWORK_SIF", "start_date": date(2015, 10, 12), "end_date": date(2015, 11, 6), "lead_inspector": "A. Inspector"}, &ins)
		if code != http.StatusOK || ins.State != "INSPECTION_STATE_SCHEDULED" {
			t.Fatalf("create = %d: %s", code, body)
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
			t.Fatalf("update = %d: %s", code, body)
		}
		code, body = in.do(t, http.MethodPost, "/v1/"+ins.Name+":publishJudgement", inspector,
			map[string]any{"etag": ins.Etag, "publish_date": date(2015, 12, 10), "request_id": "e2e-2"}, &ins)
		if code != http.StatusOK || ins.State != "INSPECTION_STATE_PUBLISHED" {
			t.Fatalf("publish = %d: %s", code, body)
		}
		code, body = in.do(t, http.MethodPatch, "/v1/"+ins.Name, inspector, map[string]any{"etag": ins.Etag, "lead_inspector": "B"}, nil)
		if code != http.StatusBadRequest || decodeStatus(t, body).Code != int(codes.FailedPrecondition) {
			t.Fatalf("editing a published inspection = %d: %s", code, body)
		}

		var la struct {
			Latest struct {
				Inspection string `json:"inspection"`
				Grade      string `json:"overall_grade"`
			} `json:"latest_judgement"`
			SIF bool `json:"inspected_under_sif"`
		}
		if code, body := in.do(t, http.MethodGet, "/v1/localAuthorities/E08000035", tok, nil, &la); code != http.StatusOK {
			t.Fatalf("get council = %d: %s", code, body)
		}
		if la.Latest.Grade != "GRADE_INADEQUATE" || la.Latest.Inspection != ins.Name || !la.SIF {
			t.Fatalf("council after publication = %+v", la)
		}

		// The relay moves the outbox entry onto the inspection topic stream.
		deadline := time.Now().Add(30 * time.Second)
		for {
			entries, err := client.XRange(context.Background(), ks.Topic("inspection"), "-", "+").Result()
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, e := range entries {
				if e.Values["type"] == "turnaround.events.v1.JudgementPublished" && e.Values["subject"] == ins.Name {
					found = true
				}
			}
			if found {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no JudgementPublished for %s on the topic stream (%d entries)", ins.Name, len(entries))
			}
			time.Sleep(100 * time.Millisecond)
		}
	})

	devKey := filepath.Join(dir, "dev.key")
	dev := devToken(t, devKey, "-role", "dfe_official")
	if code, body := in.get(t, "/v1/localAuthorities/E10000014", dev); code != http.StatusUnauthorized {
		t.Fatalf("development token in production = %d, want 401: %s", code, body)
	}
	if err := in.terminate(t); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
}

func writeJWKS(t *testing.T, path, kid string, pub *rsa.PublicKey) {
	t.Helper()
	set := map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig",
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func signRS256(t *testing.T, key *rsa.PrivateKey, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
