package gateway

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"
)

// CSV export of every list (GET routes whose response has next_page_token
// and one repeated message field): a request with `Accept: text/csv` or
// `?alt=csv` gets the same rows as the JSON list, every page of it, as
// RFC 4180 CSV (header row, CRLF line ends, quoting) streamed as the pages
// arrive, up to MaxCSVRows rows.
const (
	// altParam is the query parameter that chooses the response format
	// (alt=json, the default, or alt=csv), as in Google's APIs.
	altParam = "alt"
	// MaxCSVRows caps an export; a longer list is cut there, and the
	// response's X-Csv-Truncated trailer says so.
	MaxCSVRows = 100000
	// csvPageSize is the page size the export asks for: the lists' maximum.
	csvPageSize = "200"
	// csvTruncatedTrailer is set to "true" when an export hit MaxCSVRows,
	// "false" otherwise.
	csvTruncatedTrailer = "X-Csv-Truncated"
)

// listShape is what the export needs of a list response: its descriptor
// and its repeated field of items.
type listShape struct {
	response protoreflect.MessageDescriptor
	items    protoreflect.FieldDescriptor
}

// listShapeOf reports the list shape of a response message, if it is one.
func listShapeOf(md protoreflect.MessageDescriptor) (listShape, bool) {
	if md == nil || md.Fields().ByName("next_page_token") == nil {
		return listShape{}, false
	}
	var items protoreflect.FieldDescriptor
	fields := md.Fields()
	for i := 0; i < fields.Len(); i++ {
		f := fields.Get(i)
		if f.IsList() && f.Message() != nil {
			if items != nil {
				return listShape{}, false
			}
			items = f
		}
	}
	return listShape{response: md, items: items}, items != nil
}

// wantsCSV reports whether r asks for CSV, and whether alt has a value the
// gateway does not know.
func wantsCSV(r *http.Request) (csv bool, badAlt string) {
	if alt, ok := r.URL.Query()[altParam]; ok {
		switch strings.Join(alt, ",") {
		case "csv":
			return true, ""
		case "json":
			return false, ""
		}
		return false, strings.Join(alt, ",")
	}
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		if mt, _, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && mt == "text/csv" {
			return true, ""
		}
	}
	return false, ""
}

// csvExport serves CSV for list routes. It runs inside strictRequests, so
// the request has been checked, and calls the route's own handler once per
// page, following next_page_token, so the rows are exactly the JSON
// list's, authorised by the services as every page is.
func (g *Gateway) csvExport(next runtime.HandlerFunc) runtime.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, params map[string]string) {
		if r.Method != http.MethodGet {
			next(w, r, params)
			return
		}
		want, badAlt := wantsCSV(r)
		if badAlt != "" {
			g.writeInvalid(w, "UNKNOWN_FORMAT", "alt must be json or csv", []*errdetails.BadRequest_FieldViolation{
				{Field: altParam, Description: fmt.Sprintf("%q is not a format; use json or csv", badAlt)}})
			return
		}
		var shape listShape
		ok := false
		if p, found := runtime.HTTPPattern(r.Context()); found {
			if rt := g.routes[r.Method+" "+p.String()]; rt != nil {
				shape, ok = listShapeOf(responseDescriptor(rt.operation))
			}
		}
		if !want || !ok {
			if want && r.URL.Query().Has(altParam) {
				g.writeInvalid(w, "CSV_NOT_AVAILABLE", "alt=csv is available on lists only", []*errdetails.BadRequest_FieldViolation{
					{Field: altParam, Description: "this operation does not return a list; CSV export is for lists"}})
				return
			}
			next(w, r, stripAlt(r, params))
			return
		}
		g.streamCSV(w, r, params, next, shape)
	}
}

// stripAlt removes alt from r's query, in place, and returns params.
func stripAlt(r *http.Request, params map[string]string) map[string]string {
	q := r.URL.Query()
	if q.Has(altParam) {
		q.Del(altParam)
		r.URL.RawQuery = q.Encode()
	}
	return params
}

// streamCSV writes every page of the list as CSV.
func (g *Gateway) streamCSV(w http.ResponseWriter, r *http.Request, params map[string]string, next runtime.HandlerFunc, shape listShape) {
	columns := csvColumns(shape.items.Message(), "", 0)
	var out *csv.Writer
	rows := 0
	truncated := false
	token := ""
	for page := 0; ; page++ {
		q := r.URL.Query()
		q.Del(altParam)
		if !q.Has("page_size") {
			q.Set("page_size", csvPageSize)
		}
		if page > 0 {
			q.Set("page_token", token)
		}
		inner := r.Clone(r.Context())
		inner.URL.RawQuery = q.Encode()
		inner.Header.Set("Accept", "application/json")
		rec := httptest.NewRecorder()
		next(rec, inner, params)
		if rec.Code != http.StatusOK {
			if out == nil {
				// Nothing sent yet: the error goes out as the JSON list's would.
				for k, v := range rec.Header() {
					w.Header()[k] = v
				}
				w.WriteHeader(rec.Code)
				_, _ = w.Write(rec.Body.Bytes())
				return
			}
			// Headers are gone: stop, and say so in the trailer.
			g.log.ErrorContext(r.Context(), "gateway: csv export: a later page failed", "status", rec.Code, "page", page)
			w.Header().Set(csvTruncatedTrailer, "true")
			out.Flush()
			return
		}
		msg := dynamicpb.NewMessage(shape.response)
		if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(rec.Body.Bytes(), msg); err != nil {
			g.log.ErrorContext(r.Context(), "gateway: csv export: decode page", "error", err)
			if out == nil {
				g.writeStatus(w, http.StatusInternalServerError, statusSpec{code: codes.Internal, reason: "INTERNAL", message: "the list could not be exported"})
				return
			}
			w.Header().Set(csvTruncatedTrailer, "true")
			out.Flush()
			return
		}
		if out == nil {
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			w.Header().Set("Content-Disposition", `attachment; filename="`+exportName(r)+`.csv"`)
			w.Header().Set("Trailer", csvTruncatedTrailer)
			w.WriteHeader(http.StatusOK)
			out = csv.NewWriter(w)
			out.UseCRLF = true
			header := make([]string, len(columns))
			for i, c := range columns {
				header[i] = c.name
			}
			_ = out.Write(header)
		}
		list := msg.Get(shape.items).List()
		for i := 0; i < list.Len(); i++ {
			if rows == MaxCSVRows {
				truncated = true
				break
			}
			_ = out.Write(csvRow(list.Get(i).Message(), columns))
			rows++
		}
		out.Flush()
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		token = msg.Get(shape.response.Fields().ByName("next_page_token")).String()
		if token == "" || truncated {
			break
		}
	}
	w.Header().Set(csvTruncatedTrailer, strconv.FormatBool(truncated))
}

// responseDescriptor finds the response message of Service_Method, or nil.
func responseDescriptor(operationID string) protoreflect.MessageDescriptor {
	svc, method, ok := strings.Cut(operationID, "_")
	if !ok {
		return nil
	}
	for _, s := range services {
		if !strings.HasSuffix(s.name, "."+svc) {
			continue
		}
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(s.name))
		if err != nil {
			return nil
		}
		if m := d.(protoreflect.ServiceDescriptor).Methods().ByName(protoreflect.Name(method)); m != nil {
			return m.Output()
		}
	}
	return nil
}

// exportName names the download after the collection, such as
// "improvementPlans".
func exportName(r *http.Request) string {
	path := strings.TrimSuffix(r.URL.Path, "/")
	name := path[strings.LastIndex(path, "/")+1:]
	if name == "" {
		return "export"
	}
	return name
}

// csvColumn is one column: a field path from the item message.
type csvColumn struct {
	name string
	path []protoreflect.FieldDescriptor
}

// csvColumns flattens md's fields: nested messages (not well-known types,
// not lists or maps) become dotted columns; everything else is one column.
func csvColumns(md protoreflect.MessageDescriptor, prefix string, depth int) []csvColumn {
	var out []csvColumn
	fields := md.Fields()
	for i := 0; i < fields.Len(); i++ {
		f := fields.Get(i)
		name := prefix + string(f.Name())
		if isNested(f) && depth < 3 {
			for _, c := range csvColumns(f.Message(), name+".", depth+1) {
				out = append(out, csvColumn{name: c.name, path: append([]protoreflect.FieldDescriptor{f}, c.path...)})
			}
			continue
		}
		out = append(out, csvColumn{name: name, path: []protoreflect.FieldDescriptor{f}})
	}
	return out
}

// csvRow renders one item as the columns' cells.
func csvRow(m protoreflect.Message, columns []csvColumn) []string {
	row := make([]string, len(columns))
	for i, c := range columns {
		cur := m
		for _, f := range c.path[:len(c.path)-1] {
			cur = cur.Get(f).Message()
		}
		row[i] = csvCell(cur, c.path[len(c.path)-1])
	}
	return row
}

// csvCell renders one field as JSON would, unquoted for scalars, and
// neutralises text that a spreadsheet would run as a formula.
func csvCell(m protoreflect.Message, f protoreflect.FieldDescriptor) string {
	v := m.Get(f)
	switch {
	case f.IsList() || f.IsMap() || f.Message() != nil:
		if f.Message() != nil && !f.IsList() && !f.IsMap() && !m.Has(f) {
			return ""
		}
		// Render through a one-field copy so protojson spells it as JSON does.
		holder := dynamicpb.NewMessage(m.Descriptor())
		holder.Set(f, v)
		b, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(holder)
		if err != nil {
			return ""
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(b, &obj) != nil {
			return ""
		}
		raw := obj[string(f.Name())]
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return neutralise(s) // a timestamp, duration or other string form
		}
		// protojson varies its whitespace on purpose; cells must not.
		var compact bytes.Buffer
		if json.Compact(&compact, raw) != nil {
			return ""
		}
		return neutralise(compact.String())
	case f.Kind() == protoreflect.EnumKind:
		if ev := f.Enum().Values().ByNumber(v.Enum()); ev != nil {
			return string(ev.Name())
		}
		return strconv.Itoa(int(v.Enum()))
	case f.Kind() == protoreflect.StringKind:
		return neutralise(v.String())
	case f.Kind() == protoreflect.BytesKind:
		return neutralise(string(v.Bytes()))
	}
	return v.String()
}

// neutralise defuses spreadsheet formula injection (OWASP's advice): a cell
// that begins with =, +, -, @, a tab or a carriage return gets a leading
// apostrophe, so spreadsheets show it as text instead of evaluating it.
// Numeric fields are never passed here, so negative numbers stay numbers.
func neutralise(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
