// Package widget breaks the domain rules: it imports gRPC and its store.
package widget

import (
	"google.golang.org/grpc"

	"example.com/layering/widget/internal/widgetstore"
)

var _ = grpc.NewServer
var _ = widgetstore.New

// Service is the widget use case.
type Service struct{}

// NewService builds the use case.
func NewService() *Service { return &Service{} }
