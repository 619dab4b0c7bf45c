// Package widgetstore breaks the store rule: it calls back up into a use
// case.
package widgetstore

import "example.com/layering/widget/internal/widget"

// New builds the store, and wrongly a use case with it.
func New() { _ = widget.NewService() }
