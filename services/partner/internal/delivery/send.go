package delivery

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/turnaround-sli/turnaround/services/partner/internal/egress"
	"github.com/turnaround-sli/turnaround/services/partner/internal/subscription"
)

// HTTPSender posts deliveries over HTTPS through a guarded client.
type HTTPSender struct {
	Client *http.Client
	Now    func() time.Time
}

// Send implements Sender: one signed POST of the CloudEvent, with the
// event id as webhook-id. Any 2xx answer is success.
func (h HTTPSender) Send(ctx context.Context, sub subscription.Subscription, d Delivery) Attempt {
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	start := now().UTC()
	// Latency is measured on the process's monotonic clock: Now may be a
	// clock set elsewhere, which time.Since(start) would mix with the
	// real one.
	began := time.Now()
	at := Attempt{Time: start}
	ts := start.Unix()
	sig, err := Sign(sub.Secret, d.EventID, ts, d.Body)
	if err != nil {
		at.Error = "cannot sign: " + err.Error()
		return at
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.URL, bytes.NewReader(d.Body))
	if err != nil {
		at.Error = "bad request: " + err.Error()
		return at
	}
	req.Header.Set("Content-Type", ContentType)
	req.Header.Set("User-Agent", "Turnaround-Webhooks/1")
	req.Header.Set(HeaderID, d.EventID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, sig)
	if d.TraceParent != "" {
		req.Header.Set("traceparent", d.TraceParent)
	}
	resp, err := h.Client.Do(req)
	at.Latency = time.Since(began)
	if err != nil {
		switch {
		case errors.Is(err, egress.ErrForbidden):
			at.Error = "refused: the endpoint resolves to a non-public address"
		case errors.Is(err, context.DeadlineExceeded):
			at.Error = "timed out"
		default:
			at.Error = err.Error()
		}
		return at
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	at.StatusCode = resp.StatusCode
	at.Latency = time.Since(began)
	return at
}
