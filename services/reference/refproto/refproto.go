// Package refproto converts the reference values to and from their
// turnaround.type.v1 protobuf enums, so every service maps them one way.
package refproto

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/reflect/protoreflect"

	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/reference"
)

const (
	regionPrefix = "REGION_"
	typePrefix   = "COUNCIL_TYPE_"
)

// Region returns the proto enum of r (REGION_UNSPECIFIED when r is unknown).
func Region(r reference.Region) typev1.Region {
	return Enum[typev1.Region](regionPrefix, r)
}

// RegionFrom returns the reference region of a proto enum, and false for
// REGION_UNSPECIFIED or an unknown number.
func RegionFrom(r typev1.Region) (reference.Region, bool) {
	return fromEnum[reference.Region](typev1.Region_name, regionPrefix, r)
}

// CouncilType returns the proto enum of t.
func CouncilType(t reference.CouncilType) typev1.CouncilType {
	return Enum[typev1.CouncilType](typePrefix, t)
}

// CouncilTypeFrom returns the reference council type of a proto enum, and
// false for COUNCIL_TYPE_UNSPECIFIED or an unknown number.
func CouncilTypeFrom(t typev1.CouncilType) (reference.CouncilType, bool) {
	return fromEnum[reference.CouncilType](typev1.CouncilType_name, typePrefix, t)
}

const gradePrefix = "GRADE_"

// Grade returns the proto enum of g.
func Grade(g reference.Grade) typev1.Grade {
	return Enum[typev1.Grade](gradePrefix, g)
}

// GradeFrom returns the reference grade of a proto enum, and false for
// GRADE_UNSPECIFIED or an unknown number.
func GradeFrom(g typev1.Grade) (reference.Grade, bool) {
	return fromEnum[reference.Grade](typev1.Grade_name, gradePrefix, g)
}

// Date returns the calendar date of t (in UTC) as a proto Date; nil for the
// zero time.
func Date(t time.Time) *typev1.Date {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &typev1.Date{Year: int32(t.Year()), Month: int32(t.Month()), Day: int32(t.Day())}
}

// DateFrom validates a proto Date and returns it as midnight UTC. A nil date
// gives the zero time and ok false; an impossible date (2015-02-30, month
// 13, a year outside 1900–9999) gives an error.
func DateFrom(d *typev1.Date) (t time.Time, ok bool, err error) {
	if d == nil {
		return time.Time{}, false, nil
	}
	if d.GetYear() < 1900 || d.GetYear() > 9999 {
		return time.Time{}, false, fmt.Errorf("year %d is outside 1900 to 9999", d.GetYear())
	}
	t = time.Date(int(d.GetYear()), time.Month(d.GetMonth()), int(d.GetDay()), 0, 0, 0, 0, time.UTC)
	if t.Month() != time.Month(d.GetMonth()) || t.Day() != int(d.GetDay()) || d.GetDay() < 1 {
		return time.Time{}, false, fmt.Errorf("%04d-%02d-%02d is not a calendar date", d.GetYear(), d.GetMonth(), d.GetDay())
	}
	return t, true, nil
}

// EnumName is the domain value of a proto enum: its value name without
// prefix, "" for the zero value, and for a number the enum does not define
// the number itself, which the domain rules then reject by name. It never
// fails, so a handler's validation sees, and reports, every problem at once.
func EnumName(e protoreflect.Enum, prefix string) string {
	if e.Number() == 0 {
		return ""
	}
	if v := e.Descriptor().Values().ByNumber(e.Number()); v != nil {
		return strings.TrimPrefix(string(v.Name()), prefix)
	}
	return strconv.Itoa(int(e.Number()))
}

// ProtoEnum is a generated proto enum type, such as typev1.Grade.
type ProtoEnum interface {
	protoreflect.Enum
	~int32
}

// Enum is the value of the proto enum E named prefix + name, such as
// GRADE_ and GOOD: how a domain value, which is the enum's name less its
// prefix, goes on the wire. A name E does not define gives its zero value,
// the UNSPECIFIED one. EnumName is the way back.
func Enum[E ProtoEnum, S ~string](prefix string, name S) E {
	var zero E
	if v := zero.Descriptor().Values().ByName(protoreflect.Name(prefix + string(name))); v != nil {
		return E(v.Number())
	}
	return zero
}

// fromEnum is the reference value of a proto enum e: its name in names (the
// enum's _name map) without prefix, and false for the unspecified value or
// a number the enum does not define.
func fromEnum[V ~string, E ~int32](names map[int32]string, prefix string, e E) (V, bool) {
	name, ok := names[int32(e)]
	if !ok || e == 0 {
		return "", false
	}
	return V(strings.TrimPrefix(name, prefix)), true
}

// enumFrom is the number of the enum value name names, given with or
// without prefix, in values (an enum's _value map); 0, the unspecified
// value, when it names none.
func enumFrom(values map[string]int32, prefix, name string) int32 {
	if name == "" {
		return 0
	}
	return values[prefix+strings.TrimPrefix(name, prefix)]
}
