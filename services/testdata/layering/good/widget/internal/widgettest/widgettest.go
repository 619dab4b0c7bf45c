// Package widgettest builds widgets for the service's tests: a test kit may
// reach the store, since only tests import it.
package widgettest

import "example.com/layering/widget/internal/widgetstore"

var _ = widgetstore.New
