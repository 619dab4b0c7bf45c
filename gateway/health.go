package gateway

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"time"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// readinessTimeout bounds one upstream health check, so a hung upstream makes
// /readyz fail fast instead of stalling the orchestrator's probe.
const readinessTimeout = 2 * time.Second

// probeBody is the short JSON answer of /healthz and /readyz.
type probeBody struct {
	Status string `json:"status"`
	Detail string `json:"detail,omitempty"`
}

// serveHealthz reports liveness: the process is up and serving HTTP. It
// deliberately ignores the upstream, so a down service never gets the
// gateway restarted.
func (g *Gateway) serveHealthz(w http.ResponseWriter, _ *http.Request, _ map[string]string) {
	writeProbe(w, http.StatusOK, probeBody{Status: "SERVING"})
}

// serveReadyz reports readiness: every upstream's gRPC health service says
// the server as a whole ("") is SERVING.
func (g *Gateway) serveReadyz(w http.ResponseWriter, r *http.Request, _ map[string]string) {
	ctx, cancel := context.WithTimeout(r.Context(), readinessTimeout)
	defer cancel()
	body := probeBody{Status: "SERVING"}
	var err error
	for _, h := range g.health {
		var resp *healthpb.HealthCheckResponse
		resp, err = h.Check(ctx, &healthpb.HealthCheckRequest{Service: ""})
		if err != nil {
			// The status code, not its message: the message names internal addresses.
			body = probeBody{Status: "UNAVAILABLE", Detail: "upstream health check failed: " + status.Code(err).String()}
			break
		}
		if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			body = probeBody{Status: resp.GetStatus().String()}
			break
		}
	}
	g.readiness.record(ctx, g.log, body, err)
	if body.Status != "SERVING" {
		writeProbe(w, http.StatusServiceUnavailable, body)
		return
	}
	writeProbe(w, http.StatusOK, body)
}

func writeProbe(w http.ResponseWriter, httpStatus int, body probeBody) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(httpStatus)
	// Encoding a two-string struct cannot fail; a write error means the
	// prober hung up.
	_ = json.NewEncoder(w).Encode(body)
}

// readinessLog logs readiness only when it changes, so a probe every few
// seconds does not flood the log while the upstream is down.
type readinessLog struct {
	mu   sync.Mutex
	last string
}

func (l *readinessLog) record(ctx context.Context, log *slog.Logger, body probeBody, err error) {
	l.mu.Lock()
	changed := l.last != body.Status
	l.last = body.Status
	l.mu.Unlock()
	if !changed {
		return
	}
	if body.Status == "SERVING" {
		log.InfoContext(ctx, "gateway: upstream ready")
		return
	}
	attrs := []any{slog.String("status", body.Status)}
	if err != nil {
		attrs = append(attrs, slog.Any("error", err))
	}
	log.WarnContext(ctx, "gateway: upstream not ready", attrs...)
}
