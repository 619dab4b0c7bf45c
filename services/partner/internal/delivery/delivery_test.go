package delivery_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/partner/internal/delivery"
)

// The Standard Webhooks specification's own example: this secret, id,
// timestamp and body sign to this signature.
func TestSignMatchesTheStandardWebhooksExample(t *testing.T) {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	body := []byte(`{"test": 2432232314}`)
	got, err := delivery.Sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Fatalf("signature %s, want %s", got, want)
	}
}

func TestVerify(t *testing.T) {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	body := []byte(`{"specversion":"1.0"}`)
	now := time.Unix(1_800_000_000, 0)
	sig, _ := delivery.Sign(secret, "evt-1", now.Unix(), body)
	h := http.Header{}
	h.Set(delivery.HeaderID, "evt-1")
	h.Set(delivery.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	h.Set(delivery.HeaderSignature, "v1,bm90IHRoaXMgb25l "+sig) // a rotated secret's signature beside it
	if err := delivery.Verify(secret, h, body, now.Add(time.Minute), 5*time.Minute); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if err := delivery.Verify(secret, h, []byte(`{"specversion":"0.3"}`), now, 5*time.Minute); err == nil {
		t.Fatal("a changed body verified")
	}
	h2 := h.Clone()
	h2.Set(delivery.HeaderID, "evt-2")
	if err := delivery.Verify(secret, h2, body, now, 5*time.Minute); err == nil {
		t.Fatal("another webhook-id verified")
	}
	if err := delivery.Verify(secret, h, body, now.Add(10*time.Minute), 5*time.Minute); err == nil {
		t.Fatal("a replay outside the tolerance verified")
	}
	if _, err := delivery.Sign("not-a-secret", "x", 1, body); err == nil {
		t.Fatal("a secret without whsec_ signed")
	}
}

func TestBackoffGrowsToItsMaximumWithJitter(t *testing.T) {
	b := delivery.Backoff{Initial: time.Second, Max: 10 * time.Second, Factor: 2, Jitter: 0.2}
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 8 * time.Second, 5: 10 * time.Second, 30: 10 * time.Second} {
		if got := b.Delay(n, 0.5); got != want {
			t.Errorf("retry %d: %s, want %s", n, got, want)
		}
		lo, hi := b.Delay(n, 0), b.Delay(n, 0.999999)
		if lo < time.Duration(float64(want)*0.8)-time.Millisecond || hi > time.Duration(float64(want)*1.2) || lo >= hi {
			t.Errorf("retry %d: jitter from %s to %s around %s", n, lo, hi, want)
		}
	}
	// The default schedule covers a day in a bounded number of attempts.
	var total time.Duration
	n := 0
	for total < 24*time.Hour {
		n++
		total += delivery.DefaultBackoff.Delay(n, 0.5)
	}
	if n < 10 || n > 40 {
		t.Errorf("the default schedule makes %d attempts in 24 hours", n)
	}
}
