package engagement

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/check"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

// HalfDays counts staff time in half-days, the unit deployments are
// recorded in. Totals and money are computed on it, so they are exact.
type HalfDays int64

// StaffDays is h in staff-days, as the API shows them. Every half-day
// count is exact in a float64.
func (h HalfDays) StaffDays() float64 { return float64(h) / 2 }

// WholeDaysUp is h in whole staff-days, a half-day counting as a day:
// capacity is planned in whole days, and a half-day lent is a day that
// sponsor's staff were not at home.
func (h HalfDays) WholeDaysUp() int64 { return (int64(h) + 1) / 2 }

// HalfDaysOf converts staff-days to half-days. ok is false for a number
// that is not a whole number of half-days (0.3, NaN, infinities) or is too
// large to count.
func HalfDaysOf(days float64) (h HalfDays, ok bool) {
	x := days * 2
	if math.IsNaN(x) || math.IsInf(x, 0) || x != math.Trunc(x) || math.Abs(x) > 1<<52 {
		return 0, false
	}
	return HalfDays(x), true
}

// Bounds of one deployment's staff time: half a day, up to a month of one
// person's days (a deployment may stand for several days from its date).
const (
	MinDeploymentHalfDays HalfDays = 1
	MaxDeploymentHalfDays HalfDays = 62
)

// MaxNotes bounds a deployment's notes, in characters.
const MaxNotes = 2000

// Role is the role of the staff deployed, named as the proto enum
// StaffRole without its STAFF_ROLE_ prefix.
type Role string

// The roles.
const (
	Director     Role = "DIRECTOR"
	Manager      Role = "MANAGER"
	SocialWorker Role = "SOCIAL_WORKER"
	Specialist   Role = "SPECIALIST"
)

// Roles lists the roles in the order of the proto enum.
var Roles = []Role{Director, Manager, SocialWorker, Specialist}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Deployment records staff time a sponsor lent to an engagement.
type Deployment struct {
	// Sponsor and Engagement identify the engagement; ID is unique within
	// it.
	Sponsor    string
	Engagement string
	ID         string
	// Date is the day the staff worked, or the first of the days, as
	// midnight UTC. Statements and quarters count the whole deployment on
	// this date.
	Date     time.Time
	Role     Role
	HalfDays HalfDays
	Notes    string
	// RecordedBy is the subject of the sponsor officer who recorded it, at
	// CreateTime.
	RecordedBy string
	CreateTime time.Time
}

// Name is the deployment's resource name,
// sponsors/{sponsor}/engagements/{engagement}/deployments/{id}.
func (d Deployment) Name() string {
	return Name(d.Sponsor, d.Engagement) + "/" + DeploymentCollection + "/" + d.ID
}

// EngagementName is the resource name of the deployment's engagement.
func (d Deployment) EngagementName() string { return Name(d.Sponsor, d.Engagement) }

// Draft is a deployment as a sponsor officer submits it.
type Draft struct {
	// Date is the day worked, as midnight UTC; the zero time means unset.
	Date time.Time
	Role Role
	// StaffDays is as the request gives it: 0.5 to 31 in halves.
	StaffDays float64
	Notes     string
}

// Validate reports every invalid field of d that can be judged without its
// engagement, each field path after prefix (such as "deployment."): a date
// not after today in England (now is the caller's clock), a role, staff
// days in halves from 0.5 to 31, and notes within MaxNotes characters of
// valid UTF-8. Engagement.Deploy also checks the date against the
// engagement's start.
func (d Draft) Validate(prefix string, now time.Time) fault.Violations {
	var vs fault.Violations
	add := func(field, format string, args ...any) { vs.Add(prefix+field, format, args...) }
	check.Past(add, "date", d.Date, now, "is required: the day the staff worked, or the first of the days")
	check.Enum(add, "role", d.Role, Roles)
	if h, ok := HalfDaysOf(d.StaffDays); !ok || h < MinDeploymentHalfDays || h > MaxDeploymentHalfDays {
		add("staff_days", "must be %s to %s staff-days in halves (0.5, 1, 1.5 ...), got %s",
			formatDays(MinDeploymentHalfDays), formatDays(MaxDeploymentHalfDays), strconv.FormatFloat(d.StaffDays, 'g', -1, 64))
	}
	check.Text{Max: MaxNotes}.Check(add, "notes", d.Notes)
	return vs
}

// Deploy records d on e: it returns e with the deployment's staff time
// added to its total and to the quarter of the deployment's date, and the
// deployment itself with id, recorded by actor at now. The version of the
// engagement returned is the one e was read at, for the store to pin.
//
// d is validated as Validate does, and its date must not be before the
// engagement's start; all those violations come together, under prefix.
// An engagement that is not ACTIVE takes no deployments
// (FAILED_PRECONDITION), whatever the draft.
func (e Engagement) Deploy(d Draft, prefix, id, actor string, now time.Time) (Engagement, Deployment, error) {
	if e.State != Active {
		return Engagement{}, Deployment{}, fault.FailedPrecondition(ReasonNotActive,
			"%s is %s; staff can be deployed only to an active engagement", e.Name(), e.State).With("state", string(e.State))
	}
	vs := d.Validate(prefix, now)
	if !d.Date.IsZero() && d.Date.Before(e.StartDate) {
		vs.Add(prefix+"date", "%s is before the engagement started on %s",
			d.Date.Format(time.DateOnly), e.StartDate.Format(time.DateOnly))
	}
	if err := vs.Err(); err != nil {
		return Engagement{}, Deployment{}, err
	}
	h, _ := HalfDaysOf(d.StaffDays)
	y, m, day := d.Date.UTC().Date()
	dep := Deployment{
		Sponsor:    e.Sponsor,
		Engagement: e.ID,
		ID:         id,
		Date:       time.Date(y, m, day, 0, 0, 0, 0, time.UTC),
		Role:       d.Role,
		HalfDays:   h,
		Notes:      d.Notes,
		RecordedBy: actor,
		CreateTime: now.UTC(),
	}
	out := e.Clone()
	out.Deployed += h
	if out.ByQuarter == nil {
		out.ByQuarter = map[Quarter]HalfDays{}
	}
	out.ByQuarter[QuarterOf(dep.Date)] += h
	return out, dep, nil
}

// SortDeployments orders deployments oldest first: by date, then by when
// they were recorded, then by id, so pages are stable.
func SortDeployments(ds []Deployment) {
	slices.SortStableFunc(ds, func(a, b Deployment) int {
		return cmp.Or(a.Date.Compare(b.Date), a.CreateTime.Compare(b.CreateTime), strings.Compare(a.Name(), b.Name()))
	})
}

// formatDays renders h as staff-days: 0.5, 31.
func formatDays(h HalfDays) string { return strconv.FormatFloat(h.StaffDays(), 'f', -1, 64) }
