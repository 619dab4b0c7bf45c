package matchrunstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/match"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/matchrun"
)

// maxSolvedInputs bounds how many solved inputs a process keeps decoded.
// Past it, reads fetch them again: they are only a cache.
const maxSolvedInputs = 128

// solvedInput is a solved input's stored form: what the engine was given
// and what it answered.
type solvedInput struct {
	Input  match.Input   `json:"input"`
	Result *match.Result `json:"result"`
}

// solvedInputs keeps the solved inputs this process read or committed,
// decoded, by name, and the name of each result it knows is stored. A
// solved input is named by the hash of its content and never changes, so
// what is kept here is never out of date; a result the process does not
// know is stored is written again with the next run that refers to it,
// which, the name being the content's hash, rewrites the same bytes.
type solvedInputs struct {
	mu       sync.Mutex
	byHash   map[string]solvedInput
	byResult map[*match.Result]string
}

func (c *solvedInputs) lookup(hash string) (solvedInput, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.byHash[hash]
	return s, ok
}

// known returns the name of the solved input r refers to, when this
// process knows it is stored: r's result is one it read or committed, with
// the input it was stored with.
func (c *solvedInputs) known(r matchrun.Run) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	hash, ok := c.byResult[r.Result]
	if !ok {
		return "", false
	}
	s := c.byHash[hash]
	return hash, sameInput(s.Input, r.Input)
}

// sameInput reports whether a and b are the same input value, shared (its
// lists the same in memory), as a run's input is with the solved input it
// was read from or stored as.
func sameInput(a, b match.Input) bool {
	return len(a.Needs) == len(b.Needs) && len(a.Sponsors) == len(b.Sponsors) &&
		(len(a.Needs) == 0 || &a.Needs[0] == &b.Needs[0]) &&
		(len(a.Sponsors) == 0 || &a.Sponsors[0] == &b.Sponsors[0]) &&
		a.Weights == b.Weights && a.Algorithm == b.Algorithm && a.TimeLimit == b.TimeLimit
}

// keep records that the solved input hash, s, is stored.
func (c *solvedInputs) keep(hash string, s solvedInput) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byHash == nil {
		c.byHash, c.byResult = map[string]solvedInput{}, map[*match.Result]string{}
	}
	if len(c.byHash) >= maxSolvedInputs {
		for h, old := range c.byHash {
			delete(c.byHash, h)
			delete(c.byResult, old.Result)
			if len(c.byHash) < maxSolvedInputs/2 {
				break
			}
		}
	}
	c.byHash[hash] = s
	c.byResult[s.Result] = hash
}

// solvedOf returns the name of r's solved input and, unless this process
// knows it is stored, the write that stores it. A run without a result (a
// stored form no run of the service has) keeps its input inline: "" and no
// write.
func (s *Runs) solvedOf(r matchrun.Run) (string, *store.Write, error) {
	if r.Result == nil {
		return "", nil, nil
	}
	if hash, ok := s.solved.known(r); ok {
		return hash, nil, nil
	}
	b, err := json.Marshal(solvedInput{Input: r.Input, Result: r.Result})
	if err != nil {
		return "", nil, fmt.Errorf("encode the solved input of match run %s: %w", r.Name(), err)
	}
	sum := sha256.Sum256(b)
	hash := hex.EncodeToString(sum[:])
	return hash, &store.Write{Key: s.SolvedKey(hash), Data: b, IfVersion: store.AnyVersion}, nil
}

// committed notes, once m has committed run r, that r's solved input is
// stored, if m wrote it.
func (s *Runs) committed(r matchrun.Run, m store.Mutation) {
	prefix := s.SolvedKey("")
	for _, w := range m.Writes {
		if hash, ok := strings.CutPrefix(w.Key, prefix); ok && !w.Delete {
			s.solved.keep(hash, solvedInput{Input: r.Input, Result: r.Result})
		}
	}
}

// resolve returns the runs sts store, each with the input and result of
// its solved input: from memory, or read in one pipeline.
func (s *Runs) resolve(ctx context.Context, sts []stored) ([]matchrun.Run, error) {
	got := map[string]solvedInput{}
	var missing []string
	seen := map[string]bool{}
	for _, st := range sts {
		if st.Solved == "" || seen[st.Solved] {
			continue
		}
		seen[st.Solved] = true
		if si, ok := s.solved.lookup(st.Solved); ok {
			got[st.Solved] = si
		} else {
			missing = append(missing, st.Solved)
		}
	}
	if len(missing) > 0 {
		keys := make([]string, len(missing))
		for i, h := range missing {
			keys[i] = s.SolvedKey(h)
		}
		recs, err := s.st.GetMany(ctx, keys)
		if err != nil {
			return nil, fmt.Errorf("read solved inputs: %w", err)
		}
		for i, rec := range recs {
			if !rec.Exists() {
				return nil, fmt.Errorf("solved input %s: missing", missing[i])
			}
			var si solvedInput
			if err := json.Unmarshal(rec.Data, &si); err != nil {
				return nil, fmt.Errorf("decode solved input %s: %w", missing[i], err)
			}
			s.solved.keep(missing[i], si)
			got[missing[i]] = si
		}
	}
	out := make([]matchrun.Run, len(sts))
	for i, st := range sts {
		out[i] = st.Run
		out[i].Solved = ""
		if si, ok := got[st.Solved]; ok {
			out[i].Input, out[i].Result = si.Input, si.Result
		}
	}
	return out, nil
}
