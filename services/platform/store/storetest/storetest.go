// Package storetest holds what the services' store tests, and the domain
// and event tests beside them, share: the councils they keep records for,
// by name, so that each test reads "Leeds" where the wire has a GSS code;
// the days their records are dated; and checks of resource names.
package storetest

import "time"

// GSS codes of the councils the tests name, as in the shipped reference
// data set.
const (
	Birmingham = "E08000025"
	Camden     = "E09000007"
	Doncaster  = "E08000017"
	Durham     = "E06000047"
	Hampshire  = "E10000014"
	Kensington = "E09000020"
	Leeds      = "E08000035"
	Sheffield  = "E08000019"
	Slough     = "E06000039"
	Sunderland = "E08000024"
	Wight      = "E06000046"
)

// Day is midnight UTC at the start of the day d of month m in year y.
func Day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
