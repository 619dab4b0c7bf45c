package reference

import (
	"math/rand/v2"
	"regexp"
	"testing"
)

func TestCouncilsMatchTheRegister(t *testing.T) {
	all := Councils()
	if len(all) != 152 {
		t.Fatalf("councils = %d, want 152", len(all))
	}
	byType := map[CouncilType]int{}
	byRegion := map[Region]int{}
	for _, c := range all {
		byType[c.Type]++
		byRegion[c.Region]++
	}
	wantType := map[CouncilType]int{County: 27, Unitary: 56, MetropolitanDistrict: 36, LondonBorough: 32, CityCorporation: 1}
	for k, v := range wantType {
		if byType[k] != v {
			t.Errorf("type %s = %d, want %d", k, byType[k], v)
		}
	}
	wantRegion := map[Region]int{London: 33, NorthWest: 23, SouthEast: 19, SouthWest: 16, YorkshireAndTheHumber: 15,
		WestMidlands: 14, NorthEast: 12, EastOfEngland: 11, EastMidlands: 9}
	for k, v := range wantRegion {
		if byRegion[k] != v {
			t.Errorf("region %s = %d, want %d", k, byRegion[k], v)
		}
	}
}

func TestCouncilByCode(t *testing.T) {
	c, ok := CouncilByCode("E08000035")
	if !ok || c.Name != "Leeds" || c.Region != YorkshireAndTheHumber || c.Type != MetropolitanDistrict {
		t.Fatalf("Leeds = %+v, %v", c, ok)
	}
	if _, ok := CouncilByCode("E99999999"); ok {
		t.Fatal("unknown code found")
	}
}

func TestAdjacencyIsSymmetric(t *testing.T) {
	for _, a := range Regions {
		if Adjacent(a, a) {
			t.Errorf("%s adjacent to itself", a)
		}
		for _, b := range Regions {
			if Adjacent(a, b) != Adjacent(b, a) {
				t.Errorf("adjacency %s/%s not symmetric", a, b)
			}
		}
	}
	if !Adjacent(London, SouthEast) || Adjacent(London, NorthEast) {
		t.Error("London adjacency wrong")
	}
}

func TestGradeOrder(t *testing.T) {
	if !Outstanding.BetterThan(Good) || !Good.BetterThan(RequiresImprovement) || !RequiresImprovement.BetterThan(Inadequate) {
		t.Fatal("grades out of order")
	}
	if Inadequate.BetterThan(Good) || Good.BetterThan(Good) || Grade("EXCELLENT").BetterThan(Inadequate) {
		t.Fatal("BetterThan accepts what it should not")
	}
	if Grade("").Valid() || Inadequate.Rank() != 4 {
		t.Fatal("rank or validity wrong")
	}
}

func TestCodesInARegion(t *testing.T) {
	total := 0
	for _, r := range Regions {
		codes := CodesIn(r)
		total += len(codes)
		for _, code := range codes {
			if c, _ := CouncilByCode(code); c.Region != r {
				t.Errorf("%s in %s's codes is in %s", code, r, c.Region)
			}
		}
	}
	if total != len(Councils()) {
		t.Errorf("the regions' codes hold %d councils, want %d", total, len(Councils()))
	}
}

// TestValidGSSCodeIsTheCodeShape: ValidGSSCode accepts exactly what the
// shape ^E(06|08|09|10)\d{6}$ matches, on every council's code, near misses
// and random strings.
func TestValidGSSCodeIsTheCodeShape(t *testing.T) {
	shape := regexp.MustCompile(`^E(06|08|09|10)\d{6}$`)
	cases := []string{"", "E", "E08000035", "E0800003", "E080000355", "e08000035", "E07000035", "E11000001",
		"E10000023", "E06000001", "E09000033", "E08000035\n", " E08000035", "E0800003a", "E08٠٠٠٠٣٥", "W06000015", "E10\x0000023"}
	for _, c := range Councils() {
		cases = append(cases, c.GSSCode)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	prefixes := []string{"E06", "E07", "E08", "E09", "E10", "E11", "W06", "E0", ""}
	const alphabet = "0123456789aE \n"
	for range 20000 {
		b := []byte(prefixes[rng.IntN(len(prefixes))])
		for range 4 + rng.IntN(5) {
			if rng.IntN(12) == 0 {
				b = append(b, alphabet[rng.IntN(len(alphabet))])
			} else {
				b = append(b, byte('0'+rng.IntN(10)))
			}
		}
		cases = append(cases, string(b))
	}
	for _, c := range cases {
		if got, want := ValidGSSCode(c), shape.MatchString(c); got != want {
			t.Errorf("ValidGSSCode(%q) = %v, the shape says %v", c, got, want)
		}
	}
}
