package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/turnaround-sli/turnaround/services/platform/telemetry"
)

func TestAdminPprofIsOffUnlessAskedFor(t *testing.T) {
	// The embedded default: make test sets REDIS_URL, which would ask for
	// production settings.
	t.Setenv("REDIS_URL", "")
	for _, tc := range []struct {
		args []string
		want int
	}{
		{nil, http.StatusNotFound},
		{[]string{"-admin-pprof=true"}, http.StatusOK},
		{[]string{"-admin-pprof=false"}, http.StatusNotFound},
	} {
		cfg, err := parseConfig(tc.args)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		tel, err := telemetry.Setup(t.Context(), telemetry.Config{ServiceName: "config-test"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
		srv := telemetry.AdminServer("127.0.0.1:0", tel, cfg.adminOptions()...)
		rec := httptest.NewRecorder()
		srv.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/debug/pprof/", nil))
		if rec.Code != tc.want {
			t.Errorf("%v: /debug/pprof/ answered %d, want %d", tc.args, rec.Code, tc.want)
		}
	}
	if _, err := parseConfig([]string{"-admin-pprof=perhaps"}); err == nil {
		t.Error("-admin-pprof=perhaps was accepted")
	}
}
