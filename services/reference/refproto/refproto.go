// Package refproto converts the reference values to and from their
// turnaround.type.v1 protobuf enums, so every service maps them one way.
package refproto

import (
	"strings"

	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/reference"
)

const (
	regionPrefix = "REGION_"
	typePrefix   = "COUNCIL_TYPE_"
)

// Region returns the proto enum of r (REGION_UNSPECIFIED when r is unknown).
func Region(r reference.Region) typev1.Region {
	return typev1.Region(typev1.Region_value[regionPrefix+string(r)])
}

// RegionFrom returns the reference region of a proto enum, and false for
// REGION_UNSPECIFIED or an unknown number.
func RegionFrom(r typev1.Region) (reference.Region, bool) {
	name, ok := typev1.Region_name[int32(r)]
	if !ok || r == typev1.Region_REGION_UNSPECIFIED {
		return "", false
	}
	return reference.Region(strings.TrimPrefix(name, regionPrefix)), true
}

// CouncilType returns the proto enum of t.
func CouncilType(t reference.CouncilType) typev1.CouncilType {
	return typev1.CouncilType(typev1.CouncilType_value[typePrefix+string(t)])
}

// CouncilTypeFrom returns the reference council type of a proto enum, and
// false for COUNCIL_TYPE_UNSPECIFIED or an unknown number.
func CouncilTypeFrom(t typev1.CouncilType) (reference.CouncilType, bool) {
	name, ok := typev1.CouncilType_name[int32(t)]
	if !ok || t == typev1.CouncilType_COUNCIL_TYPE_UNSPECIFIED {
		return "", false
	}
	return reference.CouncilType(strings.TrimPrefix(name, typePrefix)), true
}
