package telemetry

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"go.opentelemetry.io/otel/trace"
)

// NewLogger returns a JSON logger writing to w that drops records below level
// and adds trace_id and span_id to every record logged with a context that
// carries a span (slog.InfoContext and friends).
func NewLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(NewTraceHandler(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})))
}

// ParseLevel reads a log level as written in configuration: debug, info,
// warn (or warning), error, in any case, and slog's offset form such as
// "debug-2" or "error+4". An empty string means info.
func ParseLevel(s string) (slog.Level, error) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "":
		return slog.LevelInfo, nil
	case "warning":
		return slog.LevelWarn, nil
	}
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("telemetry: log level %q (want debug, info, warn or error): %w", s, err)
	}
	return l, nil
}

// NewTraceHandler wraps h so that records logged with a context holding a
// valid span gain top-level trace_id and span_id attributes, letting a log
// search jump straight to the trace. Records without such a context pass
// through unchanged.
func NewTraceHandler(h slog.Handler) slog.Handler {
	return &traceHandler{base: h, full: h}
}

// traceHandler keeps the handler as it was before any WithGroup (base) and
// the WithAttrs/WithGroup calls made since (steps), because attributes added
// to a record land inside the innermost open group: to keep trace_id at the
// top level under a group, the ids are attached to base and the steps are
// replayed. full is base with every step applied, used when no ids are
// added or no group is open. steps is empty until the first WithGroup.
type traceHandler struct {
	base  slog.Handler
	full  slog.Handler
	steps []step
}

// step is one WithAttrs (group == "") or WithGroup call.
type step struct {
	group string
	attrs []slog.Attr
}

func (h *traceHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.full.Enabled(ctx, l)
}

func (h *traceHandler) Handle(ctx context.Context, r slog.Record) error {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return h.full.Handle(ctx, r)
	}
	ids := []slog.Attr{
		slog.String("trace_id", sc.TraceID().String()),
		slog.String("span_id", sc.SpanID().String()),
	}
	if len(h.steps) == 0 {
		r = r.Clone()
		r.AddAttrs(ids...)
		return h.full.Handle(ctx, r)
	}
	target := h.base.WithAttrs(ids)
	for _, s := range h.steps {
		if s.group != "" {
			target = target.WithGroup(s.group)
		} else {
			target = target.WithAttrs(s.attrs)
		}
	}
	return target.Handle(ctx, r)
}

func (h *traceHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	c := h.clone()
	c.full = h.full.WithAttrs(attrs)
	if len(h.steps) == 0 {
		// Without an open group, attributes are top-level either way, so
		// they can live in base and need no replay.
		c.base = c.full
		return c
	}
	c.steps = append(c.steps, step{attrs: attrs})
	return c
}

func (h *traceHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := h.clone()
	c.full = h.full.WithGroup(name)
	c.steps = append(c.steps, step{group: name})
	return c
}

func (h *traceHandler) clone() *traceHandler {
	c := *h
	c.steps = append([]step(nil), h.steps...)
	return &c
}
