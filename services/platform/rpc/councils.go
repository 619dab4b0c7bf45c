package rpc

import (
	"strconv"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
)

// Councils reads the council names of a message a handler decodes: each
// name is the GSS code it names, and a name that is no council's resource
// name is a violation on its field, under Prefix (the path of the message
// in the request, such as "sponsor."), and "" in its place, so that the
// decoded value keeps one entry per name for the rules to judge.
type Councils struct {
	Prefix     string
	Violations fault.Violations
}

// One is the GSS code of name, read from field.
func (c *Councils) One(field, name string) string {
	gss, err := resource.ParseCouncil(c.Prefix+field, name)
	c.Violations.Merge(err)
	return gss
}

// Each is the GSS code of each of names, read from the repeated field
// (each name on field[i]); nil for none.
func (c *Councils) Each(field string, names []string) []string {
	var out []string
	for i, name := range names {
		out = append(out, c.One(field+"["+strconv.Itoa(i)+"]", name))
	}
	return out
}

// CouncilNames is the resource name of each council of gss, by GSS code,
// as a message carries them; nil for none.
func CouncilNames(gss []string) []string {
	var out []string
	for _, code := range gss {
		out = append(out, resource.CouncilName(code))
	}
	return out
}
