package main

import (
	"crypto/x509"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/partner"
)

// partnerConfig tunes the partner-events service: which webhook hosts may
// be reached although they are not public, which authorities sign their
// certificates, the retry schedule and the event streams' limits.
type partnerConfig struct {
	AllowHosts   string
	CAFile       string
	RetryInitial time.Duration
	RetryMax     time.Duration
	MaxAge       time.Duration
	DisableAfter int
	WatchBuffer  int
	WatchStreams int
}

func registerPartner(fs *flag.FlagSet, c *partnerConfig) {
	fs.StringVar(&c.AllowHosts, "webhook-allow-hosts", env("TURNAROUND_WEBHOOK_ALLOW_HOSTS", ""),
		"partner: comma-separated webhook hosts (names, addresses or CIDR prefixes) allowed although they are loopback, private or otherwise non-public; for tests and closed networks")
	fs.StringVar(&c.CAFile, "webhook-ca-file", env("TURNAROUND_WEBHOOK_CA_FILE", ""),
		"partner: PEM file of the certificate authorities webhook endpoints are verified against, instead of the system's")
	fs.DurationVar(&c.RetryInitial, "webhook-retry-initial", envDuration("TURNAROUND_WEBHOOK_RETRY_INITIAL", partner.DefaultBackoff.Initial),
		"partner: wait before the first retry of a failed webhook delivery; each retry doubles it")
	fs.DurationVar(&c.RetryMax, "webhook-retry-max", envDuration("TURNAROUND_WEBHOOK_RETRY_MAX", partner.DefaultBackoff.Max),
		"partner: longest wait between retries of a webhook delivery")
	fs.DurationVar(&c.MaxAge, "webhook-max-age", envDuration("TURNAROUND_WEBHOOK_MAX_AGE", 24*time.Hour),
		"partner: how long a webhook delivery is retried before it is dead-lettered")
	fs.IntVar(&c.DisableAfter, "webhook-disable-after", envInt("TURNAROUND_WEBHOOK_DISABLE_AFTER", 50),
		"partner: failed attempts in a row that disable a webhook subscription")
	fs.IntVar(&c.WatchBuffer, "watch-buffer", envInt("TURNAROUND_WATCH_BUFFER", 256),
		"partner: events a WatchEvents stream may fall behind before it is cut off (RESOURCE_EXHAUSTED)")
	fs.IntVar(&c.WatchStreams, "watch-max-streams", envInt("TURNAROUND_WATCH_MAX_STREAMS", 5),
		"partner: WatchEvents streams one caller may hold open at once")
}

// partnerDeps turns the configuration into the service's dependencies.
func (c partnerConfig) deps(d partner.Deps) (partner.Deps, error) {
	for h := range strings.SplitSeq(c.AllowHosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			d.AllowHosts = append(d.AllowHosts, h)
		}
	}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return d, fmt.Errorf("-webhook-ca-file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return d, fmt.Errorf("-webhook-ca-file=%s: no PEM certificates", c.CAFile)
		}
		d.RootCAs = pool
	}
	d.Delivery.Backoff = partner.Backoff{Initial: c.RetryInitial, Max: c.RetryMax, Factor: 2, Jitter: partner.DefaultBackoff.Jitter}
	d.Delivery.MaxAge = c.MaxAge
	d.Delivery.DisableAfter = int64(c.DisableAfter)
	d.Watch.Buffer = c.WatchBuffer
	d.Watch.MaxStreams = c.WatchStreams
	return d, nil
}
