// Package check holds the field checks the domain rules of the services
// share: free text within a length, a value of a string enum, a calendar
// date that has come, and the names of the elements of a repeated field.
// Each check reports what it finds through an Add, so that a rule can
// collect violations in a fault.Violations or put a prefix before every
// field path.
package check

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // England's calendar decides "not in the future" on any host.
	"unicode/utf8"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

// Add records that field is invalid for the stated reason, as
// fault.Violations.Add does.
type Add = func(field, format string, args ...any)

// At names element i of the repeated field field, as field[i].
func At(field string, i int) string { return field + "[" + strconv.Itoa(i) + "]" }

// TooLong is the description of text of n characters over a limit of max.
const TooLong = "is %d characters long; the limit is %d"

// Text is the rule for a free-text field.
type Text struct {
	// Max is the most characters the text may hold.
	Max int
	// Blank, when set, makes the text required: it is the description of
	// text that is empty or only spaces.
	Blank string
	// Long is the description of text over Max characters, a format of
	// the length and the limit; "" means TooLong.
	Long string
}

// Required returns t with text that is empty or only spaces reported as
// "is required".
func (t Text) Required() Text {
	t.Blank = "is required"
	return t
}

// RequiredFor returns t with text that is empty or only spaces reported as
// "is required: " and why, which says what the text is for.
func (t Text) RequiredFor(why string) Text {
	t.Blank = "is required: " + why
	return t
}

// Check adds a violation of field when s breaks the rule: when it is not
// valid UTF-8, is blank although required, or is longer than Max
// characters. It reports whether s keeps the rule.
func (t Text) Check(add Add, field, s string) bool {
	switch n := utf8.RuneCountInString(s); {
	case !utf8.ValidString(s):
		add(field, "is not valid UTF-8")
	case t.Blank != "" && strings.TrimSpace(s) == "":
		add(field, "%s", t.Blank)
	case n > t.Max:
		add(field, cmp.Or(t.Long, TooLong), n, t.Max)
	default:
		return true
	}
	return false
}

// Enum adds a violation of field when v is not one of allowed, the values
// of a string enum: unset, or a value the enum does not have. It reports
// whether v is allowed.
func Enum[T ~string](add Add, field string, v T, allowed []T) bool {
	if slices.Contains(allowed, v) {
		return true
	}
	add(field, "%s", fault.EnumMessage(string(v), allowed))
	return false
}

// List is the values of a string enum as a message lists them: A, B, C.
func List[T ~string](values []T) string { return strings.Join(fault.Names(values), ", ") }

// england is the calendar dates are judged in: something that happened
// today in England is not "in the future" although UTC may still be on
// yesterday.
var england = mustLoadLocation("Europe/London")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		// time/tzdata is linked in, so this cannot happen at run time.
		panic(fmt.Sprintf("check: load %s: %v", name, err))
	}
	return loc
}

// Today is the calendar date in England at now, as midnight UTC: the form
// the services give every calendar date.
func Today(now time.Time) time.Time {
	y, m, d := now.In(england).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Past adds a violation of field when the date d, at midnight UTC, is
// unset, with the description missing, or after today in England at now.
func Past(add Add, field string, d, now time.Time, missing string) {
	switch today := Today(now); {
	case d.IsZero():
		add(field, "%s", missing)
	case d.After(today):
		add(field, "%s is in the future; today is %s", d.Format(time.DateOnly), today.Format(time.DateOnly))
	}
}
