package telemetry

import (
	"net/http"
	"net/http/pprof"
	"time"
)

// AdminOption changes what the admin server exposes.
type AdminOption func(*adminConfig)

type adminConfig struct {
	pprof bool
}

// WithPprof serves the runtime profiler under /debug/pprof/. It is off by
// default because profiles reveal internals and cost CPU while running, so
// the admin port should only offer them where an operator asked for it.
func WithPprof() AdminOption {
	return func(c *adminConfig) { c.pprof = true }
}

// AdminServer returns an HTTP server for the admin port, serving /metrics
// from t and, with WithPprof, /debug/pprof/. The caller starts it
// (ListenAndServe or Serve) and stops it with Shutdown. It is kept apart from
// the public listeners so metrics and profiles are never exposed to API
// clients. (Importing net/http/pprof also registers it on
// http.DefaultServeMux, which is why no Turnaround listener serves that mux.)
func AdminServer(addr string, t *Telemetry, opts ...AdminOption) *http.Server {
	var cfg adminConfig
	for _, o := range opts {
		o(&cfg)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", t.MetricsHandler())
	writeTimeout := 30 * time.Second
	if cfg.pprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		// CPU profiles and execution traces default to 30 s of sampling and
		// pprof refuses durations beyond the server's write timeout.
		writeTimeout = 2 * time.Minute
	}
	return &http.Server{
		Addr:              addr,
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		// The admin port takes no request bodies: a whole request, headers
		// included, arrives within ten seconds or the connection closes.
		ReadTimeout:  10 * time.Second,
		WriteTimeout: writeTimeout,
		IdleTimeout:  2 * time.Minute,
	}
}
