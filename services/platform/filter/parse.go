package filter

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

// Limits that bound the work a filter can cause. Both are far above what a
// person or a user interface writes.
const (
	// MaxLength is the longest filter accepted, in bytes.
	MaxLength = 2000
	// MaxDepth is the deepest nesting of parentheses and negations.
	MaxDepth = 32
)

// ReasonInvalidFilter is the ErrorInfo reason of every filter fault.
const ReasonInvalidFilter = "INVALID_FILTER"

// ErrInvalidFilter matches, with errors.Is, every fault Parse and Compile
// return.
var ErrInvalidFilter = &fault.Error{Kind: fault.KindInvalid, Reason: ReasonInvalidFilter}

const (
	filterField = "filter"
	operators   = "=, !=, <, <=, >, >= or :"
)

// Parse parses filter text into a syntax tree without checking fields or
// types; Compile does both. An empty or blank filter yields a nil Expr.
// Errors are INVALID_ARGUMENT faults with a violation on field "filter".
func Parse(filter string) (Expr, error) {
	if len(filter) > MaxLength {
		return nil, invalid(fmt.Sprintf("filter is %d bytes long; the limit is %d", len(filter), MaxLength))
	}
	if !utf8.ValidString(filter) {
		return nil, invalid("filter is not valid UTF-8")
	}
	p := &parser{src: filter}
	p.skipSpace()
	if p.eof() {
		return nil, nil
	}
	e, err := p.expr(0)
	if err != nil {
		return nil, err
	}
	// expr stops only at the end or at a ")" it did not open.
	if !p.eof() {
		return nil, failf(`unexpected ")" at position %d without a matching "("`, p.col(p.pos))
	}
	return e, nil
}

// parser is a recursive-descent parser over the filter text. pos is a byte
// offset; positions in messages are 1-based character columns.
type parser struct {
	src string
	pos int
}

func (p *parser) eof() bool  { return p.pos >= len(p.src) }
func (p *parser) peek() byte { return p.src[p.pos] }

func (p *parser) skipSpace() {
	for !p.eof() && isSpace(p.peek()) {
		p.pos++
	}
}

// expr parses terms joined by one of AND or OR, up to the end or a ")".
func (p *parser) expr(depth int) (Expr, error) {
	first, err := p.unary(depth)
	if err != nil {
		return nil, err
	}
	terms := []Expr{first}
	joiner := ""
	joinerAt := 0
	for {
		p.skipSpace()
		if p.eof() || p.peek() == ')' {
			break
		}
		at := p.pos
		word := p.word()
		if word != "AND" && word != "OR" {
			msg := fmt.Sprintf("expected AND, OR or the end of the filter at position %d, found %s; "+
				"join comparisons with AND or OR", p.col(at), p.describe(at))
			if strings.EqualFold(word, "AND") || strings.EqualFold(word, "OR") || strings.EqualFold(word, "NOT") {
				msg += "; write AND, OR and NOT in capitals"
			}
			return nil, invalid(msg)
		}
		if joiner != "" && word != joiner {
			return nil, failf("%s at position %d follows %s at position %d without parentheses; "+
				`AIP-160 gives OR precedence over AND, so say which you mean: "a AND (b OR c)" or "(a AND b) OR c"`,
				word, p.col(at), joiner, p.col(joinerAt))
		}
		joiner, joinerAt = word, at
		p.pos += len(word)
		term, err := p.unary(depth)
		if err != nil {
			return nil, err
		}
		terms = append(terms, term)
	}
	switch joiner {
	case "AND":
		return &And{Terms: flatten[*And](terms, func(a *And) []Expr { return a.Terms })}, nil
	case "OR":
		return &Or{Terms: flatten[*Or](terms, func(o *Or) []Expr { return o.Terms })}, nil
	}
	return first, nil
}

// flatten splices terms of type T into their parent: (a AND b) AND c is
// a AND b AND c, so Equalities sees every top-level term.
func flatten[T Expr](terms []Expr, children func(T) []Expr) []Expr {
	out := make([]Expr, 0, len(terms))
	for _, t := range terms {
		if same, ok := t.(T); ok {
			out = append(out, children(same)...)
			continue
		}
		out = append(out, t)
	}
	return out
}

// unary parses a negation, a parenthesised expression or a comparison.
func (p *parser) unary(depth int) (Expr, error) {
	p.skipSpace()
	at := p.pos
	if p.eof() {
		return nil, failf("filter ends at position %d where a comparison was expected", p.col(at))
	}
	if nests := p.peek() == '(' || p.peek() == '-' || p.word() == "NOT"; nests && depth >= MaxDepth {
		return nil, failf("filter nests deeper than %d levels of parentheses and negations at position %d",
			MaxDepth, p.col(at))
	}
	switch {
	case p.peek() == '(':
		p.pos++
		inner, err := p.expr(depth + 1)
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.eof() {
			return nil, failf(`missing ")" to close the "(" at position %d`, p.col(at))
		}
		p.pos++ // expr stopped at ")"
		return inner, nil
	case p.peek() == '-':
		p.pos++
		term, err := p.unary(depth + 1)
		if err != nil {
			return nil, err
		}
		return &Not{Term: term, Pos: p.col(at)}, nil
	case p.word() == "NOT":
		p.pos += len("NOT")
		term, err := p.unary(depth + 1)
		if err != nil {
			return nil, err
		}
		return &Not{Term: term, Pos: p.col(at)}, nil
	}
	return p.comparison()
}

// comparison parses `field OP value`.
func (p *parser) comparison() (Expr, error) {
	at := p.pos
	field := p.word()
	switch {
	case field == "":
		return nil, failf("expected a field name at position %d, found %s", p.col(at), p.describe(at))
	case field == "AND" || field == "OR":
		return nil, failf("expected a comparison at position %d, found %s", p.col(at), field)
	case !isFieldPath(field):
		return nil, failf("%q at position %d is not a field name; field names are letters, digits and "+
			`underscores, starting with a letter or underscore, joined by "."`, field, p.col(at))
	}
	p.pos += len(field)
	p.skipSpace()
	opAt := p.pos
	op := p.operator()
	if op == "" {
		return nil, failf("expected an operator (%s) after field %q at position %d, found %s",
			operators, field, p.col(opAt), p.describe(opAt))
	}
	p.pos += len(op)
	p.skipSpace()
	v, err := p.value(op, opAt)
	if err != nil {
		return nil, err
	}
	return &Comparison{Field: field, Op: op, Value: v, Pos: p.col(at), OpPos: p.col(opAt)}, nil
}

func (p *parser) operator() Op {
	rest := p.src[p.pos:]
	for _, op := range []Op{Ne, Le, Ge, Eq, Lt, Gt, Has} { // two-character operators first
		if strings.HasPrefix(rest, string(op)) {
			return op
		}
	}
	return ""
}

// value parses a quoted string or a bare value. A bare value runs to the
// next space or parenthesis, so bare dates, timestamps (which contain ":")
// and negative numbers need no quotes.
func (p *parser) value(op Op, opAt int) (Value, error) {
	at := p.pos
	if !p.eof() && (p.peek() == '"' || p.peek() == '\'') {
		text, err := p.quoted()
		if err != nil {
			return Value{}, err
		}
		return Value{Text: text, Quoted: true, Pos: p.col(at)}, nil
	}
	end := at
	for end < len(p.src) && !isSpace(p.src[end]) && p.src[end] != '(' && p.src[end] != ')' {
		end++
	}
	text := p.src[at:end]
	switch {
	case text == "":
		return Value{}, failf("expected a value after %q at position %d, found %s", op, p.col(opAt), p.describe(at))
	case text == "AND" || text == "OR" || text == "NOT":
		return Value{}, failf(`expected a value after %q at position %d, found %s; quote it ("%s") to compare with the word`,
			op, p.col(opAt), text, text)
	}
	if i := strings.IndexAny(text, `=<>!"'`); i >= 0 {
		return Value{}, failf("unexpected %q in the value at position %d; quote values that contain operators or quotes",
			string(text[i]), p.col(at+i))
	}
	p.pos = end
	return Value{Text: text, Pos: p.col(at)}, nil
}

// quoted reads a string in double or single quotes. Escapes: \\ \" \' \n
// \r \t and \u followed by four hex digits.
func (p *parser) quoted() (string, error) {
	start := p.pos
	q := p.peek()
	p.pos++
	var b strings.Builder
	for !p.eof() {
		c := p.peek()
		switch {
		case c == q:
			p.pos++
			return b.String(), nil
		case c != '\\':
			b.WriteByte(c)
			p.pos++
			continue
		}
		esc := p.pos
		p.pos++
		if p.eof() {
			break
		}
		switch e := p.peek(); e {
		case '\\', '"', '\'':
			b.WriteByte(e)
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := hex4(p.src[p.pos+1:])
			if !ok {
				return "", failf(`\u at position %d needs four hex digits naming a character`, p.col(esc))
			}
			b.WriteRune(r)
			p.pos += 4
		default:
			r, _ := utf8.DecodeRuneInString(p.src[p.pos:])
			return "", failf(`unknown escape "\%c" at position %d; use \\, \", \', \n, \r, \t or \u with four hex digits`, r, p.col(esc))
		}
		p.pos++
	}
	return "", failf("string starting at position %d has no closing %c", p.col(start), q)
}

// hex4 decodes four hex digits into a character, refusing surrogate halves,
// which are not characters on their own.
func hex4(s string) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[:4]) {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	return r, utf8.ValidRune(r)
}

// word returns the run of field-name characters (letters, digits, "_" and
// ".") at the current position, without consuming it.
func (p *parser) word() string {
	end := p.pos
	for end < len(p.src) && isWordByte(p.src[end]) {
		end++
	}
	return p.src[p.pos:end]
}

// describe names what stands at byte offset at, for "found ..." messages.
func (p *parser) describe(at int) string {
	if at >= len(p.src) {
		return "the end of the filter"
	}
	end := at
	for end < len(p.src) && !isSpace(p.src[end]) && p.src[end] != '(' && p.src[end] != ')' {
		end++
	}
	if end == at {
		end = at + 1
	}
	tok := p.src[at:end]
	if utf8.RuneCountInString(tok) > 20 {
		tok = string([]rune(tok)[:20]) + "..."
	}
	return fmt.Sprintf("%q", tok)
}

// col converts byte offset at to a 1-based character column.
func (p *parser) col(at int) int {
	return utf8.RuneCountInString(p.src[:min(at, len(p.src))]) + 1
}

func failf(format string, args ...any) error {
	return invalid(fmt.Sprintf(format, args...))
}

func invalid(description string) error {
	return fault.Invalid(ReasonInvalidFilter, fault.Violation{Field: filterField, Description: description})
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.'
}

// isFieldPath reports whether s is identifiers joined by single dots, and
// no segment is a keyword.
func isFieldPath(s string) bool {
	if s == "" {
		return false
	}
	for seg := range strings.SplitSeq(s, ".") {
		if seg == "" || '0' <= seg[0] && seg[0] <= '9' || seg == "AND" || seg == "OR" || seg == "NOT" {
			return false
		}
	}
	return true
}

// isBareValue reports whether text would parse back unchanged as a bare
// value, so String can leave it unquoted.
func isBareValue(text string) bool {
	if text == "" || text == "AND" || text == "OR" || text == "NOT" {
		return false
	}
	for i := 0; i < len(text); i++ {
		if isSpace(text[i]) || strings.IndexByte(`()=<>!"'\`, text[i]) >= 0 {
			return false
		}
	}
	return true
}
