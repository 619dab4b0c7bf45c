package partner

import (
	"net/http"
	"time"

	"github.com/turnaround-sli/turnaround/services/partner/internal/delivery"
	"github.com/turnaround-sli/turnaround/services/partner/internal/watch"
)

// CursorFrom is the cursor standing at the given stream entry id of each
// topic ("0-0" for before the first), for tools and tests that replay a
// topic from a known position.
func CursorFrom(positions map[string]string) string { return watch.Cursor(positions).String() }

// VerifyWebhook is the receiver's check of a delivery, as docs/partner-events.md
// documents it: the webhook-timestamp is within tolerance of now and the
// webhook-signature carries the v1 HMAC-SHA256 of "{id}.{timestamp}.{body}"
// under the subscription's secret.
func VerifyWebhook(secret string, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	return delivery.Verify(secret, h, body, now, tolerance)
}

// SignWebhook is the webhook-signature value of a delivery with this id,
// timestamp (Unix seconds) and body under secret, as every delivery carries
// it.
func SignWebhook(secret, id string, timestamp int64, body []byte) (string, error) {
	return delivery.Sign(secret, id, timestamp, body)
}
