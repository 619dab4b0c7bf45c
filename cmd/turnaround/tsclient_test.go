package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTypeScriptClient runs the TypeScript client a frontend would write
// (gateway/web/tsclient: openapi-fetch, typed by openapi-typescript from the
// OpenAPI 3.1 document) with Node against the real binary. `make
// test-contract` generates the types, type-checks the client with tsc
// --strict, builds it and runs this test with TURNAROUND_TSCLIENT set to
// the built script; without it the test is skipped.
func TestTypeScriptClient(t *testing.T) {
	script := os.Getenv("TURNAROUND_TSCLIENT")
	if script == "" {
		t.Skip("TURNAROUND_TSCLIENT is not set: run make test-contract")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is required: %v", err)
	}
	keyFile := filepath.Join(t.TempDir(), "dev.key")
	in := start(t, []string{"TURNAROUND_DEV_KEY_FILE=" + keyFile, "REDIS_URL="})
	token := devToken(t, keyFile, "-role", "dfe_official")
	// The demo opens its waiting sponsor need (Birmingham's) after its
	// approved run, in the background: the client's dry run needs it. Any
	// other need open before that run may be matched by it meanwhile.
	deadline := time.Now().Add(90 * time.Second)
	for {
		code, body := in.get(t, "/v1/localAuthorities/E08000025/sponsorNeeds/birmingham-improvement", token)
		if code == 200 && strings.Contains(string(body), `"NEED_STATE_OPEN"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the demo opened no sponsor need in time: HTTP %d %s", code, body)
		}
		time.Sleep(250 * time.Millisecond)
	}

	cmd := exec.Command(node, script)
	cmd.Env = append(os.Environ(), "TURNAROUND_URL="+in.http, "TURNAROUND_TOKEN="+token)
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("node %s: %v\nstdout: %s\nstderr: %s", script, err, out, stderr)
	}
	var got struct {
		Councils            int    `json:"councils"`
		FirstCouncil        string `json:"first_council"`
		RiskName            string `json:"risk_name"`
		RiskBand            string `json:"risk_band"`
		RiskFactors         int    `json:"risk_factors"`
		MatchRunAlgorithm   string `json:"match_run_algorithm"`
		MatchRunAssignments int    `json:"match_run_assignments"`
		NotFoundStatus      int    `json:"not_found_status"`
		NotFoundCode        int    `json:"not_found_code"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("client printed %q: %v", out, err)
	}
	t.Logf("client saw %+v", got)
	if got.Councils != 152 || got.FirstCouncil == "" {
		t.Errorf("councils = %d (first %q), want all 152 across pages", got.Councils, got.FirstCouncil)
	}
	if got.RiskName != "localAuthorities/E08000035/riskAssessment" || got.RiskBand == "" || got.RiskFactors == 0 {
		t.Errorf("risk assessment = %s band %q with %d factors", got.RiskName, got.RiskBand, got.RiskFactors)
	}
	if got.MatchRunAlgorithm != "ALGORITHM_OPTIMAL" {
		t.Errorf("match run algorithm = %q, want ALGORITHM_OPTIMAL", got.MatchRunAlgorithm)
	}
	if got.NotFoundStatus != 404 || got.NotFoundCode != 5 {
		t.Errorf("unknown council = HTTP %d code %d, want 404 NOT_FOUND as a typed Status", got.NotFoundStatus, got.NotFoundCode)
	}
}
