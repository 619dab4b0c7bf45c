package rpc

import (
	"slices"
	"testing"
)

func TestCouncilsReadsEachNameAndNamesTheFieldOfABadOne(t *testing.T) {
	c := Councils{Prefix: "sponsor."}
	if got := c.One("home_council", "localAuthorities/E08000035"); got != "E08000035" {
		t.Errorf("One = %q, want E08000035", got)
	}
	got := c.Each("conflicts", []string{"localAuthorities/E08000019", "leeds", "localAuthorities/E06000039"})
	if want := []string{"E08000019", "", "E06000039"}; !slices.Equal(got, want) {
		t.Errorf("Each = %q, want %q", got, want)
	}
	if got := c.Each("conflicts", nil); got != nil {
		t.Errorf("Each of none = %q, want nil", got)
	}
	var fields []string
	for _, v := range c.Violations {
		fields = append(fields, v.Field)
	}
	if want := []string{"sponsor.conflicts[1]"}; !slices.Equal(fields, want) {
		t.Errorf("violations on %v, want %v", fields, want)
	}
}

func TestCouncilNames(t *testing.T) {
	if got, want := CouncilNames([]string{"E08000035", "E08000019"}), []string{"localAuthorities/E08000035", "localAuthorities/E08000019"}; !slices.Equal(got, want) {
		t.Errorf("CouncilNames = %q, want %q", got, want)
	}
	if got := CouncilNames(nil); got != nil {
		t.Errorf("CouncilNames of none = %q, want nil", got)
	}
}
