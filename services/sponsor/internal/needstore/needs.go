// Package needstore keeps councils' sponsor needs in Redis, through the
// platform store. A need lives under its council's hash tag, beside the
// council's outbox, so one transaction commits a need, its index entries,
// the marker of the intervention that opened it, the SponsorNeedOpened
// event, the audit entry and the idempotency record.
//
// Keys, all under keyspace.CouncilTag(gss):
//
//	{la:GSS}:sponsorNeed:{id}        the need (a record: stored form and version)
//	{la:GSS}:sponsorNeeds            a set of the council's need IDs
//	{la:GSS}:sponsorNeeds:open       a set of the IDs of its OPEN needs
//	{la:GSS}:sponsorNeedCause:intervention:{id}
//	                                 a record holding the ID of the need that
//	                                 the council's intervention {id} opened;
//	                                 written once, so each intervention opens
//	                                 one need
//
// Lists across councils read the 152 index sets in one pipeline and the
// records in a second (through store.Cache: each record's version, and the
// data of only the records that changed since this process last decoded
// them), so a list costs two round trips however many
// councils and needs there are; each index key is read on its own, so no
// command spans two hash tags and the lists work unchanged on Redis
// Cluster.
//
// Needs implements need.Storer. Write and Index let another part of the
// service (a match run's approval) commit a need it changed together with
// its own records of the same council.
package needstore

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/need"
)

// Topic is the event topic SponsorNeedOpened goes to.
const Topic = "sponsor"

// Needs stores sponsor needs. It implements need.Storer.
type Needs struct {
	*records
	// cached serves List and Open: every list reads every need of the
	// councils it covers, which are decoded only when they changed
	// (store.Cache).
	cached *store.Cache[need.Need]
}

var _ need.Storer = (*Needs)(nil)

// records is the collection of sponsor need records, whose reads and replay
// the store answers with.
type records = store.CouncilCollection[need.Need]

// New returns the need store over st, keeping each need in the stored form
// codec gives it.
func New(st *store.Store, codec store.Codec[need.Need]) *Needs {
	rs := store.NewCouncilCollection(st, codec, need.ErrNotFound, store.CouncilKeys{Record: "sponsorNeed", Index: "sponsorNeeds", Name: need.Name})
	return &Needs{records: rs, cached: store.NewCache(rs.Collection).Copying(need.Need.Clone)}
}

func (s *Needs) st() *store.Store { return s.records.Store() }

func (s *Needs) ks() keyspace.Keyspace { return s.st().Keyspace() }

// Tag is the hash tag of the council gss, under which its needs live: a
// mutation that writes a need has this Tag.
func Tag(gss string) string { return keyspace.CouncilTag(gss) }

// Key is the record key of need id of the council gss, for an audit entry
// of a mutation that writes it.
func (s *Needs) Key(gss, id string) string { return s.records.RecordKey(gss, id) }

func (s *Needs) openKey(gss string) string { return s.ks().Key(Tag(gss), "sponsorNeeds", "open") }

func (s *Needs) causeKey(gss, interventionID string) string {
	return s.ks().Key(Tag(gss), "sponsorNeedCause", "intervention", interventionID)
}

// List implements need.Storer.
func (s *Needs) List(ctx context.Context, gss string) ([]need.Need, error) {
	out, _, err := s.read(ctx, gss, false)
	if err != nil {
		return nil, fmt.Errorf("list sponsor needs of %s: %w", need.CouncilName(gss), err)
	}
	return out, nil
}

// Open returns every council's OPEN needs, ordered by resource name, each
// at the version it was read at, and their fingerprint, in two round
// trips: what a match run matches, and what its approval checks has not
// changed.
//
// The fingerprint is an opaque string, the SHA-256 (truncated to 128 bits,
// hex) of every open need's resource name and version in name order. Every
// change of a need moves its version, so it changes whenever a need opens,
// changes, is matched or is closed.
func (s *Needs) Open(ctx context.Context) ([]need.Need, string, error) {
	out, fp, err := s.read(ctx, need.AllCouncils, true)
	if err != nil {
		return nil, "", fmt.Errorf("list open sponsor needs: %w", err)
	}
	return out, fp, nil
}

// read returns the needs of the council gss, or of every council for
// need.AllCouncils, ordered by name: with open, those the open index holds
// that are OPEN (so the result is right even if a caller wrote a need without
// its Index operations) and their fingerprint, and otherwise all (and no
// fingerprint, which only a match run needs).
func (s *Needs) read(ctx context.Context, gss string, open bool) ([]need.Need, string, error) {
	index := s.records.IndexKey
	if open {
		index = s.openKey
	}
	all, err := s.cached.InCouncils(ctx, gss, index, s.Key)
	if err != nil {
		return nil, "", err
	}
	// By name: GSS codes have one length, so council then ID is name order,
	// without building each name.
	slices.SortFunc(all, func(a, b need.Need) int {
		return cmp.Or(strings.Compare(a.GSSCode, b.GSSCode), strings.Compare(a.ID, b.ID))
	})
	if !open {
		return all, "", nil
	}
	h := sha256.New()
	h.Write([]byte("turnaround.sponsor.needs.v1"))
	out := all[:0]
	for _, n := range all {
		if n.State != need.Open {
			continue
		}
		out = append(out, n)
		fmt.Fprintf(h, "%q@%d\n", n.Name(), n.Version)
	}
	return out, hex.EncodeToString(h.Sum(nil)[:16]), nil
}

// OpenedBy implements need.Storer: it reads the intervention's marker, then
// the need it names.
func (s *Needs) OpenedBy(ctx context.Context, gss, intervention string) (need.Need, bool, error) {
	ivGSS, ivID, ok := need.ParseInterventionName(intervention)
	if !ok || ivGSS != gss {
		return need.Need{}, false, fmt.Errorf("find the need of intervention %q: not an intervention of %s", intervention, need.CouncilName(gss))
	}
	n, ok, err := s.records.Pointed(ctx, gss, s.causeKey(gss, ivID))
	if err != nil {
		return need.Need{}, false, fmt.Errorf("find the need of %s: %w", intervention, err)
	}
	return n, ok, nil
}

// Replay implements need.Storer. Request IDs are scoped by method and
// caller (store.IdempotencyScope) and kept under the council's tag.
func (s *Needs) Replay(ctx context.Context, gss string, r change.Request) (need.Need, bool, error) {
	if r.RequestID == "" || len(r.RequestHash) == 0 {
		return need.Need{}, false, nil
	}
	return s.records.Replay(ctx, gss, r)
}

// Insert implements need.Storer: the need at version 1, its index entries,
// for a need opened by an intervention the intervention's marker (which
// must not exist), SponsorNeedOpened on topic "sponsor", the audit entry
// and, for a request with an ID and a hash, the idempotency record
// replaying the need, in one commit. A request that names no method (a
// need opened from an event) is audited as CreateSponsorNeed, the RPC
// whose effect it has.
func (s *Needs) Insert(ctx context.Context, n need.Need, r change.Request) (need.Need, error) {
	if !resource.ValidID(n.ID) {
		return need.Need{}, fmt.Errorf("open sponsor need: invalid id %q", n.ID)
	}
	n.Version = 1
	m, err := s.mutation(n, store.MustNotExist, r, sponsorv1.SponsorService_CreateSponsorNeed_FullMethodName)
	if err != nil {
		return need.Need{}, err
	}
	if n.Intervention != "" {
		gss, ivID, ok := need.ParseInterventionName(n.Intervention)
		if !ok || gss != n.GSSCode {
			return need.Need{}, fmt.Errorf("open sponsor need %s: intervention %q is not one of its council", n.Name(), n.Intervention)
		}
		m.Writes = append(m.Writes, store.Write{Key: s.causeKey(gss, ivID), Data: []byte(n.ID), IfVersion: store.MustNotExist})
	}
	ev, err := events.NewEvent(ctx, Topic, n.Name(), &eventsv1.SponsorNeedOpened{
		SponsorNeed: n.Name(), LocalAuthority: need.CouncilName(n.GSSCode), Intervention: n.Intervention,
	})
	if err != nil {
		return need.Need{}, fmt.Errorf("open sponsor need %s: %w", n.Name(), err)
	}
	ev.Time = n.CreateTime
	m.Events = []events.Event{ev}
	return s.records.Commit(ctx, m, n, "open sponsor need "+n.Name())
}

// Save implements need.Storer: the need over the version read, its index
// entries as its state leaves them and its audit entry; a need saved
// CLOSED is one just closed (only an open need changes), announced with
// SponsorNeedClosed on topic "sponsor".
func (s *Needs) Save(ctx context.Context, n need.Need, r change.Request) (need.Need, error) {
	if n.Version < 1 {
		return need.Need{}, fmt.Errorf("update sponsor need %s: version %d: a need is created only by Insert", n.Name(), n.Version)
	}
	read := n.Version
	n.Version++
	m, err := s.mutation(n, read, r, sponsorv1.SponsorService_UpdateSponsorNeed_FullMethodName)
	if err != nil {
		return need.Need{}, err
	}
	if n.State == need.Closed {
		ev, err := events.NewEvent(ctx, Topic, n.Name(), &eventsv1.SponsorNeedClosed{
			SponsorNeed: n.Name(), LocalAuthority: need.CouncilName(n.GSSCode), ClosedBy: r.Subject,
		})
		if err != nil {
			return need.Need{}, fmt.Errorf("close sponsor need %s: %w", n.Name(), err)
		}
		m.Events = append(m.Events, ev)
	}
	return s.records.Commit(ctx, m, n, "update sponsor need "+n.Name())
}

// Write returns the write that stores n as it now stands (for example
// after n.Match), pinned to the version n was read at, so that a match
// run's approval can commit the need in the same transaction as its own
// records of the council. The mutation's Tag must be Tag(n.GSSCode); it
// should carry Index(n) too, and an audit entry with Key set to the
// write's key. After the commit the need is at version n.Version+1.
func (s *Needs) Write(n need.Need) (store.Write, error) {
	if n.Version < 1 {
		return store.Write{}, fmt.Errorf("write sponsor need %s: version %d: only a need read from the store can be written", n.Name(), n.Version)
	}
	return s.records.Put(s.Key(n.GSSCode, n.ID), n, n.Version)
}

// Index returns the index operations that keep the council's need sets in
// step with n's state: n is in the set of all needs, and in the set of
// open needs exactly while it is OPEN.
func (s *Needs) Index(n need.Need) []store.IndexOp {
	ops := []store.IndexOp{s.records.Indexed(n.GSSCode, n.ID)}
	if n.State == need.Open {
		return append(ops, store.SAdd(s.openKey(n.GSSCode), n.ID))
	}
	return append(ops, store.SRem(s.openKey(n.GSSCode), n.ID))
}

// mutation is the commit of n (at its new version) over the version read:
// the record, its index entries, its audit entry and, for a request with
// an ID and a hash, the idempotency record replaying n as the API renders
// it. method is the method to audit when r names none.
func (s *Needs) mutation(n need.Need, read int64, r change.Request, method string) (store.Mutation, error) {
	m, err := s.records.Change(n, store.Saved{
		Tag: Tag(n.GSSCode), Key: s.Key(n.GSSCode, n.ID), Name: n.Name(),
		Read: read, Version: n.Version, Method: method,
	}, r)
	if err != nil {
		return store.Mutation{}, err
	}
	m.Index = s.Index(n)
	return m, nil
}
