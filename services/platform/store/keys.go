package store

import "strings"

// Keyspace builds every Redis key the product uses. Keys of one aggregate
// share a hash tag, `{tag}`, so a transaction over them stays in one Cluster
// slot. Prefix namespaces a deployment (or a test) and sits outside the tag.
type Keyspace struct {
	Prefix string
}

// Key returns Prefix + "{" + tag + "}:" + parts joined by ":".
func (k Keyspace) Key(tag string, parts ...string) string {
	var b strings.Builder
	b.WriteString(k.Prefix)
	b.WriteByte('{')
	b.WriteString(tag)
	b.WriteByte('}')
	for _, p := range parts {
		b.WriteByte(':')
		b.WriteString(p)
	}
	return b.String()
}

// CouncilTag is the hash tag of everything that belongs to one council, so a
// council's inspections, plans and their outbox entries share a slot.
func CouncilTag(gssCode string) string { return "la:" + gssCode }
