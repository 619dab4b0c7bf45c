package gateway

import (
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/reflect/protoreflect"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
)

// violations returns the BadRequest field violations of a status, by field.
func violations(t *testing.T, st *spb.Status) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, d := range st.GetDetails() {
		var br errdetails.BadRequest
		if d.MessageIs(&br) {
			if err := d.UnmarshalTo(&br); err != nil {
				t.Fatalf("unmarshal BadRequest: %v", err)
			}
			for _, v := range br.GetFieldViolations() {
				out[v.GetField()] = v.GetDescription()
			}
		}
	}
	return out
}

func TestUnknownQueryParameters(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	tests := []struct {
		name     string
		target   string
		wantHTTP int
		unknown  []string
	}{
		{"misspelt and invented", "/v1/localAuthorities?pagesize=1&colour=red", http.StatusBadRequest, []string{"colour", "pagesize"}},
		{"proto names", "/v1/localAuthorities?page_size=1&filter=&order_by=&page_token=", http.StatusOK, nil},
		{"JSON names", "/v1/localAuthorities?pageSize=1", http.StatusOK, nil},
		{"a path field", "/v1/localAuthorities/E08000035?name=localAuthorities/E09000007", http.StatusBadRequest, []string{"name"}},
		{"on a get", "/v1/localAuthorities/E08000035?view=full", http.StatusBadRequest, []string{"view"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := env.do(http.MethodGet, tt.target, nil, authorized())
			if rec.Code != tt.wantHTTP {
				t.Fatalf("HTTP status = %d, want %d; body %s", rec.Code, tt.wantHTTP, rec.Body)
			}
			if tt.unknown == nil {
				return
			}
			st := decodeStatus(t, rec)
			if codes.Code(st.GetCode()) != codes.InvalidArgument {
				t.Errorf("code = %v", codes.Code(st.GetCode()))
			}
			if r := errorInfo(t, st).GetReason(); r != "UNKNOWN_QUERY_PARAMETER" {
				t.Errorf("reason = %s", r)
			}
			v := violations(t, st)
			var got []string
			for f := range v {
				got = append(got, f)
			}
			sort.Strings(got)
			if strings.Join(got, ",") != strings.Join(tt.unknown, ",") {
				t.Errorf("violations for %v, want %v", got, tt.unknown)
			}
			if d := v[tt.unknown[0]]; !strings.Contains(d, "unknown query parameter") {
				t.Errorf("description %q", d)
			}
		})
	}
	rec := env.do(http.MethodGet, "/v1/localAuthorities?colour=red", nil, authorized())
	if d := violations(t, decodeStatus(t, rec))["colour"]; !strings.Contains(d, "accepts: filter, order_by, page_size, page_token") {
		t.Errorf("description %q does not list the accepted parameters", d)
	}
}

// TestEveryRouteRefusesUnknownQueryParameters sends an unknown query
// parameter to every operation of every service: each is recognised (its
// route template maps to its request message) and refused before the call
// is forwarded.
func TestEveryRouteRefusesUnknownQueryParameters(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	if len(env.gw.routes) < 80 {
		t.Fatalf("only %d routes known", len(env.gw.routes))
	}
	capture := regexp.MustCompile(`\{[^=}]+=([^}]+)\}`)
	for key, rt := range env.gw.routes {
		method, template, _ := strings.Cut(key, " ")
		path := capture.ReplaceAllStringFunc(template, func(m string) string {
			glob := capture.FindStringSubmatch(m)[1]
			return strings.NewReplacer("**", "x/y", "*", "x").Replace(glob)
		})
		rec := env.do(method, path+"?zz_unknown=1", nil, authorized())
		if rec.Code != http.StatusBadRequest {
			t.Errorf("%s %s (%s) = %d, want 400: %s", method, path, rt.operation, rec.Code, rec.Body)
			continue
		}
		if r := errorInfo(t, decodeStatus(t, rec)).GetReason(); r != "UNKNOWN_QUERY_PARAMETER" {
			t.Errorf("%s %s: reason %s", method, path, r)
		}
	}
}

func TestRequestBodies(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	const create = "/v1/localAuthorities/E08000035/inspections"
	const publish = "/v1/localAuthorities/E08000035/inspections/i1:publishJudgement"
	tests := []struct {
		name        string
		target      string
		contentType string
		body        string
		wantHTTP    int
		wantReason  string
		wantField   string
		wantDesc    string // in the violation's description
	}{
		{"text/plain", create, "text/plain", `{"lead_inspector":"Sam"}`, http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "", ""},
		{"form", create, "application/x-www-form-urlencoded", `lead_inspector=Sam`, http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "", ""},
		{"no content type", create, "", `{"lead_inspector":"Sam"}`, http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "", ""},
		{"valid JSON is forwarded", create, "application/json; charset=utf-8", `{"lead_inspector":"Sam","framework":"FRAMEWORK_SIF","start_date":{"year":2016,"month":3,"day":1}}`,
			http.StatusNotImplemented, "UNIMPLEMENTED", "", ""},
		{"date as a string", create, "application/json", `{"start_date":"2016-03-01"}`, http.StatusBadRequest, "INVALID_REQUEST_BODY",
			"inspection.start_date", `{"year": 2016, "month": 3, "day": 1}`},
		{"enum short form is forwarded", create, "application/json", `{"framework":"SIF"}`, http.StatusNotImplemented, "UNIMPLEMENTED", "", ""},
		{"unknown enum value", create, "application/json", `{"framework":"SIFT"}`, http.StatusBadRequest, "INVALID_REQUEST_BODY",
			"inspection.framework", "FRAMEWORK_SIF"},
		{"enum in a list", create, "application/json", `{"recommendations":[{"text":"a"},{"area":"NOPE"}]}`, http.StatusBadRequest, "INVALID_REQUEST_BODY",
			"inspection.recommendations[1].area", "expected one of"},
		{"unknown field", create, "application/json", `{"colour":"red"}`, http.StatusBadRequest, "INVALID_REQUEST_BODY",
			"inspection.colour", "unknown field"},
		{"wrong type", create, "application/json", `{"lead_inspector":7}`, http.StatusBadRequest, "INVALID_REQUEST_BODY",
			"inspection.lead_inspector", "expected a string, got the number 7"},
		{"truncated", create, "application/json", `{"lead_inspector":`, http.StatusBadRequest, "INVALID_REQUEST_BODY",
			"inspection", "ends before"},
		{"malformed", create, "application/json", "{\n\"lead_inspector\" \"Sam\"}", http.StatusBadRequest, "INVALID_REQUEST_BODY",
			"inspection", "line 2"},
		{"whole-request body", publish, "application/json", `{"etag":"1","publish_date":"2016-03-01"}`, http.StatusBadRequest, "INVALID_REQUEST_BODY",
			"publish_date", "a date is written"},
		{"integer out of range", publish, "application/json", `{"publish_date":{"year":2016,"month":3,"day":99999999999}}`, http.StatusBadRequest, "INVALID_REQUEST_BODY",
			"publish_date.day", "32-bit integer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := authorized()
			if tt.contentType != "" {
				h.Set("Content-Type", tt.contentType)
			}
			rec := env.do(http.MethodPost, tt.target, strings.NewReader(tt.body), h)
			if rec.Code != tt.wantHTTP {
				t.Fatalf("HTTP status = %d, want %d; body %s", rec.Code, tt.wantHTTP, rec.Body)
			}
			st := decodeStatus(t, rec)
			if r := errorInfo(t, st).GetReason(); r != tt.wantReason {
				t.Errorf("reason = %s, want %s", r, tt.wantReason)
			}
			if tt.wantField == "" {
				return
			}
			if codes.Code(st.GetCode()) != codes.InvalidArgument {
				t.Errorf("code = %v", codes.Code(st.GetCode()))
			}
			v := violations(t, st)
			if d, ok := v[tt.wantField]; !ok || !strings.Contains(d, tt.wantDesc) {
				t.Errorf("violations %v, want %s: ...%s...", v, tt.wantField, tt.wantDesc)
			}
			if strings.Contains(st.GetMessage(), "proto:") {
				t.Errorf("message shows raw protojson text: %q", st.GetMessage())
			}
		})
	}
}

// TestQueryValuesOfTheWrongType sends a value of the wrong type to every
// typed query parameter of every operation (page sizes, dates' parts,
// windows): each is refused before the call is forwarded, with a violation
// naming the parameter and what it takes, never the query parser's text.
func TestQueryValuesOfTheWrongType(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	capture := regexp.MustCompile(`\{[^=}]+=([^}]+)\}`)
	checked := 0
	for key, rt := range env.gw.routes {
		method, template, _ := strings.Cut(key, " ")
		path := capture.ReplaceAllStringFunc(template, func(m string) string {
			glob := capture.FindStringSubmatch(m)[1]
			return strings.NewReplacer("**", "x/y", "*", "x").Replace(glob)
		})
		for _, param := range rt.query {
			f := rt.queryField(param)
			if f.Kind() != protoreflect.Int32Kind && f.Kind() != protoreflect.Int64Kind {
				continue
			}
			checked++
			rec := env.do(method, path+"?"+param+"=many", nil, authorized())
			if rec.Code != http.StatusBadRequest {
				t.Errorf("%s %s?%s=many = %d, want 400: %s", method, path, param, rec.Code, rec.Body)
				continue
			}
			st := decodeStatus(t, rec)
			if r := errorInfo(t, st).GetReason(); r != "INVALID_QUERY_PARAMETER" {
				t.Errorf("%s %s?%s=many: reason %s", method, path, param, r)
			}
			if d := violations(t, st)[param]; !strings.Contains(d, "integer") || !strings.Contains(d, `"many"`) {
				t.Errorf("%s %s?%s=many: violation %q", method, path, param, d)
			}
			if strings.Contains(st.GetMessage(), "strconv") || strings.Contains(st.GetMessage(), "parsing") {
				t.Errorf("%s %s: message shows the parser's text: %q", method, path, st.GetMessage())
			}
		}
	}
	if checked < 20 {
		t.Errorf("only %d typed query parameters checked", checked)
	}
}

func TestQueryValueErrors(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	tests := []struct {
		name, target, field, desc string
	}{
		{"page size", "/v1/localAuthorities?page_size=many", "page_size", `expected a 32-bit integer, got "many"`},
		{"page size too big for 32 bits", "/v1/localAuthorities?page_size=99999999999", "page_size", "32-bit integer"},
		{"JSON name", "/v1/localAuthorities?pageSize=1.5", "pageSize", "32-bit integer"},
		{"given twice", "/v1/localAuthorities?page_size=1&page_size=2", "page_size", "given 2 times"},
		{"a date's part", "/v1/inadequacyProjection?as_of.year=2016&as_of.month=March&as_of.day=1", "as_of.month", "32-bit integer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := env.do(http.MethodGet, tt.target, nil, authorized())
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("HTTP status = %d, want 400; body %s", rec.Code, rec.Body)
			}
			st := decodeStatus(t, rec)
			if codes.Code(st.GetCode()) != codes.InvalidArgument {
				t.Errorf("code = %v", codes.Code(st.GetCode()))
			}
			if d := violations(t, st)[tt.field]; !strings.Contains(d, tt.desc) {
				t.Errorf("violations %v, want %s: ...%s...", violations(t, st), tt.field, tt.desc)
			}
		})
	}
	// A date given whole, as a body would take it, names the parameters
	// that set it.
	rec := env.do(http.MethodGet, "/v1/inadequacyProjection?as_of=2016-03-01", nil, authorized())
	if d := violations(t, decodeStatus(t, rec))["as_of"]; !strings.Contains(d, "as_of.year=2016&as_of.month=3&as_of.day=1") {
		t.Errorf("as_of given whole: violation %q", d)
	}
	// A good value still reaches the service.
	if rec := env.do(http.MethodGet, "/v1/localAuthorities?page_size=2", nil, authorized()); rec.Code != http.StatusOK {
		t.Errorf("page_size=2: %d %s", rec.Code, rec.Body)
	}
}

// TestQueryValueKinds checks each kind of query value the gateway's parser
// reads (enums, booleans, timestamps, durations, wrappers) against a
// request message with such fields.
func TestQueryValueKinds(t *testing.T) {
	rt := &route{input: (&inspectionv1.Inspection{}).ProtoReflect().Descriptor(), pathFields: map[string]bool{}}
	tests := []struct {
		param, value, desc string
	}{
		{"framework", "SIFT", "expected one of FRAMEWORK_"},
		{"historical", "perhaps", `expected true or false, got "perhaps"`},
		{"create_time", "yesterday", "RFC 3339 timestamp"},
		{"create_time", "2016-03-01", "RFC 3339 timestamp"},
		{"start_date.day", "first", "32-bit integer"},
	}
	for _, tt := range tests {
		v := rt.invalidQueryValues(url.Values{tt.param: {tt.value}})
		if len(v) != 1 || v[0].GetField() != tt.param || !strings.Contains(v[0].GetDescription(), tt.desc) {
			t.Errorf("%s=%s: violations %v, want ...%s...", tt.param, tt.value, v, tt.desc)
		}
	}
	for _, good := range []url.Values{
		{"framework": {"FRAMEWORK_ILACS"}}, {"historical": {"true"}}, {"create_time": {"2016-03-01T09:00:00Z"}},
		{"start_date.day": {"1"}},
	} {
		if v := rt.invalidQueryValues(good); len(v) != 0 {
			t.Errorf("%v refused: %v", good, v)
		}
	}
}
