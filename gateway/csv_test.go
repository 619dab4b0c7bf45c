package gateway

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/timestamppb"

	oversightv1 "github.com/turnaround-sli/turnaround/proto/turnaround/oversight/v1"
)

// fakeAudit serves ListAuditEntries in pages of the requested size, with
// cells a spreadsheet would run as formulas.
type fakeAudit struct {
	oversightv1.UnimplementedOversightServiceServer
	entries []*oversightv1.AuditEntry
}

func (f fakeAudit) ListAuditEntries(ctx context.Context, req *oversightv1.ListAuditEntriesRequest) (*oversightv1.ListAuditEntriesResponse, error) {
	if err := checkCaller(ctx); err != nil {
		return nil, err
	}
	if req.GetFilter() == "fail" {
		return nil, statusWithInfo(codes.InvalidArgument, "INVALID_FILTER", "bad filter")
	}
	size := int(req.GetPageSize())
	if size == 0 {
		size = 2
	}
	start := 0
	if req.GetPageToken() != "" {
		start, _ = strconv.Atoi(req.GetPageToken())
	}
	end := min(start+size, len(f.entries))
	next := ""
	if end < len(f.entries) {
		next = strconv.Itoa(end)
	}
	return &oversightv1.ListAuditEntriesResponse{AuditEntries: f.entries[start:end], NextPageToken: next, TotalSize: int32(len(f.entries))}, nil
}

func (fakeAudit) GetNationalOverview(ctx context.Context, _ *oversightv1.GetNationalOverviewRequest) (*oversightv1.NationalOverview, error) {
	return &oversightv1.NationalOverview{CouncilCount: 152}, nil
}

func newCSVEnv(t *testing.T, entries []*oversightv1.AuditEntry) *testEnv {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	oversightv1.RegisterOversightServiceServer(srv, fakeAudit{entries: entries})
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	gw, err := New(t.Context(), Config{
		Upstream:    lis.Addr().String(),
		DialOptions: []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())},
		Logger:      slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gw.Close() })
	return &testEnv{gw: gw, server: srv}
}

func TestCSVExport(t *testing.T) {
	t.Parallel()
	at := time.Date(2016, 1, 4, 9, 0, 0, 0, time.UTC)
	var entries []*oversightv1.AuditEntry
	evil := []string{`=HYPERLINK("http://evil.example","click")`, "+1+1", "-2+3", "@SUM(A1:A2)", "\tcmd", "\rcmd", `plain, "quoted"` + "\nline"}
	for i := range 7 {
		entries = append(entries, &oversightv1.AuditEntry{
			Name: "auditEntries/" + strconv.Itoa(i), Actor: evil[i], Roles: []string{"dfe_official", "lga_adviser"},
			Method: "/m", Resource: "localAuthorities/E08000035", RequestId: "rq-" + strconv.Itoa(i), Time: timestamppb.New(at.Add(time.Duration(i) * time.Minute)),
		})
	}
	env := newCSVEnv(t, entries)
	// The JSON list, page by page, is what the CSV must equal.
	var jsonRows []map[string]any
	token := ""
	for {
		rec := env.do(http.MethodGet, "/v1/localAuthorities/-/auditEntries?page_size=3&page_token="+token, nil, authorized())
		if rec.Code != http.StatusOK {
			t.Fatalf("JSON list = %d: %s", rec.Code, rec.Body)
		}
		var page struct {
			Entries []map[string]any `json:"audit_entries"`
			Next    string           `json:"next_page_token"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
			t.Fatal(err)
		}
		jsonRows = append(jsonRows, page.Entries...)
		if token = page.Next; token == "" {
			break
		}
	}
	for _, how := range []struct {
		name   string
		target string
		header http.Header
	}{
		{"alt", "/v1/localAuthorities/-/auditEntries?alt=csv&page_size=3", authorized()},
		{"accept", "/v1/localAuthorities/-/auditEntries?page_size=2", authorized("Accept", "text/csv")},
	} {
		t.Run(how.name, func(t *testing.T) {
			rec := env.do(http.MethodGet, how.target, nil, how.header)
			if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
				t.Fatalf("CSV = %d %s: %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
			}
			if !strings.Contains(rec.Body.String(), "\r\n") {
				t.Errorf("lines do not end in CRLF (RFC 4180)")
			}
			rows, err := csv.NewReader(strings.NewReader(rec.Body.String())).ReadAll()
			if err != nil {
				t.Fatalf("not CSV: %v\n%s", err, rec.Body)
			}
			want := []string{"name", "actor", "roles", "method", "resource", "request_id", "etag_before", "etag_after", "time"}
			if !slices.Equal(rows[0], want) {
				t.Fatalf("header %v, want %v", rows[0], want)
			}
			if len(rows)-1 != len(jsonRows) {
				t.Fatalf("%d CSV rows, %d JSON rows", len(rows)-1, len(jsonRows))
			}
			for i, row := range rows[1:] {
				j := jsonRows[i]
				if row[0] != j["name"] || row[5] != j["request_id"] || row[8] != j["time"] || row[2] != `["dfe_official","lga_adviser"]` {
					t.Errorf("row %d = %v, JSON %v", i, row, j)
				}
				// Formula injection: every dangerous first character is
				// defused with an apostrophe; other text is untouched.
				actor := j["actor"].(string)
				wantActor := actor
				if strings.ContainsRune("=+-@\t\r", rune(actor[0])) {
					wantActor = "'" + actor
				}
				// With CRLF line ends (RFC 4180) encoding/csv drops a carriage
				// return inside a field; the apostrophe stays.
				wantActor = strings.ReplaceAll(wantActor, "\r", "")
				if row[1] != wantActor {
					t.Errorf("actor cell %q, want %q", row[1], wantActor)
				}
			}
			if got := rec.Result().Trailer.Get(csvTruncatedTrailer); got != "false" {
				t.Errorf("trailer %s = %q, want false", csvTruncatedTrailer, got)
			}
		})
	}
	// An error before any row is the JSON list's error.
	rec := env.do(http.MethodGet, "/v1/localAuthorities/-/auditEntries?alt=csv&filter=fail", nil, authorized())
	if rec.Code != http.StatusBadRequest || errorInfo(t, decodeStatus(t, rec)).GetReason() != "INVALID_FILTER" {
		t.Errorf("failing export = %d: %s", rec.Code, rec.Body)
	}
	// alt=csv is for lists; alt takes json or csv; JSON stays the default.
	rec = env.do(http.MethodGet, "/v1/nationalOverview?alt=csv", nil, authorized())
	if rec.Code != http.StatusBadRequest || errorInfo(t, decodeStatus(t, rec)).GetReason() != "CSV_NOT_AVAILABLE" {
		t.Errorf("alt=csv on a get = %d: %s", rec.Code, rec.Body)
	}
	rec = env.do(http.MethodGet, "/v1/localAuthorities/-/auditEntries?alt=xml", nil, authorized())
	if rec.Code != http.StatusBadRequest || violations(t, decodeStatus(t, rec))["alt"] == "" {
		t.Errorf("alt=xml = %d: %s", rec.Code, rec.Body)
	}
	for _, target := range []string{"/v1/nationalOverview?alt=json", "/v1/localAuthorities/-/auditEntries?alt=json"} {
		rec = env.do(http.MethodGet, target, nil, authorized())
		if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			t.Errorf("%s = %d %s: %s", target, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
		}
	}
}

func TestNeutralise(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"=1+1": "'=1+1", "+1": "'+1", "-1": "'-1", "@x": "'@x", "\tx": "'\tx", "\rx": "'\rx",
		"": "", "Leeds": "Leeds", "a=b": "a=b", " =x": " =x",
	} {
		if got := neutralise(in); got != want {
			t.Errorf("neutralise(%q) = %q, want %q", in, got, want)
		}
	}
}
