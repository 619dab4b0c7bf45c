// Package keyspace names every Redis key Turnaround uses. Keys of one
// aggregate share a hash tag, `{tag}`, so a transaction over them stays in one
// Redis Cluster slot.
package keyspace

import "strings"

// Keyspace builds keys under a prefix. Prefix namespaces a deployment (or a
// test) and sits outside the hash tag, so it never changes a key's slot
// relative to its siblings.
type Keyspace struct {
	Prefix string
}

// Key returns Prefix + "{" + tag + "}" + ":" + parts joined by ":".
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

// Outbox is the outbox stream of the aggregate with hash tag tag. A write
// appends its events here in the same atomic commit (one Lua script) as its state change.
func (k Keyspace) Outbox(tag string) string { return k.Key(tag, "outbox") }

// OutboxRegistry is the set of every outbox stream ever written. Writers add
// to it before their transaction, so the relay can always find an outbox
// that holds entries, even after a crash.
func (k Keyspace) OutboxRegistry() string { return k.Key("outbox", "registry") }

// OutboxPending is the set of outbox streams written since the relay last
// drained them: a hint added after each commit so the relay reacts at once.
func (k Keyspace) OutboxPending() string { return k.Key("outbox", "pending") }

// Topic is the stream that consumers of topic read through consumer groups.
func (k Keyspace) Topic(topic string) string { return k.Key("topic:" + topic) }
