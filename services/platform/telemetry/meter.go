package telemetry

import (
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
)

// Meter creates a package's metric instruments, each with its unit and
// description. Creation fails only on an invalid name, which a package's
// own constant is not; a failed instrument is a no-op one, so the methods
// return the instrument alone.
type Meter struct {
	m metric.Meter
}

// NewMeter returns the meter named scope (the package's import path) of
// mp, or of the global provider when mp is nil.
func NewMeter(mp metric.MeterProvider, scope string) Meter {
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	return Meter{m: mp.Meter(scope)}
}

// Counter is the counter name, counting unit.
func (m Meter) Counter(name, unit, description string) metric.Int64Counter {
	c, _ := m.m.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(description))
	return c
}

// UpDownCounter is the gauge name, of unit, that goes up and down by
// additions.
func (m Meter) UpDownCounter(name, unit, description string) metric.Int64UpDownCounter {
	c, _ := m.m.Int64UpDownCounter(name, metric.WithUnit(unit), metric.WithDescription(description))
	return c
}

// Histogram is the distribution name of values in unit.
func (m Meter) Histogram(name, unit, description string) metric.Float64Histogram {
	h, _ := m.m.Float64Histogram(name, metric.WithUnit(unit), metric.WithDescription(description))
	return h
}
