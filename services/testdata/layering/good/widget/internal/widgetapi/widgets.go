// Package widgetapi is the handler: it calls the use case.
package widgetapi

import (
	"google.golang.org/grpc"

	"example.com/layering/widget/internal/widget"
)

var _ = grpc.NewServer

// Widgets serves the widget RPCs.
type Widgets struct{ svc *widget.Service }
