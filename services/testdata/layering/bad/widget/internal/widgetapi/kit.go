package widgetapi

// A handler's own code reaching for a test kit.
import "example.com/layering/widget/internal/widgettest"

var _ = widgettest.Build
