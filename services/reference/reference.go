// Package reference holds the facts every service shares and nobody edits:
// the 152 councils of December 2015 with their codes, types and regions, and
// which English regions border each other. It is pure Go with the data
// embedded, so it works the same in every process and test.
package reference

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"sort"
	"sync"
)

//go:embed data/local-authorities-2015.csv
var councilsCSV []byte

// Region is one of the nine English regions, named as the enum value in
// turnaround.type.v1.Region without its prefix.
type Region string

// The nine English regions.
const (
	NorthEast             Region = "NORTH_EAST"
	NorthWest             Region = "NORTH_WEST"
	YorkshireAndTheHumber Region = "YORKSHIRE_AND_THE_HUMBER"
	EastMidlands          Region = "EAST_MIDLANDS"
	WestMidlands          Region = "WEST_MIDLANDS"
	EastOfEngland         Region = "EAST_OF_ENGLAND"
	London                Region = "LONDON"
	SouthEast             Region = "SOUTH_EAST"
	SouthWest             Region = "SOUTH_WEST"
)

// Regions lists the nine regions in the order of the proto enum.
var Regions = []Region{NorthEast, NorthWest, YorkshireAndTheHumber, EastMidlands, WestMidlands, EastOfEngland, London, SouthEast, SouthWest}

var regionByLabel = map[string]Region{
	"North East": NorthEast, "North West": NorthWest, "Yorkshire and The Humber": YorkshireAndTheHumber,
	"East Midlands": EastMidlands, "West Midlands": WestMidlands, "East of England": EastOfEngland,
	"London": London, "South East": SouthEast, "South West": SouthWest,
}

// adjacency is the land borders between English regions.
var adjacency = map[Region][]Region{
	NorthEast:             {NorthWest, YorkshireAndTheHumber},
	NorthWest:             {NorthEast, YorkshireAndTheHumber, EastMidlands, WestMidlands},
	YorkshireAndTheHumber: {NorthEast, NorthWest, EastMidlands},
	EastMidlands:          {YorkshireAndTheHumber, NorthWest, WestMidlands, EastOfEngland, SouthEast},
	WestMidlands:          {NorthWest, EastMidlands, SouthEast, SouthWest},
	EastOfEngland:         {EastMidlands, SouthEast, London},
	London:                {EastOfEngland, SouthEast},
	SouthEast:             {London, EastOfEngland, EastMidlands, WestMidlands, SouthWest},
	SouthWest:             {SouthEast, WestMidlands},
}

// Adjacent reports whether regions a and b share a land border.
func Adjacent(a, b Region) bool {
	return slices.Contains(adjacency[a], b)
}

// CouncilType is the kind of authority, named as the enum value in
// turnaround.type.v1.CouncilType without its prefix.
type CouncilType string

// The council types.
const (
	County               CouncilType = "COUNTY"
	Unitary              CouncilType = "UNITARY"
	MetropolitanDistrict CouncilType = "METROPOLITAN_DISTRICT"
	LondonBorough        CouncilType = "LONDON_BOROUGH"
	CityCorporation      CouncilType = "CITY_CORPORATION"
)

// CouncilTypes lists the council types in the order of the proto enum.
var CouncilTypes = []CouncilType{County, Unitary, MetropolitanDistrict, LondonBorough, CityCorporation}

var typeByLabel = map[string]CouncilType{
	"county": County, "unitary": Unitary, "metropolitan_district": MetropolitanDistrict,
	"london_borough": LondonBorough, "city_corporation": CityCorporation,
}

// Council is one authority with children's services responsibility.
type Council struct {
	GSSCode      string
	DfECode      string
	Name         string
	OfficialName string
	Type         CouncilType
	Region       Region
}

// ValidGSSCode reports whether code has the shape of an English upper-tier
// authority's GSS code (E06, E08, E09 or E10 and six digits). Requests and
// match runs check every code they carry, so it reads the bytes itself
// rather than running a regular expression.
func ValidGSSCode(code string) bool {
	if len(code) != 9 || code[0] != 'E' {
		return false
	}
	switch code[1:3] {
	case "06", "08", "09", "10":
	default:
		return false
	}
	for i := 3; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	return true
}

var (
	loadOnce sync.Once
	councils []Council
	byCode   map[string]Council
)

func load() {
	all, err := parse(bytes.NewReader(councilsCSV))
	if err != nil {
		// The file is embedded at build time and covered by tests; a parse
		// failure means the binary itself is broken.
		panic(fmt.Sprintf("reference: embedded councils: %v", err))
	}
	councils = all
	byCode = make(map[string]Council, len(all))
	for _, c := range all {
		byCode[c.GSSCode] = c
	}
}

func parse(r io.Reader) ([]Council, error) {
	rd := csv.NewReader(r)
	rd.FieldsPerRecord = 6
	rows, err := rd.ReadAll()
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 || rows[0][0] != "gss_code" {
		return nil, fmt.Errorf("missing header")
	}
	out := make([]Council, 0, len(rows)-1)
	for i, row := range rows[1:] {
		t, ok := typeByLabel[row[4]]
		if !ok {
			return nil, fmt.Errorf("row %d: unknown type %q", i+2, row[4])
		}
		reg, ok := regionByLabel[row[5]]
		if !ok {
			return nil, fmt.Errorf("row %d: unknown region %q", i+2, row[5])
		}
		if !ValidGSSCode(row[0]) {
			return nil, fmt.Errorf("row %d: bad GSS code %q", i+2, row[0])
		}
		out = append(out, Council{GSSCode: row[0], DfECode: row[1], Name: row[2], OfficialName: row[3], Type: t, Region: reg})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].GSSCode < out[j].GSSCode })
	return out, nil
}

// Councils returns the 152 councils ordered by GSS code. The slice is a copy.
func Councils() []Council {
	loadOnce.Do(load)
	return append([]Council(nil), councils...)
}

// CodesIn returns the GSS codes of the councils in region, in code order.
func CodesIn(region Region) []string {
	var out []string
	for _, c := range Councils() {
		if c.Region == region {
			out = append(out, c.GSSCode)
		}
	}
	return out
}

// CouncilByCode returns the council with the given GSS code.
func CouncilByCode(code string) (Council, bool) {
	loadOnce.Do(load)
	c, ok := byCode[code]
	return c, ok
}
