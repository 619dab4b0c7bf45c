// Package widget is a pure domain package: rules, the use case and the
// storage it needs.
package widget

import "context"

// Widget is the aggregate.
type Widget struct{ ID string }

// Storer is the storage the use case needs.
type Storer interface {
	Get(ctx context.Context, id string) (Widget, error)
}

// Service is the widget use case.
type Service struct{ st Storer }

// NewService builds the use case over st.
func NewService(st Storer) *Service { return &Service{st: st} }
