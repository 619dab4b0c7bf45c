package main

// Fault tests with real processes: the binary (built here, without the race
// detector so its timing is a deployment's) against its own redis-server
// with AOF on, under bounded write load with request ids. Redis is killed
// and paused, the service is killed mid-publish, and Sentinel fails over;
// each test asserts what a client and an operator see and logs the numbers
// docs/reliability.md reports (lines starting "MEASURE").
//
// They take a few minutes, so they run only with TURNAROUND_FAULTS=1:
//
//	make test-faults
//
// Every process they start is stopped by its own PID.

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// faultBudget is what the issue promises: readiness follows an outage, a
// pause and a recovery within two seconds.
const faultBudget = 2 * time.Second

func requireFaults(t *testing.T) {
	t.Helper()
	if os.Getenv("TURNAROUND_FAULTS") != "1" {
		t.Skip("fault tests run with TURNAROUND_FAULTS=1 (make test-faults)")
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatal("redis-server is not installed: apt-get install redis-server")
	}
}

var (
	faultBuildOnce sync.Once
	faultBinPath   string
	faultBuildErr  error
)

// faultBinary builds the binary without the race detector: the fault tests
// measure timings, which the detector's overhead would distort.
func faultBinary(t *testing.T) string {
	t.Helper()
	faultBuildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "turnaround-faults")
		if err != nil {
			faultBuildErr = err
			return
		}
		faultBinPath = filepath.Join(dir, "turnaround")
		out, err := exec.Command("go", "build", "-o", faultBinPath, ".").CombinedOutput()
		if err != nil {
			faultBuildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if faultBuildErr != nil {
		t.Fatal(faultBuildErr)
	}
	return faultBinPath
}

// freePort returns a loopback port nothing listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := lis.Addr().(*net.TCPAddr).Port
	if err := lis.Close(); err != nil {
		t.Fatal(err)
	}
	return port
}

// redisProc is a redis-server this test started and alone may signal.
type redisProc struct {
	t    *testing.T
	name string
	port int
	args []string
	cmd  *exec.Cmd
	done chan struct{}
}

// startRedis runs redis-server on a free loopback port with AOF on (fsync
// every second: a killed process loses nothing it acknowledged, since the
// AOF is written before replies are sent) in its own directory.
func startRedis(t *testing.T, name string, extra ...string) *redisProc {
	t.Helper()
	dir := t.TempDir()
	r := &redisProc{t: t, name: name, port: freePort(t)}
	r.args = append([]string{
		"--bind", "127.0.0.1", "--port", strconv.Itoa(r.port), "--dir", dir,
		"--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
		"--logfile", filepath.Join(dir, "redis.log"),
	}, extra...)
	r.start()
	t.Cleanup(r.kill)
	return r
}

func (r *redisProc) addr() string { return "127.0.0.1:" + strconv.Itoa(r.port) }

func (r *redisProc) start() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server", r.args...)
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("start %s: %v", r.name, err)
	}
	r.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); close(done) }(r.cmd, r.done)
	if !waitUntil(10*time.Second, func() bool { return redisPing(r.addr()) == "PONG" }) {
		r.t.Fatalf("%s did not answer PING on %s", r.name, r.addr())
	}
}

// kill sends SIGKILL to this server's PID and waits for it to exit.
func (r *redisProc) kill() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	select {
	case <-r.done:
		return
	default:
	}
	_ = r.cmd.Process.Signal(syscall.SIGCONT) // a paused process dies too, but say so
	_ = r.cmd.Process.Signal(syscall.SIGKILL)
	<-r.done
}

func (r *redisProc) signal(sig syscall.Signal) {
	r.t.Helper()
	if err := r.cmd.Process.Signal(sig); err != nil {
		r.t.Fatalf("signal %v to %s (pid %d): %v", sig, r.name, r.cmd.Process.Pid, err)
	}
}

// redisPing sends PING in RESP and returns the reply line without its
// type byte, or the error text.
func redisPing(addr string) string {
	return redisCommand(addr, "PING")
}

// redisCommand runs one inline command and returns its first reply line.
func redisCommand(addr string, args ...string) string {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return err.Error()
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(500 * time.Millisecond))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := io.WriteString(c, b.String()); err != nil {
		return err.Error()
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err.Error()
	}
	return strings.TrimSpace(strings.TrimLeft(line, "+-:$"))
}

func waitUntil(limit time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// suiteProc is the turnaround binary, started by this test on fixed ports
// so it can be killed and started again in the same place.
type suiteProc struct {
	t     *testing.T
	env   []string
	args  []string
	http  string
	cmd   *exec.Cmd
	done  chan error
	logMu sync.Mutex
	logs  bytes.Buffer
}

func startSuite(t *testing.T, env []string, args ...string) *suiteProc {
	t.Helper()
	var s *suiteProc
	// A port freePort found free may be taken before the process binds it
	// (by an outgoing connection's ephemeral port, say): the process then
	// exits at once, and the suite starts again on other ports.
	for attempt := 1; ; attempt++ {
		httpAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
		s = &suiteProc{t: t, env: env, http: "http://" + httpAddr, args: append([]string{
			"-grpc-addr=127.0.0.1:" + strconv.Itoa(freePort(t)), "-http-addr=" + httpAddr,
			"-admin-addr=127.0.0.1:" + strconv.Itoa(freePort(t)),
		}, args...)}
		err := s.launch()
		if err == nil {
			break
		}
		if attempt == 3 || !strings.Contains(err.Error(), "address already in use") {
			t.Fatal(err)
		}
		t.Logf("starting again on other ports: %v", err)
	}
	t.Cleanup(func() {
		s.kill()
		if t.Failed() {
			s.logMu.Lock()
			t.Logf("turnaround log:\n%s", s.logs.String())
			s.logMu.Unlock()
		}
	})
	return s
}

func (s *suiteProc) start() {
	s.t.Helper()
	if err := s.launch(); err != nil {
		s.t.Fatal(err)
	}
}

// launch starts the process on s's addresses and waits until it has
// started; an error says it exited first or never started.
func (s *suiteProc) launch() error {
	s.t.Helper()
	cmd := exec.Command(faultBinary(s.t), s.args...)
	cmd.Env = append(os.Environ(), s.env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	s.cmd, s.done = cmd, make(chan error, 1)
	started, scanned := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		once := sync.Once{}
		for sc.Scan() {
			s.logMu.Lock()
			s.logs.Write(sc.Bytes())
			s.logs.WriteByte('\n')
			s.logMu.Unlock()
			if bytes.Contains(sc.Bytes(), []byte(`"msg":"turnaround started"`)) {
				once.Do(func() { close(started) })
			}
		}
	}()
	go func() { s.done <- cmd.Wait() }()
	select {
	case <-started:
		return nil
	case err := <-s.done:
		// The log's last lines, which say why, may still be on their way.
		select {
		case <-scanned:
		case <-time.After(time.Second):
		}
		s.logMu.Lock()
		defer s.logMu.Unlock()
		return fmt.Errorf("turnaround exited before starting: %v\n%s", err, s.logs.String())
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-s.done
		return errors.New("turnaround did not start within 60s")
	}
}

// kill sends SIGKILL to this process's PID and waits for it.
func (s *suiteProc) kill() {
	if s.cmd == nil || s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

var faultClient = &http.Client{Timeout: 10 * time.Second}

// call sends one JSON request; code 0 means no HTTP answer at all.
func (s *suiteProc) call(method, path, token string, body any, out any) (int, []byte, http.Header) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			panic(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.http+path, rd)
	if err != nil {
		panic(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := faultClient.Do(req)
	if err != nil {
		return 0, []byte(err.Error()), nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(raw, out); err != nil {
			return -1, raw, resp.Header
		}
	}
	return resp.StatusCode, raw, resp.Header
}

func (s *suiteProc) ready() bool {
	c := http.Client{Timeout: 500 * time.Millisecond}
	resp, err := c.Get(s.http + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// readiness polls /readyz every 25 ms and remembers when it changed.
type readiness struct {
	mu      sync.Mutex
	changes []readinessChange
	stop    chan struct{}
	stopped chan struct{}
}

type readinessChange struct {
	at    time.Time
	ready bool
}

func watchReadiness(s *suiteProc) *readiness {
	r := &readiness{stop: make(chan struct{}), stopped: make(chan struct{})}
	go func() {
		defer close(r.stopped)
		last, first := false, true
		for {
			ok := s.ready()
			if first || ok != last {
				r.mu.Lock()
				r.changes = append(r.changes, readinessChange{time.Now(), ok})
				r.mu.Unlock()
				last, first = ok, false
			}
			select {
			case <-r.stop:
				return
			case <-time.After(25 * time.Millisecond):
			}
		}
	}()
	return r
}

// firstAfter returns when readiness first became want after t0.
func (r *readiness) firstAfter(t0 time.Time, want bool) (time.Duration, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.changes {
		if c.at.After(t0) && c.ready == want {
			return c.at.Sub(t0), true
		}
	}
	return 0, false
}

func (r *readiness) close() { close(r.stop); <-r.stopped }

// faultKeys signs RS256 tokens for a production-mode suite.
type faultKeys struct {
	key  *rsa.PrivateKey
	jwks string
}

const faultIssuer = "https://idp.example"

func newFaultKeys(t *testing.T) faultKeys {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	jwks := filepath.Join(t.TempDir(), "jwks.json")
	writeJWKS(t, jwks, "k1", &key.PublicKey)
	return faultKeys{key: key, jwks: jwks}
}

func (k faultKeys) token(t *testing.T, sub, role string) string {
	return signRS256(t, k.key, "k1", jwt.MapClaims{
		"sub": sub, "roles": []string{role}, "iss": faultIssuer,
		"exp": time.Now().Add(2 * time.Hour).Unix(), "iat": time.Now().Unix(),
	})
}

func (k faultKeys) args(prefix string) []string {
	return []string{"-jwks-file=" + k.jwks, "-jwt-issuer=" + faultIssuer, "-key-prefix=" + prefix,
		"-demo=false", "-clock-start=2016-01-04T09:00:00Z"}
}

// faultCouncils are the councils the write load spreads over, one each per
// worker.
var faultCouncils = []string{"E08000035", "E08000017", "E08000016", "E10000014", "E09000033", "E06000001"}

type faultDate struct {
	Year  int `json:"year"`
	Month int `json:"month"`
	Day   int `json:"day"`
}

type faultInspection struct {
	Name  string `json:"name"`
	Etag  string `json:"etag"`
	State string `json:"state"`
}

// writeLoad creates inspections with request ids from a few workers at a
// bounded rate, retrying each with the same request id until it is
// acknowledged, and records every answer.
type writeLoad struct {
	s      *suiteProc
	token  string
	stop   chan struct{}
	wg     sync.WaitGroup
	mu     sync.Mutex
	codes  map[int]int
	bodies map[int]string
	acked  map[string]map[string]string // council → request id → inspection name
	// slowestFailure is the longest time an answer other than 200 took.
	slowestFailure time.Duration
	missingRetry   int // 503s without Retry-After
}

func startWriteLoad(s *suiteProc, token string) *writeLoad {
	l := &writeLoad{s: s, token: token, stop: make(chan struct{}), codes: map[int]int{}, bodies: map[int]string{},
		acked: map[string]map[string]string{}}
	for i, gss := range faultCouncils {
		l.acked[gss] = map[string]string{}
		l.wg.Add(1)
		go l.worker(i, gss)
	}
	return l
}

func (l *writeLoad) worker(i int, gss string) {
	defer l.wg.Done()
	for n := 0; ; n++ {
		select {
		case <-l.stop:
			return
		default:
		}
		rid := fmt.Sprintf("fault-%d-%d", i, n)
		// Retry the same request until it is acknowledged; after stop only
		// for a bounded time, so a broken suite fails the test, not hangs it.
		deadline := time.Time{}
		for {
			name, ok := l.create(gss, rid)
			if ok {
				l.mu.Lock()
				l.acked[gss][rid] = name
				l.mu.Unlock()
				break
			}
			select {
			case <-l.stop:
				if deadline.IsZero() {
					deadline = time.Now().Add(30 * time.Second)
				}
			default:
			}
			if !deadline.IsZero() && time.Now().After(deadline) {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		time.Sleep(40 * time.Millisecond)
	}
}

func (l *writeLoad) create(gss, rid string) (string, bool) {
	var ins faultInspection
	start := time.Now()
	code, body, header := l.s.call(http.MethodPost, "/v1/localAuthorities/"+gss+"/inspections?request_id="+rid, l.token,
		map[string]any{
			"framework":  "FRAMEWORK_SIF",
			"start_date": faultDate{2015, 11, 2}, "end_date": faultDate{2015, 11, 27},
			"lead_inspector": "Fault " + rid,
		}, &ins)
	took := time.Since(start)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.codes[code]++
	if code != http.StatusOK {
		if _, seen := l.bodies[code]; !seen {
			l.bodies[code] = string(body)
		}
		if took > l.slowestFailure {
			l.slowestFailure = took
		}
		if code == http.StatusServiceUnavailable && header.Get("Retry-After") == "" {
			l.missingRetry++
		}
	}
	return ins.Name, code == http.StatusOK && ins.Name != ""
}

func (l *writeLoad) finish() {
	close(l.stop)
	l.wg.Wait()
}

// snapshot returns the answers so far and resets the failure timing.
func (l *writeLoad) snapshot() (map[int]int, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[int]int{}
	for c, n := range l.codes {
		out[c] = n
	}
	slow := l.slowestFailure
	l.slowestFailure = 0
	return out, slow
}

func codesString(c map[int]int) string {
	var keys []int
	for k := range c {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d×%d", k, c[k]))
	}
	return strings.Join(parts, " ")
}

func diffCodes(after, before map[int]int) map[int]int {
	out := map[int]int{}
	for c, n := range after {
		if d := n - before[c]; d > 0 {
			out[c] = d
		}
	}
	return out
}

// checkOutageCodes fails on any answer during a fault but 200 and 503.
func checkOutageCodes(t *testing.T, l *writeLoad, what string, codes map[int]int) {
	t.Helper()
	for c, n := range codes {
		if c != http.StatusOK && c != http.StatusServiceUnavailable {
			l.mu.Lock()
			body := l.bodies[c]
			l.mu.Unlock()
			t.Errorf("%s: %d answers with status %d, want only 200 and 503; e.g. %s", what, n, c, body)
		}
	}
}

// listInspections returns every inspection name of a council.
func listInspections(t *testing.T, s *suiteProc, token, gss string) []string {
	t.Helper()
	var names []string
	path := "/v1/localAuthorities/" + gss + "/inspections?page_size=200"
	for {
		var page struct {
			Inspections []faultInspection `json:"inspections"`
			Next        string            `json:"next_page_token"`
		}
		code, body, _ := s.call(http.MethodGet, path, token, nil, &page)
		if code != http.StatusOK {
			t.Fatalf("list inspections of %s = %d: %s", gss, code, body)
		}
		for _, in := range page.Inspections {
			names = append(names, in.Name)
		}
		if page.Next == "" {
			return names
		}
		path = "/v1/localAuthorities/" + gss + "/inspections?page_size=200&page_token=" + url.QueryEscape(page.Next)
	}
}

// checkNoLossNoDuplicates: every acknowledged create is there, and nothing
// else is (a retried request id made nothing twice).
func checkNoLossNoDuplicates(t *testing.T, s *suiteProc, token string, l *writeLoad) (acked, lost, dups int) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, gss := range faultCouncils {
		stored := map[string]int{}
		for _, n := range listInspections(t, s, token, gss) {
			stored[n]++
		}
		want := map[string]bool{}
		for rid, name := range l.acked[gss] {
			acked++
			want[name] = true
			if stored[name] == 0 {
				lost++
				t.Errorf("%s: acknowledged %s (%s) is missing", gss, name, rid)
			}
		}
		for name, n := range stored {
			if !want[name] || n > 1 {
				dups++
				t.Errorf("%s: %s stored %d times but acknowledged %v", gss, name, n, want[name])
			}
		}
	}
	return acked, lost, dups
}

// TestFaultRedisKilledAndPaused kills Redis with SIGKILL and later pauses it
// with SIGSTOP, each under write load, and checks what clients and probes
// see and that nothing acknowledged is lost or made twice.
func TestFaultRedisKilledAndPaused(t *testing.T) {
	requireFaults(t)
	redisSrv := startRedis(t, "redis")
	keys := newFaultKeys(t)
	s := startSuite(t, []string{"REDIS_URL=redis://" + redisSrv.addr()}, keys.args("fault:")...)
	if !waitUntil(10*time.Second, s.ready) {
		t.Fatal("suite never ready")
	}
	inspector := keys.token(t, "ofsted-fault", "ofsted_inspector")
	ready := watchReadiness(s)
	defer ready.close()
	load := startWriteLoad(s, inspector)
	time.Sleep(2 * time.Second)
	if c, _ := load.snapshot(); c[http.StatusOK] == 0 {
		t.Fatalf("no write succeeded before the faults: %s", codesString(c))
	}

	const outage = 4 * time.Second
	t.Run("kill -9", func(t *testing.T) {
		before, _ := load.snapshot()
		killed := time.Now()
		redisSrv.kill()
		time.Sleep(outage)
		redisSrv.start()
		back := time.Now()
		if !waitUntil(10*time.Second, s.ready) {
			t.Fatal("not ready again 10s after Redis restarted")
		}
		time.Sleep(time.Second)
		after, slow := load.snapshot()
		codes := diffCodes(after, before)
		down, okDown := ready.firstAfter(killed, false)
		up, okUp := ready.firstAfter(back, true)
		t.Logf("MEASURE redis-kill detection=%s recovery=%s codes=[%s] slowest_failure=%s",
			down.Round(time.Millisecond), up.Round(time.Millisecond), codesString(codes), slow.Round(time.Millisecond))
		if !okDown || down > faultBudget {
			t.Errorf("readiness turned 503 %s after the kill (seen %v), want within %s", down, okDown, faultBudget)
		}
		if !okUp || up > faultBudget {
			t.Errorf("readiness turned 200 %s after Redis was back (seen %v), want within %s", up, okUp, faultBudget)
		}
		if codes[http.StatusServiceUnavailable] == 0 {
			t.Errorf("no 503 during a %s outage: %s", outage, codesString(codes))
		}
		checkOutageCodes(t, load, "Redis killed", codes)
	})

	t.Run("SIGSTOP", func(t *testing.T) {
		before, _ := load.snapshot()
		paused := time.Now()
		redisSrv.signal(syscall.SIGSTOP)
		time.Sleep(outage)
		redisSrv.signal(syscall.SIGCONT)
		resumed := time.Now()
		if !waitUntil(10*time.Second, s.ready) {
			t.Fatal("not ready again 10s after Redis resumed")
		}
		time.Sleep(time.Second)
		after, slow := load.snapshot()
		codes := diffCodes(after, before)
		down, okDown := ready.firstAfter(paused, false)
		up, okUp := ready.firstAfter(resumed, true)
		t.Logf("MEASURE redis-pause detection=%s recovery=%s codes=[%s] slowest_failure=%s",
			down.Round(time.Millisecond), up.Round(time.Millisecond), codesString(codes), slow.Round(time.Millisecond))
		if !okDown || down > faultBudget {
			t.Errorf("readiness turned 503 %s after the pause (seen %v), want within %s", down, okDown, faultBudget)
		}
		if !okUp || up > faultBudget {
			t.Errorf("readiness turned 200 %s after Redis resumed (seen %v), want within %s", up, okUp, faultBudget)
		}
		if codes[http.StatusServiceUnavailable] == 0 {
			t.Errorf("no 503 during a %s pause: %s", outage, codesString(codes))
		}
		if slow > 1500*time.Millisecond {
			t.Errorf("a failed request took %s during the pause; a hung Redis should fail requests in about a second", slow)
		}
		checkOutageCodes(t, load, "Redis paused", codes)
	})

	load.finish()
	if load.missingRetry > 0 {
		t.Errorf("%d answers 503 had no Retry-After", load.missingRetry)
	}
	acked, lost, dups := checkNoLossNoDuplicates(t, s, inspector, load)
	all, _ := load.snapshot()
	t.Logf("MEASURE redis-kill-and-pause acknowledged=%d lost=%d duplicated=%d all_codes=[%s]", acked, lost, dups, codesString(all))
}

// publishable is an inspection with a complete inadequate judgement, ready
// to publish with its etag.
type publishable struct {
	gss, name, etag, rid string
}

func preparePublishable(t *testing.T, s *suiteProc, inspector, gss string) publishable {
	t.Helper()
	var ins faultInspection
	code, body, _ := s.call(http.MethodPost, "/v1/localAuthorities/"+gss+"/inspections?request_id=publish-create-"+gss, inspector,
		map[string]any{"framework": "FRAMEWORK_SIF", "start_date": faultDate{2015, 11, 2}, "end_date": faultDate{2015, 11, 27},
			"lead_inspector": "A. Inspector"}, &ins)
	if code != http.StatusOK {
		t.Fatalf("create the inspection of %s = %d: %s", gss, code, body)
	}
	graded := func(g string) map[string]string {
		return map[string]string{"grade": g, "narrative": "Inspectors found " + g}
	}
	code, body, _ = s.call(http.MethodPatch, "/v1/"+ins.Name, inspector, map[string]any{
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
		t.Fatalf("record the judgement of %s = %d: %s", gss, code, body)
	}
	return publishable{gss: gss, name: ins.Name, etag: ins.Etag, rid: "publish-" + gss}
}

func (p publishable) publish(s *suiteProc, inspector string) (int, []byte) {
	var ins faultInspection
	code, body, _ := s.call(http.MethodPost, "/v1/"+p.name+":publishJudgement", inspector,
		map[string]any{"etag": p.etag, "publish_date": faultDate{2016, 1, 4}, "request_id": p.rid}, &ins)
	if code == http.StatusOK && ins.State != "INSPECTION_STATE_PUBLISHED" {
		return -2, body
	}
	return code, body
}

// TestFaultServiceKilledMidPublish kills the service with SIGKILL while
// inadequate judgements are being published, starts it again, retries every
// publication with its request id, and checks that each published judgement
// yields exactly one improvement plan and one support offer.
func TestFaultServiceKilledMidPublish(t *testing.T) {
	requireFaults(t)
	redisSrv := startRedis(t, "redis")
	keys := newFaultKeys(t)
	s := startSuite(t, []string{"REDIS_URL=redis://" + redisSrv.addr()}, keys.args("publish:")...)
	if !waitUntil(10*time.Second, s.ready) {
		t.Fatal("suite never ready")
	}
	inspector := keys.token(t, "ofsted-fault", "ofsted_inspector")
	dfe := keys.token(t, "dfe-fault", "dfe_official")
	lga := keys.token(t, "lga-fault", "lga_adviser")
	var pubs []publishable
	for _, gss := range faultCouncils {
		pubs = append(pubs, preparePublishable(t, s, inspector, gss))
	}

	// Publish all at once and kill the process as soon as the first is
	// acknowledged: the others are in flight, committed or not.
	acked := make([]bool, len(pubs))
	first := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	for i, p := range pubs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if code, _ := p.publish(s, inspector); code == http.StatusOK {
				acked[i] = true
				once.Do(func() { close(first) })
			}
		}()
	}
	select {
	case <-first:
	case <-time.After(30 * time.Second):
		t.Fatal("no publication acknowledged")
	}
	killed := time.Now()
	s.kill()
	wg.Wait()
	nAcked := 0
	for _, a := range acked {
		if a {
			nAcked++
		}
	}

	s.start()
	if !waitUntil(20*time.Second, s.ready) {
		t.Fatal("suite not ready after restart")
	}
	restart := time.Since(killed)
	// Retry every publication with its request id: acknowledged ones replay
	// their answer, the rest publish now.
	for _, p := range pubs {
		code, body := p.publish(s, inspector)
		if code != http.StatusOK {
			t.Fatalf("retry publication of %s = %d: %s", p.name, code, body)
		}
	}

	counts := func(p publishable) (plans, offers int) {
		var planPage struct {
			Plans []struct {
				Inspection string `json:"inspection"`
			} `json:"improvement_plans"`
		}
		if code, body, _ := s.call(http.MethodGet, "/v1/localAuthorities/"+p.gss+"/improvementPlans", dfe, nil, &planPage); code != http.StatusOK {
			t.Fatalf("plans of %s = %d: %s", p.gss, code, body)
		}
		for _, pl := range planPage.Plans {
			if pl.Inspection == p.name {
				plans++
			}
		}
		var offerPage supportOffersJSON
		if code, body, _ := s.call(http.MethodGet, "/v1/localAuthorities/"+p.gss+"/supportOffers", lga, nil, &offerPage); code != http.StatusOK {
			t.Fatalf("offers of %s = %d: %s", p.gss, code, body)
		}
		return plans, len(offerPage.SupportOffers)
	}
	start := time.Now()
	if !waitUntil(60*time.Second, func() bool {
		for _, p := range pubs {
			if pl, of := counts(p); pl == 0 || of == 0 {
				return false
			}
		}
		return true
	}) {
		for _, p := range pubs {
			pl, of := counts(p)
			t.Errorf("%s: %d plans, %d offers after 60s", p.name, pl, of)
		}
		t.FailNow()
	}
	settled := time.Since(start)
	// Redelivery after the crash must not make a second plan or offer.
	time.Sleep(3 * time.Second)
	for _, p := range pubs {
		if pl, of := counts(p); pl != 1 || of != 1 {
			t.Errorf("%s: %d improvement plans and %d support offers, want exactly one each", p.name, pl, of)
		}
		var ins faultInspection
		if code, body, _ := s.call(http.MethodGet, "/v1/"+p.name, inspector, nil, &ins); code != http.StatusOK || ins.State != "INSPECTION_STATE_PUBLISHED" {
			t.Errorf("%s after the crash = %d %s", p.name, code, body)
		}
	}
	t.Logf("MEASURE service-kill publications=%d acknowledged_before_kill=%d restart_to_ready=%s plans_and_offers_after=%s",
		len(pubs), nAcked, restart.Round(time.Millisecond), settled.Round(time.Millisecond))
}

// TestSlowBodyIsCutOff: against the real binary, a client without a token
// that declares a 100000-byte body and sends one byte loses its connection
// once the body timeout passes. This one is quick and runs in make test.
func TestSlowBodyIsCutOff(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "dev.key")
	in := start(t, []string{"TURNAROUND_DEV_KEY_FILE=" + keyFile, "REDIS_URL="}, "-http-body-timeout=1s")
	u, err := url.Parse(in.http)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	begin := time.Now()
	if _, err := io.WriteString(conn, "POST /v1/localAuthorities/E08000035/inspections HTTP/1.1\r\nHost: x\r\n"+
		"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.Copy(io.Discard, conn); err != nil {
		t.Fatalf("connection still open after %s: %v", time.Since(begin), err)
	}
	if took := time.Since(begin); took > 3*time.Second {
		t.Fatalf("connection closed after %s, want about the 1s body timeout", took)
	}
}

// sentinelProc is a redis-sentinel this test started.
type sentinelProc struct {
	port int
	cmd  *exec.Cmd
	done chan struct{}
}

func startSentinel(t *testing.T, master string, primary *redisProc) *sentinelProc {
	t.Helper()
	if _, err := exec.LookPath("redis-sentinel"); err != nil {
		t.Fatal("redis-sentinel is not installed: apt-get install redis-sentinel")
	}
	dir := t.TempDir()
	s := &sentinelProc{port: freePort(t)}
	conf := filepath.Join(dir, "sentinel.conf")
	body := fmt.Sprintf("bind 127.0.0.1\nport %d\ndir %s\nlogfile %s\n"+
		"sentinel monitor %s 127.0.0.1 %d 1\n"+
		"sentinel down-after-milliseconds %s 1000\n"+
		"sentinel failover-timeout %s 5000\n"+
		"sentinel parallel-syncs %s 1\n",
		s.port, dir, filepath.Join(dir, "sentinel.log"), master, primary.port, master, master, master)
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	s.cmd = exec.Command("redis-sentinel", conf)
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.done = make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		_ = s.cmd.Process.Signal(syscall.SIGKILL)
		<-s.done
		if t.Failed() {
			if b, err := os.ReadFile(filepath.Join(dir, "sentinel.log")); err == nil {
				t.Logf("sentinel log:\n%s", b)
			}
		}
	})
	if !waitUntil(10*time.Second, func() bool { return redisPing(s.addr()) == "PONG" }) {
		t.Fatal("sentinel did not answer PING")
	}
	return s
}

func (s *sentinelProc) addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// primaryPort asks the sentinel which port the master is on now.
func (s *sentinelProc) primaryPort(master string) string {
	c, err := net.DialTimeout("tcp", s.addr(), 200*time.Millisecond)
	if err != nil {
		return ""
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := fmt.Fprintf(c, "SENTINEL get-master-addr-by-name %s\r\n", master); err != nil {
		return ""
	}
	rd := bufio.NewReader(c)
	var lines []string
	for range 5 { // *2, $len, host, $len, port
		l, err := rd.ReadString('\n')
		if err != nil {
			return ""
		}
		lines = append(lines, strings.TrimSpace(l))
	}
	return lines[4]
}

// TestFaultSentinelFailover kills the primary of a primary, replica and
// Sentinel under write load, with and without wait_replicas=1, and measures
// how long writes fail and how many acknowledged writes the failover lost.
// The killed primary is started again after a few seconds, as an operator
// or orchestrator would; Sentinel makes it a replica of the new primary.
func TestFaultSentinelFailover(t *testing.T) {
	requireFaults(t)
	for _, tc := range []struct{ name, query string }{
		{"async replication", ""},
		{"wait_replicas=1", "?wait_replicas=1&wait_timeout=500ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const master = "turnaround"
			primary := startRedis(t, "primary")
			replica := startRedis(t, "replica", "--replicaof", "127.0.0.1", strconv.Itoa(primary.port))
			if !waitUntil(15*time.Second, func() bool {
				return strings.Contains(redisInfo(replica.addr(), "replication"), "master_link_status:up")
			}) {
				t.Fatal("replica never in sync")
			}
			sentinel := startSentinel(t, master, primary)
			if !waitUntil(15*time.Second, func() bool {
				return strings.Contains(redisInfo(sentinel.addr(), "sentinel"), "slaves=1")
			}) {
				t.Fatal("sentinel never saw the replica")
			}
			keys := newFaultKeys(t)
			url := "redis-sentinel://" + sentinel.addr() + "/" + master + tc.query
			s := startSuite(t, []string{"REDIS_URL=" + url}, keys.args("failover:")...)
			if !waitUntil(10*time.Second, s.ready) {
				t.Fatal("suite never ready")
			}
			inspector := keys.token(t, "ofsted-failover", "ofsted_inspector")
			ready := watchReadiness(s)
			defer ready.close()
			load := startWriteLoad(s, inspector)
			time.Sleep(3 * time.Second)
			before, _ := load.snapshot()
			if before[http.StatusOK] == 0 {
				t.Fatalf("no write succeeded before the failover: %s", codesString(before))
			}

			killed := time.Now()
			primary.kill()
			// Writes succeed again once Sentinel has promoted the replica
			// (and, with wait_replicas, once the old primary has rejoined
			// as its replica).
			promotedc := make(chan time.Duration, 1)
			go func() {
				if waitUntil(30*time.Second, func() bool { return sentinel.primaryPort(master) == strconv.Itoa(replica.port) }) {
					promotedc <- time.Since(killed)
				}
				close(promotedc)
			}()
			time.Sleep(5 * time.Second)
			primary.start()
			rejoined := time.Since(killed)
			if !waitUntil(30*time.Second, func() bool {
				c, _ := load.snapshot()
				return c[http.StatusOK] > before[http.StatusOK]+len(faultCouncils)*3
			}) {
				t.Fatal("writes did not recover within 30s of the failover")
			}
			time.Sleep(2 * time.Second)
			load.finish()
			promoted := <-promotedc
			after, _ := load.snapshot()
			codes := diffCodes(after, before)
			down, _ := ready.firstAfter(killed, false)
			up, okUp := ready.firstAfter(killed.Add(down), true)
			recovered := down + up
			acked, lost, dups := countLoss(t, s, inspector, load)
			t.Logf("MEASURE sentinel-failover mode=%q promoted_after=%s old_primary_restarted_after=%s readiness_down_after=%s ready_again_after=%s(seen %v) codes=[%s] acknowledged=%d lost=%d duplicated=%d",
				tc.name, promoted.Round(time.Millisecond), rejoined.Round(time.Millisecond), down.Round(time.Millisecond),
				recovered.Round(time.Millisecond), okUp, codesString(codes), acked, lost, dups)
			checkOutageCodes(t, load, "failover", codes)
			if dups > 0 {
				t.Errorf("%d writes were made twice", dups)
			}
			if tc.query != "" && lost > 0 {
				t.Errorf("wait_replicas=1 lost %d acknowledged writes", lost)
			}
		})
	}
}

// countLoss is checkNoLossNoDuplicates without failing on loss: after an
// asynchronous failover, loss is the measurement, not a bug.
func countLoss(t *testing.T, s *suiteProc, token string, l *writeLoad) (acked, lost, dups int) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, gss := range faultCouncils {
		stored := map[string]int{}
		for _, n := range listInspections(t, s, token, gss) {
			stored[n]++
		}
		want := map[string]bool{}
		for _, name := range l.acked[gss] {
			acked++
			want[name] = true
			if stored[name] == 0 {
				lost++
			}
		}
		for name, n := range stored {
			if !want[name] || n > 1 {
				dups++
			}
		}
	}
	return acked, lost, dups
}

// redisInfo returns INFO section as text.
func redisInfo(addr, section string) string {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return ""
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := fmt.Fprintf(c, "INFO %s\r\n", section); err != nil {
		return ""
	}
	rd := bufio.NewReader(c)
	head, err := rd.ReadString('\n')
	if err != nil || !strings.HasPrefix(head, "$") {
		return ""
	}
	n, err := strconv.Atoi(strings.TrimSpace(head[1:]))
	if err != nil {
		return ""
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(rd, buf); err != nil {
		return ""
	}
	return string(buf)
}
