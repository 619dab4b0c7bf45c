package store_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
)

// trackedReplica is one replica's store and cache, with a Tracker, over
// the test's Redis.
type trackedReplica struct {
	st    *store.Store
	cache *store.Cache[string]
	trips *redistest.RoundTrips
}

func newTrackedReplica(t *testing.T, c redis.UniversalClient, ks keyspace.Keyspace) trackedReplica {
	st := store.New(c, ks, store.WithTracker(redistest.Tracker(t, ks)))
	return trackedReplica{
		st:    st,
		cache: store.NewCache(store.NewCollection(st, stringCodec, errors.New("not found"))),
		trips: redistest.CountRoundTrips(c),
	}
}

// otherReplica is another replica's store over the test's Redis, on a
// client of its own and without a Tracker: the writer whose acknowledged
// writes a tracked replica must see.
func otherReplica(t *testing.T, ks keyspace.Keyspace) *store.Store {
	t.Helper()
	c, err := store.Open(testContext(t), redistest.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return store.New(c, ks)
}

// trackedKeys are the council-owned keys of the tests' records.
type trackedKeys struct{ ks keyspace.Keyspace }

func (k trackedKeys) record(gss, id string) string {
	return k.ks.Key(keyspace.CouncilTag(gss), "thing", id)
}
func (k trackedKeys) index(gss string) string { return k.ks.Key(keyspace.CouncilTag(gss), "things") }

// put creates or replaces record id of council gss with data.
func (k trackedKeys) put(t *testing.T, st *store.Store, gss, id, data string) {
	t.Helper()
	_, err := st.Commit(testContext(t), store.Mutation{Tag: keyspace.CouncilTag(gss),
		Writes: []store.Write{{Key: k.record(gss, id), Data: []byte(data), IfVersion: store.AnyVersion}},
		Index:  []store.IndexOp{store.SAdd(k.index(gss), id)}})
	if err != nil {
		t.Fatal(err)
	}
}

// remove deletes record id of council gss.
func (k trackedKeys) remove(t *testing.T, st *store.Store, gss, id string) {
	t.Helper()
	_, err := st.Commit(testContext(t), store.Mutation{Tag: keyspace.CouncilTag(gss),
		Writes: []store.Write{{Key: k.record(gss, id), Delete: true, IfVersion: store.AnyVersion}},
		Index:  []store.IndexOp{store.SRem(k.index(gss), id)}})
	if err != nil {
		t.Fatal(err)
	}
}

func (r trackedReplica) list(t *testing.T, k trackedKeys) []string {
	t.Helper()
	got, err := r.cache.InCouncils(testContext(t), resource.AllCouncils, k.index, k.record)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	return got
}

// TestTrackedListSeesEveryAcknowledgedWrite: a replica whose cache answers
// every council's list from memory while nothing changed still shows, on
// its very next read, each write another replica has just had
// acknowledged: updates, creations and deletions, in any council, each
// checked right after its commit returns.
func TestTrackedListSeesEveryAcknowledgedWrite(t *testing.T) {
	c, ks := redistest.New(t)
	k := trackedKeys{ks}
	reader := newTrackedReplica(t, c, ks)
	writer := otherReplica(t, ks)

	councils := []string{storetest.Leeds, storetest.Doncaster, storetest.Slough}
	want := map[string]string{} // "gss/id" → data
	for i, gss := range councils {
		id := fmt.Sprint(i)
		k.put(t, writer, gss, id, gss+"/"+id+"=v0")
		want[gss+"/"+id] = gss + "/" + id + "=v0"
	}
	expected := func() []string {
		var out []string
		for _, v := range want {
			out = append(out, v)
		}
		slices.Sort(out)
		return out
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		gss := councils[rng.IntN(len(councils))]
		id := fmt.Sprint(rng.IntN(6))
		name := gss + "/" + id
		switch _, exists := want[name]; {
		case exists && rng.IntN(4) == 0:
			k.remove(t, writer, gss, id)
			delete(want, name)
		default:
			v := fmt.Sprintf("%s=v%d", name, i+1)
			k.put(t, writer, gss, id, v)
			want[name] = v
		}
		if got := reader.list(t, k); !slices.Equal(got, expected()) {
			t.Fatalf("after write %d (%s), the list = %v, want %v", i, name, got, expected())
		}
	}
}

// TestTrackedListIsOneRoundTripWhileNothingChanges: once a list has been
// read, reading it again takes no command on the store's client (only the
// tracker's PING), until a key of the list changes; a write to an unrelated
// key of a council leaves the list in memory.
func TestTrackedListIsOneRoundTripWhileNothingChanges(t *testing.T) {
	c, ks := redistest.New(t)
	k := trackedKeys{ks}
	r := newTrackedReplica(t, c, ks)
	for i, gss := range []string{storetest.Leeds, storetest.Doncaster} {
		k.put(t, r.st, gss, fmt.Sprint(i), "v")
	}
	r.list(t, k)
	r.list(t, k) // the first read gave each record its incarnation, a write
	for range 3 {
		if n := r.trips.During(func() { r.list(t, k) }); n != 0 {
			t.Fatalf("an unchanged list took %d round trips on the store's client, want 0", n)
		}
	}
	if err := c.Set(testContext(t), ks.Key(keyspace.CouncilTag(storetest.Leeds), "other"), "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if n := r.trips.During(func() { r.list(t, k) }); n != 0 {
		t.Fatalf("after a write to a key outside the list, the list took %d round trips, want 0", n)
	}
	k.put(t, r.st, storetest.Slough, "9", "new")
	var got []string
	if n := r.trips.During(func() { got = r.list(t, k) }); n != 2 || !slices.Contains(got, "new") {
		t.Fatalf("after a write to the list, reading took %d round trips and gave %v, want 2 and the new record", n, got)
	}
}

// TestTrackedListSurvivesLosingItsConnection: when the tracker's connection
// is killed, and writes land while it is down, every list read still shows
// every acknowledged write: reads go to Redis until the tracker has
// subscribed again, and what it held before counts as changed.
func TestTrackedListSurvivesLosingItsConnection(t *testing.T) {
	c, ks := redistest.New(t)
	k := trackedKeys{ks}
	r := newTrackedReplica(t, c, ks)
	k.put(t, r.st, storetest.Leeds, "1", "v1")
	r.list(t, k)
	r.list(t, k)
	for round := range 5 {
		killTracker(t, c, ks)
		v := fmt.Sprintf("v%d", round+2)
		k.put(t, r.st, storetest.Leeds, "1", v)
		for range 20 {
			if got := r.list(t, k); !slices.Equal(got, []string{v}) {
				t.Fatalf("round %d: with the tracker's connection killed, the list = %v, want [%s]", round, got, v)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// TestTrackedListUnderConcurrentWriters: readers sharing one tracked cache
// while writers commit get no error, and every read (a list, and a Get of
// one record) started after a write was acknowledged shows it (or something
// newer).
func TestTrackedListUnderConcurrentWriters(t *testing.T) {
	c, ks := redistest.New(t)
	k := trackedKeys{ks}
	r := newTrackedReplica(t, c, ks)
	councils := []string{storetest.Leeds, storetest.Doncaster, storetest.Slough}
	var mu sync.Mutex
	acked := map[string]int{} // council → last version acknowledged
	for _, gss := range councils {
		k.put(t, r.st, gss, "x", gss+":0")
		acked[gss] = 0
	}
	ctx, cancel := context.WithTimeout(testContext(t), 3*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for _, gss := range councils {
		wg.Go(func() {
			for n := 1; ctx.Err() == nil && n <= 150; n++ {
				k.put(t, r.st, gss, "x", fmt.Sprintf("%s:%d", gss, n))
				mu.Lock()
				acked[gss] = n
				mu.Unlock()
			}
		})
	}
	for range 4 {
		wg.Go(func() {
			for ctx.Err() == nil {
				mu.Lock()
				floor := maps.Clone(acked)
				mu.Unlock()
				got, err := r.cache.InCouncils(ctx, resource.AllCouncils, k.index, k.record)
				if err != nil {
					if ctx.Err() == nil {
						t.Errorf("list: %v", err)
					}
					return
				}
				if len(got) != len(councils) {
					t.Errorf("a list shows %d councils' records, want %d: %v", len(got), len(councils), got)
					return
				}
				for _, v := range got {
					gss, n, _ := strings.Cut(v, ":")
					var seen int
					fmt.Sscan(n, &seen)
					if seen < floor[gss] {
						t.Errorf("a list read after %s's write %d was acknowledged shows %d", gss, floor[gss], seen)
						return
					}
				}
				one, err := r.cache.Get(ctx, k.record(councils[0], "x"))
				if err != nil {
					if ctx.Err() == nil {
						t.Errorf("get: %v", err)
					}
					return
				}
				var seen int
				fmt.Sscan(strings.TrimPrefix(one, councils[0]+":"), &seen)
				if seen < floor[councils[0]] {
					t.Errorf("a Get after %s's write %d was acknowledged shows %d", councils[0], floor[councils[0]], seen)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestNoTrackerWhereTheServerCannotTrack: a server that refuses the
// commands tracking needs (as the embedded Redis of make run does) gives no
// tracker and no error, so the suite reads as it does without one.
func TestNoTrackerWhereTheServerCannotTrack(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer lis.Close()
	go func() {
		for {
			conn, err := lis.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				r := bufio.NewReader(conn)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					// Answer each command (its last line is an argument,
					// not a header) with an error, as a server without
					// CLIENT TRACKING answers it.
					if !strings.HasPrefix(line, "*") && !strings.HasPrefix(line, "$") {
						if r.Buffered() == 0 {
							_, _ = conn.Write([]byte("-ERR unknown command\r\n"))
						}
					}
				}
			}()
		}
	}()
	tr, err := store.OpenTracker(testContext(t), "redis://"+lis.Addr().String(), "p:")
	if err != nil || tr != nil {
		t.Fatalf("OpenTracker on a server without tracking = %v, %v; want nil, nil", tr, err)
	}
}

// killTracker closes the connection of the test's tracker from the server's
// side.
func killTracker(t *testing.T, c redis.UniversalClient, ks keyspace.Keyspace) {
	t.Helper()
	list, err := c.ClientList(testContext(t)).Result()
	if err != nil {
		t.Fatal(err)
	}
	killed := 0
	for _, line := range strings.Split(list, "\n") {
		fields := map[string]string{}
		for _, f := range strings.Fields(line) {
			k, v, _ := strings.Cut(f, "=")
			fields[k] = v
		}
		if fields["name"] == store.TrackerClientName(ks.Prefix) {
			if err := c.Do(testContext(t), "CLIENT", "KILL", "ID", fields["id"]).Err(); err != nil {
				t.Fatal(err)
			}
			killed++
		}
	}
	if killed == 0 {
		t.Fatalf("no connection named %s", store.TrackerClientName(ks.Prefix))
	}
}

// TestTrackedListFailsLikeACommandOnAHungServer: on a paused Redis (SIGSTOP
// of a server this test starts), a list the cache holds is not answered from
// memory, since nothing proves it current: the read fails as an outage
// within the command timeout, and succeeds again once the server resumes.
func TestTrackedListFailsLikeACommandOnAHungServer(t *testing.T) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server is not installed")
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := lis.Addr().(*net.TCPAddr).Port
	_ = lis.Close()
	srv := exec.Command(bin, "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = srv.Process.Signal(syscall.SIGCONT)
		_ = srv.Process.Kill()
		_ = srv.Wait()
	})
	url := fmt.Sprintf("redis://127.0.0.1:%d?read_timeout=300ms&write_timeout=300ms&pool_timeout=300ms", port)
	ctx := testContext(t)
	var c redis.UniversalClient
	for range 50 { // until the server listens
		if c, err = store.Open(ctx, url); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ks := keyspace.Keyspace{Prefix: "hung:"}
	tr, err := store.OpenTracker(ctx, url, ks.Prefix)
	if err != nil || tr == nil {
		t.Fatalf("OpenTracker = %v, %v", tr, err)
	}
	defer tr.Close()
	st := store.New(c, ks, store.WithTracker(tr))
	r := trackedReplica{st: st, cache: store.NewCache(store.NewCollection(st, stringCodec, errors.New("not found")))}
	k := trackedKeys{ks}
	k.put(t, st, storetest.Leeds, "1", "v1")
	r.list(t, k)
	r.list(t, k)

	if err := srv.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = r.cache.InCouncils(ctx, resource.AllCouncils, k.index, k.record)
	took := time.Since(start)
	if err == nil || !store.Unavailable(err) {
		t.Errorf("a list on a paused server: %v, want an outage", err)
	}
	if took > 900*time.Millisecond {
		t.Errorf("a list on a paused server failed after %s, want about the 300ms command timeout", took)
	}
	if err := srv.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := r.cache.InCouncils(ctx, resource.AllCouncils, k.index, k.record)
		if err == nil && slices.Equal(got, []string{"v1"}) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the server resumed, the list = %v, %v", got, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestTrackedGetSeesEveryAcknowledgedWrite: a replica whose cache answers
// a record it read before from memory still shows, on its very next Get,
// each write another replica has just had acknowledged: updates, a delete
// and the record created again (which starts again at version 1), each
// checked right after its commit returns; and an unchanged record takes no
// command on the store's client.
func TestTrackedGetSeesEveryAcknowledgedWrite(t *testing.T) {
	c, ks := redistest.New(t)
	k := trackedKeys{ks}
	reader := newTrackedReplica(t, c, ks)
	writer := otherReplica(t, ks)
	key := k.record(storetest.Leeds, "1")
	get := func() (string, error) { return reader.cache.Get(testContext(t), key) }
	// The first Get of a key reads without a PING, so the invalidation of
	// a write just before it may still be on its way, costing one more
	// read; every Get after a PING-proved one is exact.
	k.put(t, writer, storetest.Leeds, "1", "v")
	_, _ = get()
	_, _ = get()

	for i := range 199 { // the last is a write, the others every 50th a delete
		switch {
		case i%50 == 49:
			k.remove(t, writer, storetest.Leeds, "1")
			if got, err := get(); err == nil {
				t.Fatalf("after delete %d, Get = %q, want not found", i, got)
			}
			continue
		default:
			k.put(t, writer, storetest.Leeds, "1", fmt.Sprintf("v%d", i))
		}
		want := fmt.Sprintf("v%d", i)
		if got, err := get(); err != nil || got != want {
			t.Fatalf("after write %d, Get = %q, %v; want %q", i, got, err, want)
		}
		if i%50 == 0 {
			// Created again after a delete, which dropped what the cache
			// held: a first Get again (see above).
			_, _ = get()
		}
		var got string
		var err error
		if n := reader.trips.During(func() { got, err = get() }); n != 0 || err != nil || got != want {
			t.Fatalf("an unchanged record's Get took %d round trips and gave %q, %v; want 0 and %q", n, got, err, want)
		}
	}
	if err := c.Set(testContext(t), ks.Key(keyspace.CouncilTag(storetest.Leeds), "other"), "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	var err error
	if n := reader.trips.During(func() { _, err = get() }); n != 0 || err != nil {
		t.Fatalf("after a write to another key, Get took %d round trips (%v), want 0", n, err)
	}
}

// TestMemoReadsAgainWhenAKeyOfItsShapeChanges: a Memo answers from memory
// until a key it depends on changes, whether named exactly or by its shape,
// and keeps its answer across writes to other keys; a dropped tracker
// connection makes it read again.
func TestMemoReadsAgainWhenAKeyOfItsShapeChanges(t *testing.T) {
	c, ks := redistest.New(t)
	ctx := testContext(t)
	st := store.New(c, ks, store.WithTracker(redistest.Tracker(t, ks)))
	exact := ks.Key("memo", "exact")
	shape := func(part string) string { return ks.Key("memo", "shape", part, "end") }
	reads := 0
	memo := store.NewMemo[int](st)
	read := func() int {
		t.Helper()
		v, err := memo.Read(ctx, "id", func() []string { return []string{exact, shape(store.Any)} }, func() (int, error) {
			reads++
			return reads, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	set := func(key string) {
		t.Helper()
		if err := c.Set(ctx, key, "x", 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		write string // "" for none
		fresh bool   // whether the read after it must read again
	}{
		{"", true}, // the first read
		{"", false},
		{ks.Key("memo", "other"), false},
		{shape("a") + "x", false}, // not of the shape: a suffix after "end"
		{exact, true},
		{"", false},
		{shape("a"), true},
		{shape("b:c"), true},
		{ks.Key("memo", "exact2"), false},
	}
	for i, s := range steps {
		if s.write != "" {
			set(s.write)
		}
		before := reads
		read()
		if fresh := reads > before; fresh != s.fresh {
			t.Fatalf("step %d (write %q): read again = %v, want %v", i, s.write, fresh, s.fresh)
		}
	}
	killTracker(t, c, ks)
	before := reads
	read()
	if reads == before {
		t.Fatal("after the tracker's connection was killed, the memo answered from memory")
	}
}

// TestMemoReadEachReadsOnlyWhatChanged: ReadEach answers several ids with
// one PING, reading from Redis only the ids whose keys changed, and gives
// the answers in the order of the ids.
func TestMemoReadEachReadsOnlyWhatChanged(t *testing.T) {
	c, ks := redistest.New(t)
	ctx := testContext(t)
	st := store.New(c, ks, store.WithTracker(redistest.Tracker(t, ks)))
	ids := []string{"a", "b", "c"}
	key := func(id string) string { return ks.Key("memo", id) }
	memo := store.NewMemo[string](st)
	var asked [][]string
	readEach := func() []string {
		t.Helper()
		got, err := memo.ReadEach(ctx, ids, func(i int) []string { return []string{key(ids[i])} }, func(missing []int) ([]string, error) {
			var names, out []string
			for _, i := range missing {
				v, err := c.Get(ctx, key(ids[i])).Result()
				if err != nil && !errors.Is(err, redis.Nil) {
					return nil, err
				}
				names = append(names, ids[i])
				out = append(out, ids[i]+"="+v)
			}
			asked = append(asked, names)
			return out, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	set := func(id, v string) {
		t.Helper()
		if err := c.Set(ctx, key(id), v, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range ids {
		set(id, "1")
	}
	readEach()
	readEach() // the first read may see its own keys' invalidations late
	asked = nil
	if got := readEach(); !slices.Equal(got, []string{"a=1", "b=1", "c=1"}) || len(asked) != 0 {
		t.Fatalf("nothing changed: %v, reads %v; want every answer from memory", got, asked)
	}
	set("b", "2")
	if got := readEach(); !slices.Equal(got, []string{"a=1", "b=2", "c=1"}) || len(asked) != 1 || !slices.Equal(asked[0], []string{"b"}) {
		t.Fatalf("after b changed: %v, reads %v; want b alone read again", got, asked)
	}
	asked = nil
	set("a", "3")
	set("c", "3")
	if got := readEach(); !slices.Equal(got, []string{"a=3", "b=2", "c=3"}) || len(asked) != 1 || !slices.Equal(asked[0], []string{"a", "c"}) {
		t.Fatalf("after a and c changed: %v, reads %v; want a and c read again, in order", got, asked)
	}
}

// TestMemoHandsOutCopies: a memo made Copying hands out a copy of what it
// keeps, whether the answer comes from Redis or from memory, so a caller
// that changes an answer does not change the next one.
func TestMemoHandsOutCopies(t *testing.T) {
	c, ks := redistest.New(t)
	ctx := testContext(t)
	st := store.New(c, ks, store.WithTracker(redistest.Tracker(t, ks)))
	key := ks.Key("memo", "copies")
	if err := c.Set(ctx, key, "kept", 0).Err(); err != nil {
		t.Fatal(err)
	}
	memo := store.NewMemo[[]string](st).Copying(slices.Clone[[]string])
	reads := 0
	read := func() []string {
		t.Helper()
		got, err := memo.Read(ctx, "id", func() []string { return []string{key} }, func() ([]string, error) {
			reads++
			v, err := c.Get(ctx, key).Result()
			return []string{v}, err
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	read()[0] = "changed by a caller" // from Redis
	for range 3 {
		got := read()
		if got[0] != "kept" {
			t.Fatalf("after a caller changed an answer, the memo answered %q, want %q", got[0], "kept")
		}
		got[0] = "changed by a caller"
	}
	if reads > 2 {
		t.Fatalf("an unchanged key was read %d times, want its answers from memory", reads)
	}
}
