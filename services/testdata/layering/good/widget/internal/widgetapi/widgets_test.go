package widgetapi

import "example.com/layering/widget/internal/widgettest"

var _ = widgettest.Build
