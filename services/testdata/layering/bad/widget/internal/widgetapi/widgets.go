// Package widgetapi breaks the handler rules: it imports a store and
// another service.
package widgetapi

import (
	"example.com/layering/gadget"
	"example.com/layering/widget/internal/widgetstore"
)

var _ = gadget.New
var _ = widgetstore.New
