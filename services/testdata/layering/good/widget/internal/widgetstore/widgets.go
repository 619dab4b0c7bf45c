// Package widgetstore implements widget.Storer.
package widgetstore

import (
	"context"

	"github.com/redis/go-redis/v9"

	"example.com/layering/widget/internal/widget"
)

// Widgets stores widgets.
type Widgets struct{ c redis.UniversalClient }

// Get implements widget.Storer.
func (s *Widgets) Get(ctx context.Context, id string) (widget.Widget, error) {
	return widget.Widget{ID: id}, nil
}
