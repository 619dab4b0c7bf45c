package main

import (
	"sort"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	// The contracts whose messages the document describes, registered so
	// their oneofs can be read from the descriptors: Swagger 2.0 has no
	// word for a oneof.
	_ "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	_ "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	_ "github.com/turnaround-sli/turnaround/proto/turnaround/oversight/v1"
	_ "github.com/turnaround-sli/turnaround/proto/turnaround/partner/v1"
	_ "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	_ "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
)

// exampleEnums are the example values of enums whose first value is one
// requests may not give: a plan, an intervention or a sponsor need cannot
// name overall effectiveness, so examples name help and protection.
var exampleEnums = map[string]string{
	"JudgementArea": "JUDGEMENT_AREA_HELP_AND_PROTECTION",
}

// markOneofs finds the schemas of messages with a oneof and says that at
// most one of its fields is given (a protobuf oneof; the rules say where
// one is required): a JSON Schema "not" of every two of them together, a
// sentence in the description, and, for the examples, the groups
// (e.oneofs) whose later members an example leaves out.
func (e *enricher) markOneofs() {
	e.oneofs = map[string][][]string{}
	protoregistry.GlobalFiles.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		if strings.HasPrefix(string(fd.Package()), "turnaround.") {
			e.markMessages(fd.Messages())
		}
		return true
	})
	for _, name := range sortedKeys(e.schemas) {
		groups := e.oneofs[name]
		if len(groups) == 0 {
			continue
		}
		s := e.schemas[name].(obj)
		var pairs []any
		var said []string
		for _, g := range groups {
			for i := range g {
				for _, other := range g[i+1:] {
					// The properties are named again so the subschema
					// stands alone (Redocly's
					// no-required-schema-properties-undefined).
					pairs = append(pairs, obj{
						"properties": obj{g[i]: obj{}, other: obj{}},
						"required":   []any{g[i], other},
					})
				}
			}
			said = append(said, "`"+strings.Join(g, "`, `")+"`")
		}
		if len(pairs) == 1 {
			s["not"] = pairs[0]
		} else {
			s["not"] = obj{"anyOf": pairs}
		}
		desc, _ := s["description"].(string)
		s["description"] = strings.TrimSpace(desc + " Give at most one of " + strings.Join(said, "; and at most one of ") + ".")
	}
}

func (e *enricher) markMessages(msgs protoreflect.MessageDescriptors) {
	for i := 0; i < msgs.Len(); i++ {
		md := msgs.Get(i)
		e.markMessages(md.Messages())
		var groups [][]string
		for j := 0; j < md.Oneofs().Len(); j++ {
			of := md.Oneofs().Get(j)
			if of.IsSynthetic() {
				continue
			}
			var g []string
			for k := 0; k < of.Fields().Len(); k++ {
				g = append(g, string(of.Fields().Get(k).Name()))
			}
			groups = append(groups, g)
		}
		if len(groups) == 0 {
			continue
		}
		if name := e.schemaOf(md, groups); name != "" {
			e.oneofs[name] = groups
		}
	}
}

// schemaOf is the schema describing md: named for it (with or without its
// package) and holding every field of its oneofs.
func (e *enricher) schemaOf(md protoreflect.MessageDescriptor, groups [][]string) string {
	var candidates []string
	for name := range e.schemas {
		if name == string(md.Name()) || strings.HasSuffix(name, string(md.Name())) && strings.Contains(strings.ToLower(name), string(md.ParentFile().Package().Parent().Name())) {
			candidates = append(candidates, name)
		}
	}
	sort.Strings(candidates)
	for _, name := range candidates {
		props := propertiesOf(e.schemas[name].(obj))
		has := true
		for _, g := range groups {
			for _, f := range g {
				if _, ok := props[f]; !ok {
					has = false
				}
			}
		}
		if has {
			return name
		}
	}
	return ""
}

// dropLaterMembers keeps only the first field of each oneof in an example.
func (e *enricher) dropLaterMembers(schemaName string, example obj) {
	for _, g := range e.oneofs[schemaName] {
		kept := false
		for _, f := range g {
			if _, ok := example[f]; !ok {
				continue
			}
			if kept {
				delete(example, f)
			}
			kept = true
		}
	}
}
